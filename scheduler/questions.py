"""Help requests nobody took, every minute on the scheduler leader: officers told at
`[handoff] escalate_after_minutes`, written questions queued at the end of the desk's day.

Both only change rows conditionally and queue outbox rows with unique keys, in one
transaction, so running again, late, or after a restart repeats nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler

from bot.services import escalation
from scheduler.runtime import Runtime
from scheduler.shifts import FIRST_RUN_DELAY, PLAN_INTERVAL_SECONDS

log = logging.getLogger(__name__)


async def plan_unanswered(runtime: Runtime) -> tuple[int, int]:
    """Escalate late requests and queue the day's untaken ones; (escalated, queued)."""
    if not runtime.is_leader:
        return 0, 0
    now = runtime.clock()
    policy = escalation.Policy.from_settings(runtime.services.settings)
    async with runtime.db.transaction() as session:
        escalated = await escalation.escalate(session, now, policy)
        queued = await escalation.queue_untaken(session, now, policy)
    if escalated or queued:
        log.info("help requests: %d escalated, %d queued as questions", escalated, queued)
    return escalated, queued


def add_jobs(scheduler: BaseScheduler, runtime: Runtime) -> None:
    start = datetime.now(runtime.services.settings.commune.tz) + FIRST_RUN_DELAY
    scheduler.add_job(
        plan_unanswered,
        "interval",
        seconds=PLAN_INTERVAL_SECONDS,
        args=[runtime],
        id="unanswered-requests",
        replace_existing=True,
        next_run_time=start,  # the catch-up pass after a restart
    )
