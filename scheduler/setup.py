"""The APScheduler 3 instance: commune time zone, no misfire grace, coalesced, one at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobExecutionEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler import jobs
from scheduler import questions as questions_jobs
from scheduler import quota as quota_jobs
from scheduler import reports as reports_jobs
from scheduler import shifts as shifts_jobs
from scheduler.runtime import Runtime

log = logging.getLogger(__name__)

OUTBOX_INTERVAL_SECONDS = 2
LEADERSHIP_INTERVAL_SECONDS = 5  # a new leader takes over within seconds of one dying


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Every job, registered explicitly; the work itself lives in our tables, not in here."""
    scheduler = AsyncIOScheduler(
        timezone=runtime.services.settings.commune.tz,
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
    every = {
        "outbox": (jobs.deliver_outbox, OUTBOX_INTERVAL_SECONDS),
        "leadership": (jobs.keep_leadership, LEADERSHIP_INTERVAL_SECONDS),
        "housekeeping": (jobs.housekeeping, 3600),
    }
    for job_id, (job, seconds) in every.items():
        scheduler.add_job(
            job, "interval", seconds=seconds, args=[runtime], id=job_id, replace_existing=True
        )
    reports_jobs.add_jobs(scheduler, runtime)
    shifts_jobs.add_jobs(scheduler, runtime)
    quota_jobs.add_jobs(scheduler, runtime)
    questions_jobs.add_jobs(scheduler, runtime)
    quiet_apscheduler()
    scheduler.add_listener(log_failure, EVENT_JOB_ERROR)
    return scheduler


def quiet_apscheduler() -> None:
    """APScheduler logs two INFO lines per run (the outbox runs every 2 s) and a traceback per
    failure; we log a failure ourselves, in one line, and nothing for a run that went well."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)


def log_failure(event: JobExecutionEvent) -> None:
    """One line per failed run: the job and the error (with the traceback only at DEBUG)."""
    error = event.exception
    log.error(
        "job %s failed: %s: %s",
        event.job_id,
        type(error).__name__,
        error,
        exc_info=error if log.isEnabledFor(logging.DEBUG) else None,
    )


class RunningJobs:
    """Counts jobs in flight, so a stop can let them finish instead of cancelling them."""

    def __init__(self, scheduler: AsyncIOScheduler) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        scheduler.add_listener(self._finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _submitted(self, event: JobEvent) -> None:
        self.count += 1
        self.idle.clear()

    def _finished(self, event: JobEvent) -> None:
        self.count = max(0, self.count - 1)
        if self.count == 0:
            self.idle.set()


STOP_GRACE_SECONDS = 30.0


async def stop_gracefully(scheduler: AsyncIOScheduler, running: RunningJobs) -> None:
    """No new runs; wait (bounded) for the running ones; then shut the scheduler down."""
    scheduler.pause()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(running.idle.wait(), STOP_GRACE_SECONDS)
    scheduler.shutdown(wait=False)
