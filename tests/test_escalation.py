"""Help requests nobody took, with a fake clock: officers told at the configured minute (once,
across restarts), and at the end of the desk's day a written question, the citizen told."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App, build_app
from bot.config import BotSettings, DatabaseSettings, HandoffSettings, Settings
from bot.db.models import HelpRequest, HelpStatus, OutboxStatus, Person, Question, Role
from bot.locales import t
from bot.services import handoff, places
from bot.services.shifts import calendar, templates
from scheduler import delivery
from scheduler.questions import plan_unanswered
from tests.helpers import ChatUser
from tests.test_households_flow import person_id, staff_user
from tests.test_shift_support import (
    TZ,
    FakeClock,
    RecordingSender,
    local,
    outbox_rows,
    runtime_for,
)

MINUTES = 45  # the configured [handoff] escalate_after_minutes of these tests
MONDAY_9 = local(2026, 11, 30, 9)
QUESTION = "Tôi đăng nhập VNeID báo sai mật khẩu mãi, nhờ cán bộ gọi lại giúp."
WITH_ID = "Căn cước của tôi số 001203004567 bị báo sai thông tin, nhờ cán bộ xem giúp."


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url),
        bot=BotSettings(demo_data=False),
        handoff=HandoffSettings(escalate_after_minutes=MINUTES),
    )


async def scene(app: App) -> dict[str, ChatUser]:
    """Two citizens, an officer, an admin, a volunteer and an official."""
    users = {
        "citizen": ChatUser(app, "3001", "Lê Thị Hoa"),
        "neighbour": ChatUser(app, "3006", "Phạm Văn Bình"),
    }
    for user in users.values():
        await user.says("/start")
    users["officer"] = await staff_user(app, "3002", Role.OFFICER, name="Cán bộ Hùng")
    users["admin"] = await staff_user(app, "3003", Role.ADMIN, name="Quản trị Minh")
    users["volunteer"] = await staff_user(app, "3004", Role.VOLUNTEER, name="Tình nguyện Mai")
    users["official"] = await staff_user(app, "3005", Role.OFFICIAL, name="Chủ tịch Lan")
    return users


async def request_at(app: App, citizen: ChatUser, at: datetime, question: str = QUESTION) -> int:
    """The citizen asks for a person at `at` (as the "Gặp cán bộ" flow would)."""
    pid = await person_id(app, citizen)
    async with app.db.transaction() as session:
        person = await session.get(Person, pid)
        assert person is not None
        return (await handoff.create(session, person, question, None, now=at)).id


async def request_row(app: App, number: int) -> HelpRequest:
    async with app.sessionmaker() as session:
        row = await session.get(HelpRequest, number)
    assert row is not None
    return row


async def questions_of(app: App) -> list[Question]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(Question).order_by(Question.id)))


async def desk_closing_at_half_past_four(app: App, now: datetime) -> None:
    """A desk open Monday to Friday 07:30–11:30 and 13:30–16:30, with this week's shifts."""
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        desk = await places.add_location(session, commune, "Bộ phận một cửa")
        for starts, ends in ((time(7, 30), time(11, 30)), (time(13, 30), time(16, 30))):
            await templates.add_templates(session, desk, range(5), starts, ends, 1, actor_id=None)
        await calendar.generate(
            session, first_day=now.astimezone(TZ).date(), weeks=1, now=now, tz=TZ
        )


# --------------------------------------------------------------------------------- tests


async def test_officers_are_told_at_the_configured_minute_once(app: App) -> None:
    users = await scene(app)
    number = await request_at(app, users["citizen"], MONDAY_9)
    clock = FakeClock(MONDAY_9 + timedelta(minutes=MINUTES - 1))
    runtime = runtime_for(app, clock)
    assert await plan_unanswered(runtime) == (0, 0)
    prefix = f"handoff:{number}:notify:late:"
    assert await outbox_rows(app, prefix) == {}

    clock.set(MONDAY_9 + timedelta(minutes=MINUTES))
    assert await plan_unanswered(runtime) == (1, 0)
    officer = await person_id(app, users["officer"])
    rows = await outbox_rows(app, prefix)
    assert list(rows) == [f"{prefix}{officer}"]  # officers only: not the volunteer or admin
    row = rows[f"{prefix}{officer}"]
    assert f"số {number} đã chờ {MINUTES} phút" in row.payload["text"]
    assert "Lê Thị Hoa" in row.payload["text"] and QUESTION in row.payload["text"]
    assert [data for _, data in row.payload["choices"]] == [f"ho:take:{number}"]
    assert (await request_row(app, number)).escalated_at == MONDAY_9 + timedelta(minutes=MINUTES)

    # Later runs, and a second process on the same database, repeat nothing.
    clock.advance(minutes=1)
    assert await plan_unanswered(runtime) == (0, 0)
    restarted = build_app(app.settings)
    try:
        clock.advance(minutes=5)
        assert await plan_unanswered(runtime_for(restarted, clock)) == (0, 0)
        sender = RecordingSender()
        await delivery.drain(restarted.db, {"test": sender}, clock)
    finally:
        await restarted.close()
    late = [text for text in sender.to("3002") if "phút mà chưa có ai nhận" in text]
    assert len(late) == 1
    assert len(await outbox_rows(app, prefix)) == 1


async def test_a_request_taken_in_time_is_not_escalated_and_late_notes_are_dropped(
    app: App,
) -> None:
    users = await scene(app)
    taken = await request_at(app, users["citizen"], MONDAY_9)
    late = await request_at(app, users["neighbour"], MONDAY_9 + timedelta(minutes=10))
    clock = FakeClock(MONDAY_9 + timedelta(minutes=20))
    app.dispatcher.clock = clock
    await users["officer"].presses(f"ho:take:{taken}")
    clock.set(MONDAY_9 + timedelta(minutes=10 + MINUTES))
    assert await plan_unanswered(runtime_for(app, clock)) == (1, 0)
    assert await outbox_rows(app, f"handoff:{taken}:notify:late:") == {}
    assert len(await outbox_rows(app, f"handoff:{late}:notify:late:")) == 1

    # Taken before the note went out: the note is never sent.
    await users["admin"].presses(f"ho:take:{late}")
    rows = await outbox_rows(app, f"handoff:{late}:notify:late:")
    assert [row.status for row in rows.values()] == [OutboxStatus.EXPIRED]
    assert (await request_row(app, late)).status == HelpStatus.TAKEN


async def test_an_untaken_request_becomes_a_question_when_the_desks_day_ends(app: App) -> None:
    users = await scene(app)
    await desk_closing_at_half_past_four(app, local(2026, 11, 29, 10))
    afternoon = local(2026, 11, 30, 14)
    number = await request_at(app, users["citizen"], afternoon, WITH_ID)
    evening = await request_at(app, users["neighbour"], local(2026, 11, 30, 18))
    clock = FakeClock(local(2026, 11, 30, 16, 29))
    runtime = runtime_for(app, clock)
    assert (await plan_unanswered(runtime))[1] == 0
    assert await questions_of(app) == []

    clock.set(local(2026, 11, 30, 16, 30))  # the last shift of Monday ends
    assert (await plan_unanswered(runtime))[1] == 1
    [question] = await questions_of(app)
    assert question.request_id == number and question.created_at == afternoon
    assert "001203004567" not in question.text and "nhờ cán bộ xem giúp" in question.text
    request = await request_row(app, number)
    assert (request.status, request.question, request.phone) == ("queued", "", None)
    [told] = (await outbox_rows(app, f"handoff:{number}:queued")).values()
    assert "1–2 ngày làm việc" in told.payload["text"] and question.text in told.payload["text"]
    assert "001203004567" not in told.payload["text"]
    # The evening request waits for Tuesday's desk; nothing is queued twice.
    assert (await plan_unanswered(runtime))[1] == 0
    clock.set(local(2026, 12, 1, 16, 29))
    assert (await plan_unanswered(runtime))[1] == 0
    clock.set(local(2026, 12, 1, 16, 30))
    assert (await plan_unanswered(runtime))[1] == 1
    assert [q.request_id for q in await questions_of(app)] == [number, evening]

    sender = RecordingSender()
    await delivery.drain(app.db, {"test": sender}, clock)
    assert sum("1–2 ngày làm việc" in text for text in sender.to("3001")) == 1
    # The citizen may ask for a person again.
    async with app.sessionmaker() as session:
        citizen = await person_id(app, users["citizen"])
        assert await handoff.active_for(session, citizen) is None


async def test_without_shifts_a_friday_evening_request_waits_for_monday_five_pm(
    app: App,
) -> None:
    users = await scene(app)
    number = await request_at(app, users["citizen"], local(2026, 12, 4, 18))  # a Friday
    clock = FakeClock(local(2026, 12, 7, 16, 59))
    runtime = runtime_for(app, clock)
    assert await plan_unanswered(runtime) == (1, 0)  # officers told; the desk is still open
    clock.set(local(2026, 12, 7, 17))
    assert await plan_unanswered(runtime) == (0, 1)
    assert (await request_row(app, number)).status == HelpStatus.QUEUED
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 1
    # Taking it now is politely refused: it is a written question already.
    taken = await users["officer"].presses(f"ho:take:{number}")
    assert t("handoff.over") in taken[0].text
