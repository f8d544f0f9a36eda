"""Report jobs: the planner that queues daily tallies and weekly summaries, and the snapshot.

The planner runs every minute and once at start; what it queues, and why that survives
restarts without repeats, is explained in bot/services/reports/push.py. The coverage
snapshot is written at `[reports] snapshot_time` every day (bot/services/reports/coverage.py).
Only the scheduler leader runs them; outbox delivery (scheduler/jobs.py) sends what they queue.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.engine import Database
from bot.db.models import ReportKind, RoleGrant
from bot.services.reports import push, snapshots
from bot.services.shifts import calendar
from scheduler.runtime import Runtime

log = logging.getLogger(__name__)

PLAN_INTERVAL_SECONDS = 60
BATCH = 100  # officials per transaction, so a province's push never holds the database long


async def plan_reports(runtime: Runtime) -> push.PushStats | None:
    """Queue the tallies and summaries that are due and not queued yet."""
    if not runtime.is_leader:
        return None
    stats = await push_due(runtime.db, runtime.services.settings, runtime.clock())
    if stats.queued or stats.skipped:
        log.info("reports: %d queued, %d skipped", stats.queued, stats.skipped)
    return stats


async def push_due(db: Database, settings: Settings, now: datetime) -> push.PushStats:
    """Queue the reports that are due and missing, committing every BATCH officials. The daily
    tally goes to each official on their own commune's working days (its days off and the
    province's; a province official's by the province's)."""
    local = now.astimezone(settings.commune.tz)
    total = push.PushStats()
    for kind, due, queue in (
        (ReportKind.DAILY_TALLY, push.daily_due, push.queue_daily_tallies),
        (ReportKind.WEEKLY_SUMMARY, push.weekly_due, push.queue_weekly_summaries),
    ):
        if not due(local, settings.reports, True):
            continue
        async with db.transaction() as session:
            people = await push.waiting(session, kind, local.date())
            if kind is ReportKind.DAILY_TALLY:
                people = await on_working_day(session, people, local.date())
        for start in range(0, len(people), BATCH):
            async with db.transaction() as session:
                stats = await queue(
                    session, settings, local.date(), now, people[start : start + BATCH]
                )
            total.queued += stats.queued
            total.skipped += stats.skipped
    return total


async def on_working_day(session: AsyncSession, person_ids: list[int], day: date) -> list[int]:
    """Those of `person_ids` for whom `day` is a working day: in the commune where they hold
    their oldest role (none: a province role, by the province-wide days off)."""
    if not person_ids:
        return []
    grants = await session.execute(
        select(RoleGrant.person_id, RoleGrant.commune_id)
        .where(
            RoleGrant.person_id.in_(person_ids),
            RoleGrant.revoked_at.is_(None),
            RoleGrant.commune_id.is_not(None),
        )
        .order_by(RoleGrant.id.desc())
    )
    commune_of: dict[int, int | None] = dict.fromkeys(person_ids)
    for person_id, commune_id in grants:  # the oldest grant is the last one written
        commune_of[person_id] = commune_id
    working = await calendar.working_days(session, day, commune_of.values())
    return [person_id for person_id in person_ids if working[commune_of[person_id]]]


async def snapshot_coverage(runtime: Runtime) -> int:
    """Record today's closing coverage figures for every village."""
    if not runtime.is_leader:
        return 0
    tz = runtime.services.settings.commune.tz
    today = runtime.clock().astimezone(tz).date()
    async with runtime.db.transaction() as session:
        count = await snapshots.snapshot_all(session, today)
    log.info("coverage snapshot of %s: %d villages", today, count)
    return count


def add_jobs(scheduler: BaseScheduler, runtime: Runtime) -> None:
    settings = runtime.services.settings
    scheduler.add_job(
        plan_reports,
        "interval",
        seconds=PLAN_INTERVAL_SECONDS,
        args=[runtime],
        id="reports-plan",
        replace_existing=True,
        next_run_time=datetime.now(settings.commune.tz),
    )
    at = settings.reports.snapshot_time
    scheduler.add_job(
        snapshot_coverage,
        "cron",
        hour=at.hour,
        minute=at.minute,
        args=[runtime],
        id="coverage-snapshot",
        replace_existing=True,
    )
