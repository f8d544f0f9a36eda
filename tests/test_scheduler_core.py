"""Core scheduled jobs: registration, abandoned-flow cleanup, one leader per database."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.db.engine import Database
from bot.db.models import ConversationState, OutboxMessage, OutboxStatus, ProcessedUpdate
from scheduler.jobs import housekeeping
from scheduler.leader import Leadership
from scheduler.runtime import Runtime
from scheduler.setup import build_scheduler
from tests.helpers import ChatUser

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def test_scheduler_registers_core_jobs_with_safe_defaults(app: App) -> None:
    scheduler = build_scheduler(Runtime(db=app.db, services=app.services))
    scheduler.start(paused=True)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert {"outbox", "leadership", "housekeeping"} <= set(jobs)
    outbox_job = jobs["outbox"]
    assert outbox_job.misfire_grace_time is None and outbox_job.coalesce is True
    assert outbox_job.max_instances == 1
    assert str(scheduler.timezone) == "Asia/Ho_Chi_Minh"


async def test_abandoned_flows_are_forgotten_after_a_day(app: App) -> None:
    await ChatUser(app, user_id="11").presses("hhx")  # creates the person and state
    async with app.db.transaction() as session:
        states = list(await session.scalars(select(ConversationState)))
        assert states
        for state in states:
            state.flow, state.step, state.data = "household-create", "phone", {"head": "Lê Thị B"}
            state.updated_at = NOW - timedelta(hours=30)
    async with app.db.transaction() as session:
        session.add(ProcessedUpdate(key="telegram:1:1", processed_at=NOW - timedelta(days=4)))
        session.add(ProcessedUpdate(key="telegram:1:2", processed_at=NOW - timedelta(hours=2)))
    runtime = Runtime(db=app.db, services=app.services, clock=lambda: NOW)
    await housekeeping(runtime)
    async with app.sessionmaker() as session:
        for state in await session.scalars(select(ConversationState)):
            assert state.flow is None and state.data == {}
        keys = set(await session.scalars(select(ProcessedUpdate.key)))
    assert "telegram:1:2" in keys and "telegram:1:1" not in keys


async def test_only_one_leader_per_database(app: App) -> None:
    first, second = Leadership(app.engine), Leadership(app.engine)
    other_db = Database(app.settings.database.url)
    third = Leadership(other_db.engine)
    try:
        assert await first.refresh()
        if app.settings.database.url.startswith("sqlite"):
            assert await second.refresh()  # one process per SQLite file: always the leader
            return
        assert not await third.refresh()
        await first.release()
        assert await third.refresh()
        assert not await second.refresh()
    finally:
        for leadership in (first, second, third):
            await leadership.release()
        await other_db.dispose()


async def test_stopping_lets_a_running_job_finish() -> None:
    import asyncio

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from scheduler.setup import RunningJobs, stop_gracefully

    finished: list[bool] = []

    async def slow_job() -> None:
        await asyncio.sleep(0.3)
        finished.append(True)

    scheduler = AsyncIOScheduler()
    running = RunningJobs(scheduler)
    scheduler.add_job(slow_job, id="slow")  # runs at once
    scheduler.start()
    await asyncio.sleep(0.05)
    assert running.count == 1
    await stop_gracefully(scheduler, running)
    assert finished == [True]


async def test_a_failing_job_logs_one_line_and_quiet_runs_log_nothing(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio

    async def kaput() -> None:
        raise RuntimeError("máy chủ không trả lời")

    async def fine() -> None:
        return None

    scheduler = build_scheduler(Runtime(db=app.db, services=app.services))
    for job in scheduler.get_jobs():
        job.pause()
    scheduler.add_job(kaput, "interval", seconds=60, id="boom", next_run_time=datetime.now(UTC))
    scheduler.add_job(fine, "interval", seconds=60, id="calm", next_run_time=datetime.now(UTC))
    with caplog.at_level(logging.INFO):
        scheduler.start()
        await asyncio.sleep(0.3)
        scheduler.shutdown(wait=False)
    failures = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage() for record in failures] == [
        "job boom failed: RuntimeError: máy chủ không trả lời"
    ]
    assert failures[0].exc_info is None  # one line; the traceback only at DEBUG
    assert not [r for r in caplog.records if r.name.startswith("apscheduler")]


async def test_menus_left_waiting_are_forgotten_after_a_day(app: App) -> None:
    await ChatUser(app, user_id="12").says("/help")
    async with app.db.transaction() as session:
        for state in await session.scalars(select(ConversationState)):
            state.menu = {"text": "Chọn:", "items": [[1, "Một", "gl"]]}
            state.updated_at = NOW - timedelta(hours=30)
    await housekeeping(Runtime(db=app.db, services=app.services, clock=lambda: NOW))
    async with app.sessionmaker() as session:
        assert all(
            state.menu is None for state in await session.scalars(select(ConversationState))
        )


async def test_delivered_help_request_messages_lose_their_text_after_a_day(app: App) -> None:
    rows = {
        "handoff:1:m:1": OutboxStatus.SENT,
        "handoff:1:m:2": OutboxStatus.PENDING,
        "tally:2026-11-21:1": OutboxStatus.SENT,
    }
    async with app.db.transaction() as session:
        for key, status in rows.items():
            session.add(
                OutboxMessage(
                    key=key,
                    channel="test",
                    chat_id="1",
                    payload={"text": "Bác mang căn cước 001088012345 đến nhé", "choices": []},
                    status=status.value,
                    created_at=NOW - timedelta(hours=30),
                )
            )
    await housekeeping(Runtime(db=app.db, services=app.services, clock=lambda: NOW))
    async with app.sessionmaker() as session:
        texts = {
            row.key: row.payload["text"] for row in await session.scalars(select(OutboxMessage))
        }
    assert texts["handoff:1:m:1"] == ""
    assert texts["handoff:1:m:2"] != ""  # still to be delivered
    assert texts["tally:2026-11-21:1"] != ""
