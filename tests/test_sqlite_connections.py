"""SQLite statements run on the event loop's thread (bot/db/sqlite.py), but a write waiting for
another process's lock still waits off it: the bot keeps answering meanwhile, and the write
lands once the lock is free."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.app import build_app
from bot.config import BotSettings, DatabaseSettings, Settings
from bot.core.messages import Incoming
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
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, str(path), str(HOLD_SECONDS),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdout is not None
    assert await holder.stdout.readline() == b"locked\n"

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
