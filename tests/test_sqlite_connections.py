"""SQLite statements run on the event loop's thread (bot/db/sqlite.py), but a write waiting for
another process's lock still waits off it: the bot keeps answering meanwhile, and the write
lands once the lock is free."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.app import build_app
from bot.config import BotSettings, DatabaseSettings, Settings
from bot.core.messages import Incoming
from bot.db import engine, sqlite
from bot.db.base import utcnow
from bot.db.engine import Database
from bot.db.models import ProcessedUpdate

HOLD_SECONDS = 1.5
HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


async def test_a_write_waiting_for_another_process_does_not_stall_the_bot(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "bot.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    app = build_app(Settings(database=DatabaseSettings(url=url), bot=BotSettings(demo_data=True)))
    await app.prepare_database()
    holder = await hold_lock(path, HOLD_SECONDS)

    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    question = Incoming("console", "5", "5", text="làm căn cước", key="console:lock:1")
    answering = asyncio.create_task(app.dispatcher.handle(question))
    await asyncio.sleep(HOLD_SECONDS / 2)
    assert not answering.done()  # it waits for the other process's lock …
    assert ticks >= 20  # … while the event loop goes on (a stalled loop would not tick)

    replies = await answering
    await holder.wait()
    ticker.cancel()
    assert replies and "căn cước" in replies[0].text.lower()
    async with app.sessionmaker() as session:
        kept = await session.scalar(
            select(func.count()).where(ProcessedUpdate.key == "console:lock:1")
        )
    assert kept == 1
    await app.close()


async def test_closing_waits_for_a_begin_still_running_on_the_thread(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """A BEGIN sent to aiosqlite's thread keeps waiting for the lock even when its caller was
    cancelled; closing the connection meanwhile must queue behind it, not close the file under
    it (that crashed the test run once)."""
    path = tmp_path / "bot.db"
    shutil.copyfile(sqlite_template, path)
    holder = await hold_lock(path, 0.5)
    connection = await sqlite.connector(f"sqlite+aiosqlite:///{path}")()
    begin = asyncio.create_task(connection.execute("BEGIN IMMEDIATE"))
    await asyncio.sleep(0.1)
    begin.cancel()
    await connection.close()  # after the BEGIN got the lock, on the same thread
    await holder.wait()
    assert begin.cancelled()

    database = Database(f"sqlite+aiosqlite:///{path}")
    async with database.transaction() as session:
        session.add(ProcessedUpdate(key="console:after", processed_at=utcnow()))
    async with database.sessionmaker() as session:
        keys = list(await session.scalars(select(ProcessedUpdate.key)))
    assert keys == ["console:after"]
    await database.dispose()


async def test_a_lock_never_freed_fails_as_a_database_error_and_loses_nothing(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A BEGIN that waited its whole busy timeout fails as SQLAlchemy's OperationalError, which
    the dispatcher and the settling of sent replies handle, not as the driver's own error; the
    connection then writes as before."""
    path = tmp_path / "bot.db"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    database = Database(f"sqlite+aiosqlite:///{path}")
    async with database.transaction() as session:
        session.add(ProcessedUpdate(key="console:before", processed_at=utcnow()))
    holder = await hold_lock(path, 1.0)
    with pytest.raises(OperationalError, match="locked"):
        async with database.transaction() as session:
            session.add(ProcessedUpdate(key="console:locked", processed_at=utcnow()))
    await holder.wait()
    async with database.transaction() as session:
        session.add(ProcessedUpdate(key="console:after", processed_at=utcnow()))
    async with database.sessionmaker() as session:
        keys = set(await session.scalars(select(ProcessedUpdate.key)))
    assert keys == {"console:before", "console:after"}
    await database.dispose()


async def hold_lock(path: Path, seconds: float) -> asyncio.subprocess.Process:
    """Another process holding the database's write lock for `seconds`."""
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, str(path), str(seconds), stdout=asyncio.subprocess.PIPE
    )
    assert holder.stdout is not None
    assert await holder.stdout.readline() == b"locked\n"
    return holder
