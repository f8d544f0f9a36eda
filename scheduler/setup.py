"""The APScheduler 3 instance: commune time zone, no misfire grace, coalesced, one at a time."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler import jobs
from scheduler import reports as reports_jobs
from scheduler import shifts as shifts_jobs
from scheduler.runtime import Runtime

OUTBOX_INTERVAL_SECONDS = 2
LEADERSHIP_INTERVAL_SECONDS = 30


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Every job, registered explicitly; the work itself lives in our tables, not in here."""
    scheduler = AsyncIOScheduler(
        timezone=runtime.services.settings.commune.tz,
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
    scheduler.add_job(
        jobs.deliver_outbox,
        "interval",
        seconds=OUTBOX_INTERVAL_SECONDS,
        args=[runtime],
        id="outbox",
        replace_existing=True,
    )
    scheduler.add_job(
        jobs.keep_leadership,
        "interval",
        seconds=LEADERSHIP_INTERVAL_SECONDS,
        args=[runtime],
        id="leadership",
        replace_existing=True,
    )
    scheduler.add_job(
        jobs.forget_stale_flows,
        "interval",
        hours=1,
        args=[runtime],
        id="forget-stale-flows",
        replace_existing=True,
    )
    reports_jobs.add_jobs(scheduler, runtime)
    shifts_jobs.add_jobs(scheduler, runtime)
    return scheduler
