"""The reminder planner and the outbox deliverer with a fake clock: each reminder once, at
its time, through restarts and downtime; per-row retry-after and dead chats over Telegram."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import App, build_app
from bot.channels.telegram import TelegramChannel
from bot.core.delivery import DeliveryError, FailureKind
from bot.db.models import AssignmentStatus, OutboxStatus
from bot.locales import t
from bot.services.shifts import roster, views
from scheduler import delivery
from scheduler.leader import Leadership
from scheduler.runtime import Runtime
from scheduler.shifts import plan_reminders
from tests.fakes import FakeTelegramServer
from tests.test_shift_support import (
    Desk,
    FakeClock,
    RecordingSender,
    generate,
    local,
    make_desk,
    member,
    outbox_rows,
    pid,
    runtime_for,
    shift_at,
)

MONDAY = date(2026, 11, 30)  # not the week of 24/11, Vietnam Culture Day
SIGNED_UP = local(2026, 11, 29, 10)
TUESDAY_MORNING = local(2026, 12, 1, 7, 30)
EVE = local(2026, 11, 30, 19)
SOON = local(2026, 12, 1, 6, 30)


async def desk_with_volunteers(
    app: App, users: tuple[str, ...] = ("701", "702"), *, channel: str = "test"
) -> tuple[Desk, int]:
    """Volunteers on Tuesday morning's desk shift, signed up on Sunday."""
    desk = await make_desk(app, needed=len(users))
    await generate(app, MONDAY, 1, now=SIGNED_UP)
    shift = await shift_at(app, desk.desk, TUESDAY_MORNING)
    for user_id in users:
        volunteer = await member(app, user_id, name=f"Người {user_id}", channel=channel)
        async with app.db.transaction() as session:
            await roster.join(session, shift.id, await pid(app, volunteer, channel), now=SIGNED_UP)
    return desk, shift.id


async def plan(app: App, clock: FakeClock) -> int:
    return await plan_reminders(runtime_for(app, clock))


async def test_each_reminder_is_sent_once_at_its_time_across_restarts(app: App) -> None:
    await desk_with_volunteers(app)
    clock = FakeClock(EVE - timedelta(minutes=1))
    sender = RecordingSender()
    assert await plan(app, clock) == 0
    clock.set(EVE)
    assert await plan(app, clock) == 2
    assert await plan(app, clock) == 0
    assert (await delivery.drain(app.db, {"test": sender}, clock)).sent == 2

    restarted = build_app(app.settings)  # a second process on the same database
    try:
        clock.advance(minutes=1)
        assert await plan(restarted, clock) == 0
        clock.set(SOON - timedelta(minutes=1))
        assert await plan(restarted, clock) == 0
        clock.set(SOON)
        assert await plan(restarted, clock) == 2
    finally:
        await restarted.close()
    # It stopped before delivering; the next process sends what was queued, once.
    again = build_app(app.settings)
    try:
        clock.advance(seconds=30)
        assert await plan(again, clock) == 0
        assert (await delivery.drain(again.db, {"test": sender}, clock)).sent == 2
        assert (await delivery.drain(again.db, {"test": sender}, clock)).sent == 0
    finally:
        await again.close()

    for chat in ("701", "702"):
        eve, soon = sender.to(chat)
        assert "Nhắc lịch trực ngày mai" in eve and "Thứ Ba 01/12/2026, 07:30–11:30" in eve
        assert "60 phút" in soon and "Bộ phận một cửa" in soon
    rows = await outbox_rows(app, "reminder:")
    assert len(rows) == 4 and all(row.status == OutboxStatus.SENT for row in rows.values())
    soon_row = next(row for key, row in rows.items() if key.endswith(":soon"))
    labels = [label for label, _ in soon_row.payload["choices"]]
    assert labels == [t("shift_remind.check_in"), t("shift_remind.cannot_come")]


async def test_after_downtime_started_shifts_expire_and_the_rest_go_out(app: App) -> None:
    desk, _ = await desk_with_volunteers(app, ("711",))
    afternoon = await shift_at(app, desk.desk, local(2026, 12, 1, 13, 30))
    late = await member(app, "712", name="Chị Hoa")
    async with app.db.transaction() as session:
        await roster.join(session, afternoon.id, await pid(app, late), now=SIGNED_UP)
    clock = FakeClock(EVE)
    assert await plan(app, clock) == 2  # both evening reminders queued, then the bot went down
    clock.set(local(2026, 12, 1, 8))  # back after the morning shift started
    assert await plan(app, clock) == 0
    sender = RecordingSender()
    stats = await delivery.drain(app.db, {"test": sender}, clock)
    assert (stats.sent, stats.expired) == (1, 1)
    assert sender.to("711") == [] and len(sender.to("712")) == 1
    rows = await outbox_rows(app, "reminder:")
    assert sorted(row.status for row in rows.values()) == ["expired", "sent"]


async def test_a_stale_evening_reminder_gives_way_to_the_next_one(app: App) -> None:
    await desk_with_volunteers(app, ("721",))
    clock = FakeClock(local(2026, 12, 1, 6, 45))  # down all evening, back at 06:45
    assert await plan(app, clock) == 1
    [key] = await outbox_rows(app, "reminder:")
    assert key.endswith(":soon")


async def test_no_reminder_whose_time_came_before_signing_up(app: App) -> None:
    desk = await make_desk(app)
    await generate(app, MONDAY, 1, now=SIGNED_UP)
    shift = await shift_at(app, desk.desk, TUESDAY_MORNING)
    volunteer = await member(app, "731")
    async with app.db.transaction() as session:
        late = EVE + timedelta(hours=1)
        await roster.join(session, shift.id, await pid(app, volunteer), now=late)
    clock = FakeClock(EVE + timedelta(hours=2))
    assert await plan(app, clock) == 0
    clock.set(SOON)
    assert await plan(app, clock) == 1


async def test_ended_assignments_lose_their_pending_reminders(app: App) -> None:
    await desk_with_volunteers(app, ("741",))
    clock = FakeClock(EVE)
    assert await plan(app, clock) == 1
    volunteer_id = await pid(app, await member(app, "741"))
    async with app.db.transaction() as session:
        [held] = await views.my_shifts(
            session, volunteer_id, now=clock(), until=clock() + timedelta(days=2)
        )
        await roster.end(
            session, held.assignment, AssignmentStatus.REMOVED, now=clock(), actor_id=None
        )
    assert (await delivery.drain(app.db, {"test": RecordingSender()}, clock)).sent == 0
    clock.set(SOON)
    assert await plan(app, clock) == 0
    [row] = (await outbox_rows(app, "reminder:")).values()
    assert row.status == OutboxStatus.EXPIRED and row.last_error == "assignment ended"


class Follower(Leadership):
    """A process that is not the scheduler leader."""

    def __init__(self) -> None:
        self.is_leader = False


async def test_only_the_leader_plans(app: App) -> None:
    await desk_with_volunteers(app, ("751",))
    runtime = Runtime(
        db=app.db, services=app.services, clock=FakeClock(EVE), leadership=Follower()
    )
    assert await plan_reminders(runtime) == 0
    assert await outbox_rows(app, "reminder:") == {}


async def test_retry_after_delays_only_that_reminder_and_a_blocked_chat_goes_dead(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    await desk_with_volunteers(app, ("761", "762", "763"), channel="telegram")
    fake_telegram.fail_next("sendMessage", status=429, retry_after=9, chat_id=761)
    fake_telegram.blocked_chats.add(763)
    clock = FakeClock(EVE)
    assert await plan(app, clock) == 3
    senders = {"telegram": telegram}
    stats = await delivery.drain(app.db, senders, clock)
    assert (stats.sent, stats.retried, stats.dead) == (1, 1, 1)
    rows = {row.chat_id: row for row in (await outbox_rows(app, "reminder:")).values()}
    assert rows["762"].status == OutboxStatus.SENT
    assert rows["763"].status == OutboxStatus.DEAD and "blocked" in (rows["763"].last_error or "")
    assert rows["761"].status == OutboxStatus.PENDING
    assert timedelta(seconds=9) <= rows["761"].next_attempt_at - EVE <= timedelta(seconds=10)
    clock.advance(seconds=5)
    assert (await delivery.drain(app.db, senders, clock)).sent == 0
    clock.advance(seconds=5)
    assert (await delivery.drain(app.db, senders, clock)).sent == 1
    assert [len(fake_telegram.messages_to(chat)) for chat in (761, 762, 763)] == [1, 1, 0]


async def test_transient_failures_back_off_per_row(app: App) -> None:
    await desk_with_volunteers(app, ("771", "772"))
    sender = RecordingSender()
    sender.failures["771"] = DeliveryError(FailureKind.TRANSIENT, "502 Bad Gateway")
    clock = FakeClock(EVE)
    await plan(app, clock)
    stats = await delivery.drain(app.db, {"test": sender}, clock)
    assert (stats.sent, stats.retried) == (1, 1)
    del sender.failures["771"]
    clock.advance(seconds=4)
    assert (await delivery.drain(app.db, {"test": sender}, clock)).sent == 1
    assert len(sender.to("771")) == 1 and len(sender.to("772")) == 1
