"""Help requests keep no ID-card number, forget their text when they end, and reach only the
staff who are told about them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.db.models import HelpRequest, Location, OutboxMessage, Shift, ShiftAssignment
from bot.locales import t
from bot.services import places
from scheduler import delivery
from tests.helpers import ChatUser, payloads, texts
from tests.test_handoff import ask_for_person, request_row, scene
from tests.test_households_flow import person_id
from tests.test_outbox import FakeClock
from tests.test_shift_support import RecordingSender

CCCD = "001088012345"
ASKED = f"Số căn cước của tôi là {CCCD}, tôi bị khóa tài khoản VNeID, gọi 0912 345 678 giúp"


async def all_text(app: App) -> str:
    """Everything stored about help requests and their messages, as one text."""
    async with app.sessionmaker() as session:
        requests = list(await session.scalars(select(HelpRequest)))
        rows = list(await session.scalars(select(OutboxMessage)))
    stored = [f"{r.question} {r.phone}" for r in requests] + [str(row.payload) for row in rows]
    return " ".join(stored)


async def test_an_id_card_number_in_a_request_is_never_stored(app: App) -> None:
    users = await scene(app)
    citizen = users["citizen"]
    await citizen.presses("ho:ask")
    await citizen.says(ASKED)
    done = await citizen.presses("ho:skip")
    assert t("handoff.numbers_hidden") in texts(done)
    stored = await all_text(app)
    assert CCCD not in stored and "0912 345 678" not in stored
    assert "khóa tài khoản VNeID" in stored  # the question itself is kept for the staff


async def test_a_closed_request_forgets_its_text_and_phone(app: App) -> None:
    users = await scene(app)
    number = await ask_for_person(users["citizen"], phone="0987654321")
    await users["officer"].presses(f"ho:take:{number}")
    await users["officer"].presses(f"ho:msg:{number}")
    await users["officer"].says("Bác mang căn cước đến một cửa sáng mai nhé")
    await users["citizen"].presses(f"ho:re:{number}")
    await users["citizen"].says("Vâng, mai tôi đến")
    clock = FakeClock(datetime.now(UTC))
    assert (await delivery.drain(app.db, {"test": RecordingSender()}, clock)).sent >= 3
    await users["officer"].presses(f"ho:done:{number}")
    row = await request_row(app, number)
    assert row.phone is None and row.question == ""
    stored = await all_text(app)
    for secret in ("không đăng nhập được", "0987654321", "mang căn cước", "mai tôi đến"):
        assert secret not in stored, secret
    assert t("handoff.closed_citizen", number=number) in stored  # still to be delivered


async def test_volunteers_see_only_requests_they_were_told_about(app: App) -> None:
    users = await scene(app)
    number = await ask_for_person(users["citizen"])
    volunteer = users["volunteer"]  # not on duty, so not told
    assert t("handoff.list_empty") in texts(await volunteer.says("/requests"))
    refused = texts(await volunteer.presses(f"ho:take:{number}"))
    assert t("handoff.not_found") in refused and "không đăng nhập được" not in refused
    assert f"ho:take:{number}" in payloads(await users["other"].says("/requests"))  # officers

    await put_on_duty(app, volunteer)
    second = await ask_for_person(ChatUser(app, "2011", "Đỗ Văn Nam"))
    await end_duty(app)
    listing = await volunteer.says("/requests")
    assert f"ho:take:{second}" in payloads(listing) and f"ho:take:{number}" not in payloads(
        listing
    )
    assert "Đỗ Văn Nam" in texts(await volunteer.presses(f"ho:take:{second}"))


async def put_on_duty(app: App, user: ChatUser) -> None:
    now = datetime.now(UTC)
    helper = await person_id(app, user)
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
        session.add(ShiftAssignment(shift_id=shift.id, person_id=helper))


async def end_duty(app: App) -> None:
    async with app.sessionmaker() as session, session.begin():
        for shift in await session.scalars(select(Shift)):
            shift.starts_at = datetime.now(UTC) - timedelta(hours=6)
            shift.ends_at = datetime.now(UTC) - timedelta(hours=2)
