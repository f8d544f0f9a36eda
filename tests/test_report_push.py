"""The daily tally and weekly summary pushes: due times, one message per official, restarts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from bot.app import App, build_app
from bot.core.channels import ChannelInfo
from bot.core.messages import Reply
from bot.db.models import CoverageSnapshot, OutboxMessage, ReportKind, ReportSubscription, Role
from bot.services import people
from scheduler import delivery
from scheduler import reports as report_jobs
from scheduler.runtime import Runtime
from scheduler.setup import build_scheduler
from tests.helpers import ChatUser, first_commune
from tests.test_households_flow import grant, person_id
from tests.test_outbox import FakeClock
from tests.test_reports import TZ, build_commune
from tests.test_tally import WED, build_log


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ).astimezone(UTC)


class Recorder:
    """A channel that keeps what it was asked to deliver."""

    info = ChannelInfo("test")
    only_chats = None

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        self.sent.extend((chat_id, reply.text) for reply in replies)

    def to(self, user: ChatUser) -> list[str]:
        return [text for chat, text in self.sent if chat == user.user_id]


async def subscriber(
    app: App, user_id: str, village_id: int | None = None, *, kind: str = "d"
) -> ChatUser:
    user = ChatUser(app, user_id=user_id, name=f"Cán bộ {user_id}")
    await user.says("/start")
    await grant(app, user_id, Role.OFFICIAL, village_id)
    await user.presses(f"rp:s:{kind}:1")
    return user


async def plan_and_send(runtime: Runtime, recorder: Recorder) -> int:
    stats = await report_jobs.plan_reports(runtime)
    assert stats is not None
    await delivery.drain(runtime.db, {"test": recorder}, runtime.clock)
    return stats.queued


async def test_each_subscriber_gets_the_tally_once_across_runs_and_a_restart(app: App) -> None:
    data = await build_log(app)
    commune = await subscriber(app, "8001")
    village = await subscriber(app, "8002", data.villages["Cát"])
    bystander = ChatUser(app, user_id="8003")
    await bystander.says("/start")
    await grant(app, "8003", Role.OFFICIAL)  # an official who did not subscribe
    clock, recorder = FakeClock(local(WED, 17, 29)), Recorder()
    runtime = Runtime(db=app.db, services=app.services, clock=clock)

    assert await plan_and_send(runtime, recorder) == 0  # not yet 17:30
    clock.now = local(WED, 17, 30)
    assert await plan_and_send(runtime, recorder) == 2
    clock.advance(minutes=1)
    assert await plan_and_send(runtime, recorder) == 0  # the job runs again: nothing new

    restarted = build_app(app.settings)  # a new process on the same database
    await restarted.prepare_database()
    try:
        again = Runtime(db=restarted.db, services=restarted.services, clock=clock)
        clock.advance(minutes=5)
        assert await plan_and_send(again, recorder) == 0
    finally:
        await restarted.close()

    [for_commune] = recorder.to(commune)
    [for_village] = recorder.to(village)
    assert recorder.to(bystander) == []
    assert for_commune.startswith("📋 Hỗ trợ ngày 18/11/2026 (thứ Tư) — Xã Minh Họa")
    assert "🏠 3 hộ được hỗ trợ (4 lượt)." in for_commune and "Thôn An" in for_commune
    assert for_village.startswith("📋 Hỗ trợ ngày 18/11/2026 (thứ Tư) — Thôn Cát")
    assert "🏠 1 hộ được hỗ trợ (1 lượt)." in for_village and "Thôn An" not in for_village
    async with app.sessionmaker() as session:
        keys = sorted(await session.scalars(select(OutboxMessage.key)))
    ids = [await person_id(app, commune), await person_id(app, village)]
    assert keys == sorted(f"tally:2026-11-18:{pid}" for pid in ids)


async def test_many_subscribers_are_queued_in_batches(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = await build_log(app)
    monkeypatch.setattr(report_jobs, "BATCH", 2)
    users = [await subscriber(app, f"860{n}", data.villages["An"]) for n in range(5)]
    recorder = Recorder()
    runtime = Runtime(db=app.db, services=app.services, clock=FakeClock(local(WED, 17, 30)))
    assert await plan_and_send(runtime, recorder) == 5
    assert await plan_and_send(runtime, recorder) == 0
    assert [len(recorder.to(user)) for user in users] == [1, 1, 1, 1, 1]


async def test_no_tally_on_weekends_holidays_or_after_the_push_window(app: App) -> None:
    await build_log(app)
    user = await subscriber(app, "8101")
    recorder = Recorder()
    for moment in (
        local(date(2026, 11, 21), 17, 30),  # Saturday
        local(date(2026, 9, 2), 17, 30),  # National Day, a Wednesday
        local(WED, 21, 0),  # push_until
        local(WED, 9, 0),  # morning
    ):
        runtime = Runtime(db=app.db, services=app.services, clock=FakeClock(moment))
        assert await plan_and_send(runtime, recorder) == 0
    assert recorder.to(user) == []


async def test_a_restart_after_the_time_still_sends_and_late_subscribers_get_it(app: App) -> None:
    await build_commune(app)
    first = await subscriber(app, "8201")
    recorder = Recorder()
    runtime = Runtime(db=app.db, services=app.services, clock=FakeClock(local(WED, 18, 40)))
    assert await plan_and_send(runtime, recorder) == 1  # the process was down at 17:30
    late = await subscriber(app, "8202")
    runtime.clock = FakeClock(local(WED, 20, 59))
    assert await plan_and_send(runtime, recorder) == 1
    assert len(recorder.to(first)) == 1 and len(recorder.to(late)) == 1
    assert "Ngày này chưa có hộ nào được hỗ trợ" in recorder.to(late)[0]


async def test_revoked_officials_are_skipped(app: App) -> None:
    await build_commune(app)
    user = await subscriber(app, "8301")
    async with app.db.transaction() as session:
        await people.revoke_role(
            session,
            await person_id(app, user),
            Role.OFFICIAL,
            commune_id=await first_commune(session),
            revoked_by_id=None,
            now=local(WED, 9),
        )
    runtime = Runtime(db=app.db, services=app.services, clock=FakeClock(local(WED, 17, 30)))
    stats = await report_jobs.plan_reports(runtime)
    assert stats is not None and (stats.queued, stats.skipped) == (0, 1)


async def test_weekly_summary_on_friday_evening(app: App) -> None:
    await build_log(app)
    weekly = await subscriber(app, "8401", kind="w")
    daily = await subscriber(app, "8402")
    friday = date(2026, 11, 20)
    recorder = Recorder()
    runtime = Runtime(db=app.db, services=app.services, clock=FakeClock(local(friday, 17, 44)))
    assert await plan_and_send(runtime, recorder) == 1  # the daily tally only
    runtime.clock = FakeClock(local(friday, 17, 45))
    assert await plan_and_send(runtime, recorder) == 1
    assert await plan_and_send(runtime, recorder) == 0
    [summary] = recorder.to(weekly)
    assert summary.startswith("🗓 Tổng hợp tuần 16/11 – 20/11/2026 — Xã Minh Họa")
    assert "🏠 5 hộ được hỗ trợ trong tuần (7 lượt)." in summary  # Thursday's visit counts
    assert "📊 Độ phủ tài khoản: 60% (6/10 hộ)" in summary
    assert (
        "🟠 Sổ chưa đủ 90% số hộ chính thức: Thôn Dương (mới ghi 3/6 hộ),"
        " Thôn An (mới ghi 4/10 hộ)"
    ) in summary
    assert len(recorder.to(daily)) == 1
    runtime.clock = FakeClock(local(WED, 17, 45))  # not Friday: no summary
    await plan_and_send(runtime, recorder)
    assert len(recorder.to(weekly)) == 1


async def test_snapshot_job_and_scheduler_registration(app: App) -> None:
    data = await build_commune(app)
    runtime = Runtime(db=app.db, services=app.services, clock=lambda: local(WED, 23, 50))
    assert await report_jobs.snapshot_coverage(runtime) == 4
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(CoverageSnapshot)))
    assert {(row.day, row.village_id) for row in rows} == {
        (WED, village_id) for village_id in data.villages.values()
    }
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert {"reports-plan", "coverage-snapshot"} <= set(jobs)
    fields = {field.name: str(field) for field in jobs["coverage-snapshot"].trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("23", "50")
    assert jobs["reports-plan"].trigger.interval.total_seconds() == 60


async def test_subscriptions_are_per_kind(app: App) -> None:
    await build_commune(app)
    user = await subscriber(app, "8501", kind="w")
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(ReportSubscription)))
    assert [(row.person_id, row.kind) for row in rows] == [
        (await person_id(app, user), ReportKind.WEEKLY_SUMMARY.value)
    ]
