"""The real scheduler registers the shift jobs: every minute, a catch-up run soon after start,
in the commune's time zone, with no misfire grace, coalesced, one instance at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from scheduler import shifts as shifts_jobs
from scheduler.runtime import Runtime
from scheduler.setup import build_scheduler


async def test_shift_jobs_are_registered_with_the_right_triggers(app: App) -> None:
    tz = app.settings.commune.tz
    before = datetime.now(tz)
    scheduler = build_scheduler(Runtime(db=app.db, services=app.services))
    scheduler.start(paused=True)  # jobs get their defaults and first run times; none runs
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert {"outbox", "shift-reminders", "shift-alerts"} <= set(jobs)
    assert jobs["shift-reminders"].func is shifts_jobs.plan_reminders
    assert jobs["shift-alerts"].func is shifts_jobs.plan_shift_alerts
    for job_id in ("shift-reminders", "shift-alerts"):
        job = jobs[job_id]
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=1)
        assert str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"
        assert job.misfire_grace_time is None and job.coalesce is True
        assert job.max_instances == 1
        first = job.next_run_time
        assert first is not None
        assert before < first <= datetime.now(tz) + shifts_jobs.FIRST_RUN_DELAY
    assert str(scheduler.timezone) == "Asia/Ho_Chi_Minh"
