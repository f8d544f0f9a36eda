"""Shift jobs: the reminder planner and the officers' alerts, every minute and once at start.

Both only queue outbox rows (with unique keys, in one transaction), so running them again,
late, or after a restart repeats nothing; the outbox delivery job sends what they queue.
Only the scheduler leader plans.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler

from bot.services.shifts import alerts, reminders
from scheduler.runtime import Runtime

log = logging.getLogger(__name__)

PLAN_INTERVAL_SECONDS = 60
# The catch-up pass after a start waits a moment, so a process that stops at once (a piped
# console session) is not cut off in the middle of it.
FIRST_RUN_DELAY = timedelta(seconds=5)


async def plan_reminders(runtime: Runtime) -> int:
    """Queue the shift reminders that are due now; returns how many were queued."""
    if not runtime.is_leader:
        return 0
    now = runtime.clock()
    policy = reminders.Policy.from_settings(runtime.services.settings)
    async with runtime.db.transaction() as session:
        queued = await reminders.plan(session, now, policy)
    if queued:
        log.info("shift reminders: %d queued", queued)
    return queued


async def plan_shift_alerts(runtime: Runtime) -> int:
    """Tell officers about stand-ins nobody took and shifts still short the day before."""
    if not runtime.is_leader:
        return 0
    now = runtime.clock()
    settings = runtime.services.settings
    async with runtime.db.transaction() as session:
        alerted = await alerts.overdue_standins(session, now, settings)
        alerted += await alerts.understaffed(session, now, settings)
    if alerted:
        log.info("shift alerts: %d raised", alerted)
    return alerted


def add_jobs(scheduler: BaseScheduler, runtime: Runtime) -> None:
    start = datetime.now(runtime.services.settings.commune.tz) + FIRST_RUN_DELAY
    for job, job_id in ((plan_reminders, "shift-reminders"), (plan_shift_alerts, "shift-alerts")):
        scheduler.add_job(
            job,
            "interval",
            seconds=PLAN_INTERVAL_SECONDS,
            args=[runtime],
            id=job_id,
            replace_existing=True,
            next_run_time=start,  # the catch-up pass after a restart
        )
