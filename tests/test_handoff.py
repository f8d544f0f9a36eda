"""Reaching a person through the dispatcher: ask, notify staff, take (once), relay, close."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.db.models import (
    AuditEntry,
    HelpRequest,
    HelpStatus,
    Location,
    OutboxMessage,
    OutboxStatus,
    Role,
    Shift,
    ShiftAssignment,
)
from bot.locales import t
from bot.services import handoff, places
from tests.helpers import ChatUser, labels, payloads, texts
from tests.test_households_flow import flow_step, make_villages, person_id, staff_user

QUESTION = "Tôi không đăng nhập được Cổng Dịch vụ công, nhờ cán bộ hướng dẫn giúp."


# ------------------------------------------------------------------------------ helpers


async def ask_for_person(
    citizen: ChatUser, question: str = QUESTION, phone: str | None = None
) -> int:
    """Go through the request flow; returns the new request's number."""
    await citizen.presses("ho:ask")
    asked = await citizen.says(question)
    assert "ho:skip" in payloads(asked)
    done = await (citizen.says(phone) if phone else citizen.presses("ho:skip"))
    async with citizen.app.sessionmaker() as session:
        number = await session.scalar(select(HelpRequest.id).order_by(HelpRequest.id.desc()))
    assert number is not None
    assert t("handoff.created", number=number, contact="").split("\n")[0] in texts(done)
    return number


async def request_row(app: App, number: int) -> HelpRequest:
    async with app.sessionmaker() as session:
        row = await session.get(HelpRequest, number)
    assert row is not None
    return row


async def outbox_rows(app: App, prefix: str = "handoff:") -> dict[str, OutboxMessage]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like(f"{prefix}%"))
        )
        return {row.key: row for row in rows}


async def audit_actions(app: App, number: int) -> list[str]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "help_request", AuditEntry.entity_id == str(number))
            .order_by(AuditEntry.id)
        )
        return [row.action for row in rows]


def buttons_of(row: OutboxMessage) -> list[str]:
    return [data for _, data in row.payload["choices"]]


async def scene(app: App) -> dict[str, ChatUser]:
    """A citizen, an officer of one village only, an admin and a volunteer (not on duty)."""
    [east] = await make_villages(app, "Thôn Đông")
    citizen = ChatUser(app, "2001", "Lê Thị Hoa")
    await citizen.says("/start")
    return {
        "citizen": citizen,
        "officer": await staff_user(app, "2002", Role.OFFICER, east, name="Cán bộ Hùng"),
        "admin": await staff_user(app, "2003", Role.ADMIN, name="Quản trị Minh"),
        "volunteer": await staff_user(app, "2004", Role.VOLUNTEER, name="Tình nguyện Mai"),
        "other": await staff_user(app, "2005", Role.OFFICER, name="Cán bộ Tuấn"),
    }


# --------------------------------------------------------------------------------- tests


async def test_the_menu_button_opens_the_handoff_screen(app: App) -> None:
    citizen = ChatUser(app)
    menu = await citizen.says("/start")
    assert "ho" in payloads(menu) and "g:help-desk" not in payloads(menu)
    screen = await citizen.presses("ho")
    where = app.services.catalog.get("help-desk")
    assert where is not None and where.where in texts(screen)
    assert payloads(screen) == ["ho:ask", "g:help-desk", "menu"]
    assert labels(screen)[:2] == [t("handoff.ask_button"), t("handoff.desk_button")]
    guide = await citizen.presses("g:help-desk")
    assert "Hỗ trợ trực tiếp, gặp cán bộ" in texts(guide)
    # "Talk to a person" in the guides leads here too.
    stuck = await citizen.presses("gk:vneid-register:1")
    assert "ho" in payloads(stuck)


async def test_request_take_relay_both_ways_and_done(app: App) -> None:
    users = await scene(app)
    citizen, officer, admin = users["citizen"], users["officer"], users["admin"]
    asked = await citizen.presses("ho:ask")
    assert "OTP" in texts(asked)
    await citizen.says(QUESTION)
    created = await citizen.says("0912 345 678")
    number = (await request_row(app, 1)).id
    assert f"số {number}" in texts(created) and "091****678" in texts(created)
    assert "0912345678" not in texts(created)

    # Nobody is on duty: the officers (also one limited to a village) and the admin are told.
    notices = await outbox_rows(app, f"handoff:{number}:notify:")
    told = {key.rsplit(":", 1)[1] for key in notices}
    officer_id, admin_id = await person_id(app, officer), await person_id(app, admin)
    other_id = await person_id(app, users["other"])
    assert told == {str(officer_id), str(admin_id), str(other_id)}
    notice = notices[f"handoff:{number}:notify:{officer_id}"]
    assert QUESTION in notice.payload["text"] and "Lê Thị Hoa" in notice.payload["text"]
    assert "0912" not in notice.payload["text"]  # the phone is for the taker only
    assert buttons_of(notice) == [f"ho:take:{number}"]

    taken = await officer.presses(f"ho:take:{number}")
    assert "0912345678" in texts(taken) and QUESTION in texts(taken)
    assert f"ho:msg:{number}" in payloads(taken) and f"ho:done:{number}" in payloads(taken)
    rows = await outbox_rows(app)
    told_citizen = rows[f"handoff:{number}:taken"]
    assert told_citizen.chat_id == "2001" and "Cán bộ Hùng" in told_citizen.payload["text"]
    # Notices not yet sent to the others are dropped: the request is no longer open.
    assert rows[f"handoff:{number}:notify:{admin_id}"].status == OutboxStatus.EXPIRED

    prompt = await officer.presses(f"ho:msg:{number}")
    assert "Lê Thị Hoa" in texts(prompt)
    sent = await officer.says("Chào chị, chị mang căn cước đến một cửa sáng mai nhé.")
    assert t("handoff.sent_to_citizen", number=number) in texts(sent)
    assert payloads(sent)[:2] == [f"ho:msg:{number}", f"ho:done:{number}"]
    to_citizen = (await outbox_rows(app))[f"handoff:{number}:m:1"]
    assert to_citizen.chat_id == "2001" and "căn cước đến một cửa" in to_citizen.payload["text"]
    assert buttons_of(to_citizen) == [f"ho:re:{number}"]

    await citizen.presses(f"ho:re:{number}")
    replied = await citizen.says("Dạ vâng, cảm ơn anh, mai tôi đến ạ.")
    assert t("handoff.sent_to_staff") in texts(replied)
    to_staff = (await outbox_rows(app))[f"handoff:{number}:m:2"]
    assert to_staff.chat_id == "2002" and "mai tôi đến" in to_staff.payload["text"]
    assert buttons_of(to_staff) == [f"ho:msg:{number}", f"ho:done:{number}"]
    assert to_staff.payload["choices"][0][0] == t("handoff.more_button")

    closed = await officer.presses(f"ho:done:{number}")
    assert t("handoff.closed", number=number) in texts(closed)
    row = await request_row(app, number)
    assert row.status == HelpStatus.DONE and row.phone is None and row.closed_at is not None
    assert f"handoff:{number}:closed" in await outbox_rows(app)
    assert await audit_actions(app, number) == ["create", "take", "done"]
    # The conversation is over: neither side can write any more.
    late = await citizen.presses(f"ho:re:{number}")
    assert t("handoff.over") in texts(late)


async def test_two_staff_pressing_take_at_once_leave_one_taker(app: App) -> None:
    users = await scene(app)
    number = await ask_for_person(users["citizen"])
    first, second = await asyncio.gather(
        users["officer"].presses(f"ho:take:{number}"), users["other"].presses(f"ho:take:{number}")
    )
    answers = [texts(first), texts(second)]
    won = [answer for answer in answers if QUESTION in answer]
    lost = [answer for answer in answers if t("handoff.already_taken") in answer]
    assert len(won) == 1 and len(lost) == 1, answers
    winner = users["officer"] if won[0] == answers[0] else users["other"]
    row = await request_row(app, number)
    assert row.status == HelpStatus.TAKEN and row.taken_by_id == await person_id(app, winner)
    assert await audit_actions(app, number) == ["create", "take"]
    assert len([key for key in await outbox_rows(app) if key.endswith(":taken")]) == 1
    # Pressing again later: the taker sees the details, anyone else the polite refusal.
    loser = users["other"] if winner is users["officer"] else users["officer"]
    assert QUESTION in texts(await winner.presses(f"ho:take:{number}"))
    assert t("handoff.already_taken") in texts(await loser.presses(f"ho:take:{number}"))
    assert await audit_actions(app, number) == ["create", "take"]


async def test_a_citizen_can_neither_take_nor_close(app: App) -> None:
    users = await scene(app)
    number = await ask_for_person(users["citizen"])
    stranger = ChatUser(app, "2009", "Người lạ")
    await stranger.says("/start")
    for payload in (f"ho:take:{number}", f"ho:done:{number}", f"ho:msg:{number}", "ho:list"):
        assert t("errors.not_allowed") in texts(await stranger.presses(payload))
        # Not even the citizen who asked may take or close their own request.
        assert t("errors.not_allowed") in texts(await users["citizen"].presses(payload))
    assert t("errors.not_allowed") in texts(await stranger.says("/requests"))
    assert (await request_row(app, number)).status == HelpStatus.OPEN
    assert await audit_actions(app, number) == ["create"]


async def test_forged_payloads_are_refused_and_change_nothing(app: App) -> None:
    users = await scene(app)
    number = await ask_for_person(users["citizen"])
    await users["officer"].presses(f"ho:take:{number}")
    before = await outbox_rows(app)
    stranger = ChatUser(app, "2009", "Người lạ")
    await stranger.says("/start")

    cases = [
        (users["other"], "ho:take:999", "handoff.not_found"),
        (users["other"], f"ho:msg:{number}", "handoff.not_yours"),
        (users["other"], f"ho:done:{number}", "handoff.not_yours"),
        (users["other"], f"ho:open:{number}", "handoff.not_yours"),
        (users["volunteer"], "ho:msg:999", "handoff.not_found"),
        (stranger, f"ho:re:{number}", "handoff.not_found"),
        (stranger, f"ho:cancel:{number}", "handoff.not_found"),
        (stranger, f"ho:cancel:{number}:1", "handoff.not_found"),
        (users["officer"], "ho:take:abc", "errors.bad_button"),
        (users["officer"], "ho:take", "errors.bad_button"),
        (users["officer"], f"ho:nonsense:{number}", "errors.bad_button"),
        (users["officer"], "ho:take:99999999999999999999", "errors.bad_button"),
    ]
    for user, payload, key in cases:
        assert t(key) in texts(await user.presses(payload)), payload
    # Typing while not in a relay flow goes to the guide search, not to anyone's chat.
    await stranger.says("Xin chào cán bộ")
    row = await request_row(app, number)
    assert row.status == HelpStatus.TAKEN and row.taken_by_id == await person_id(
        app, users["officer"]
    )
    assert (await outbox_rows(app)).keys() == before.keys()
    assert await audit_actions(app, number) == ["create", "take"]


async def test_phone_numbers_are_checked_and_may_be_skipped(app: App) -> None:
    citizen = ChatUser(app)
    await citizen.presses("ho:ask")
    too_long = await citizen.says("x" * (handoff.MAX_QUESTION + 1))
    assert t("handoff.too_long", length=501, limit=500) in texts(too_long)
    assert await flow_step(app, citizen) == ("ho_ask", "question")
    await citizen.says(QUESTION)
    for wrong in ("12345", "không có", "0912 345"):
        answer = await citizen.says(wrong)
        assert t("handoff.bad_phone") in texts(answer) and "ho:skip" in payloads(answer)
    assert await flow_step(app, citizen) == ("ho_ask", "phone")
    await citizen.says("+84 912 345 678")
    row = await request_row(app, 1)
    assert row.phone == "0912345678" and row.question == QUESTION

    second = ChatUser(app, "1002", "Phạm Văn Bình")
    await ask_for_person(second, "Hỏi về giấy khai sinh cho con")
    assert (await request_row(app, 2)).phone is None
    # "Only message me" outside the flow is a stale button, not a second request.
    assert t("handoff.stale_button") in texts(await second.presses("ho:skip"))


async def test_secrets_are_stopped_before_they_become_a_request(app: App) -> None:
    citizen = ChatUser(app)
    await citizen.presses("ho:ask")
    warned = await citizen.says("mã otp của tôi là 483920")
    assert t("safety.secret_warning") in texts(warned)
    assert await flow_step(app, citizen) == ("ho_ask", "question")
    async with app.sessionmaker() as session:
        assert await session.scalar(select(HelpRequest.id)) is None


async def test_a_citizen_sees_and_cancels_their_request(app: App) -> None:
    users = await scene(app)
    citizen = users["citizen"]
    number = await ask_for_person(citizen, phone="0987654321")
    again = await citizen.presses("ho:ask")
    assert t("handoff.already_waiting") in texts(again)
    mine = await citizen.says("/myrequest")
    assert QUESTION in texts(mine) and "098****321" in texts(mine)
    assert "0987654321" not in texts(mine)
    hub = await citizen.presses("ho")
    assert "ho:mine" in payloads(hub) and "ho:ask" not in payloads(hub)

    confirm = await citizen.presses(f"ho:cancel:{number}")
    assert f"ho:cancel:{number}:1" in payloads(confirm)
    assert (await request_row(app, number)).status == HelpStatus.OPEN
    done = await citizen.presses(f"ho:cancel:{number}:1")
    assert t("handoff.cancelled", number=number) in texts(done)
    row = await request_row(app, number)
    assert row.status == HelpStatus.CANCELLED and row.phone is None
    notices = await outbox_rows(app, f"handoff:{number}:notify:")
    assert notices and all(row.status == OutboxStatus.EXPIRED for row in notices.values())
    assert t("handoff.over") in texts(await users["officer"].presses(f"ho:take:{number}"))
    assert await audit_actions(app, number) == ["create", "cancelled"]
    assert "ho:ask" in payloads(await citizen.presses("ho"))

    # Cancelling a request someone took tells that person.
    second = await ask_for_person(citizen)
    await users["admin"].presses(f"ho:take:{second}")
    await citizen.presses(f"ho:cancel:{second}:1")
    told = (await outbox_rows(app))[f"handoff:{second}:cancelled"]
    assert told.chat_id == "2003" and f"số {second}" in told.payload["text"]


async def test_requests_list_and_admin_close(app: App) -> None:
    users = await scene(app)
    first = await ask_for_person(users["citizen"])
    other_citizen = ChatUser(app, "2010", "Đỗ Văn Nam")
    second = await ask_for_person(other_citizen, "Cách nộp hồ sơ đăng ký kết hôn trực tuyến?")
    await users["officer"].presses(f"ho:take:{first}")
    listing = await users["officer"].says("/requests")
    assert f"ho:open:{first}" in payloads(listing) and f"ho:take:{second}" in payloads(listing)
    assert "Đỗ Văn Nam" in texts(listing)
    assert f"ho:open:{first}" not in payloads(await users["other"].presses("ho:list"))
    # An admin may close a request someone else handles, or one nobody took.
    for number in (first, second):
        await users["admin"].presses(f"ho:done:{number}")
        assert (await request_row(app, number)).status == HelpStatus.DONE
    assert t("handoff.list_empty") in texts(await users["volunteer"].says("/requests"))
    assert t("handoff.over") in texts(await users["officer"].presses(f"ho:msg:{first}"))


async def test_volunteers_on_duty_are_told_first(app: App) -> None:
    users = await scene(app)
    now = datetime.now(UTC)
    volunteer_id = await person_id(app, users["volunteer"])
    async with app.sessionmaker() as session, session.begin():
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        desk = Location(commune_id=commune.id, name="Bộ phận một cửa")
        session.add(desk)
        await session.flush()
        shift = Shift(
            location_id=desk.id,
            day=now.date(),
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
        )
        session.add(shift)
        await session.flush()
        session.add(ShiftAssignment(shift_id=shift.id, person_id=volunteer_id))
    number = await ask_for_person(users["citizen"])
    told = set(await outbox_rows(app, f"handoff:{number}:notify:"))
    assert told == {f"handoff:{number}:notify:{volunteer_id}"}
    # Anyone with a helping role may still take it from /requests.
    assert QUESTION in texts(await users["officer"].presses(f"ho:take:{number}"))
