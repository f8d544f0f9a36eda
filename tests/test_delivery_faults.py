"""Notifications under faults, through the real Telegram channel and the fake Bot API server:
429s and 502s lose and double nothing, and a process killed mid-broadcast repeats at most the
messages that were in flight."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.core import delivery as core_delivery
from bot.core.messages import Reply
from bot.db.models import OutboxMessage, OutboxStatus
from bot.services import outbox
from scheduler import delivery
from tests.fakes import FakeTelegramServer
from tests.test_outbox import FakeClock

OFFICIALS = 300
FIRST_CHAT = 900_001


async def queue_broadcast(app: App, count: int = OFFICIALS) -> list[int]:
    """The evening tally to `count` officials, one private chat each."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + count))
    async with app.db.transaction() as session:
        for chat in chats:
            await outbox.enqueue_to_chat(
                session,
                f"tally:2026-12-04:{chat}",
                "telegram",
                str(chat),
                Reply(f"📋 Hộ được hỗ trợ hôm nay — gửi {chat}"),
                now=datetime.now(UTC),
            )
    return chats


def received(fake: FakeTelegramServer, chats: list[int]) -> collections.Counter[int]:
    return collections.Counter({chat: len(fake.messages_to(chat)) for chat in chats})


async def test_flood_and_server_errors_deliver_each_message_exactly_once(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    chats = await queue_broadcast(app)
    fake_telegram.fail_randomly(flood=0.10, server=0.05)
    clock = FakeClock(datetime.now(UTC))
    for _ in range(20):
        await delivery.drain(app.db, {"telegram": telegram}, clock)
        clock.advance(seconds=core_delivery.MAX_BACKOFF_SECONDS * 2)
    counts = received(fake_telegram, chats)
    assert set(counts.values()) == {1}, counts.most_common(3)
    async with app.sessionmaker() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENT}


def start_bot(
    app: App, fake: FakeTelegramServer, tmp_path: Path, name: str
) -> subprocess.Popen[bytes]:
    """`dvcbot run` in its own process, on the test database and the fake Bot API server."""
    env = {
        **os.environ,
        "DVCBOT_DATABASE__URL": app.settings.database.url,
        "DVCBOT_BOT__DEMO_DATA": "false",
        "DVCBOT_TELEGRAM__TOKEN": "123456:TEST-TOKEN",
        "DVCBOT_TELEGRAM__BASE_URL": fake.base_url,
        "DVCBOT_TELEGRAM__BASE_FILE_URL": fake.base_file_url,
        "DVCBOT_TELEGRAM__POLL_TIMEOUT": "1",
        "DVCBOT_TELEGRAM__MESSAGES_PER_SECOND": "100",
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stdout=log, stderr=log
    )


async def wait_until(check: Callable[[], bool], seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_process_killed_mid_broadcast_repeats_at_most_what_was_in_flight(
    app: App, fake_telegram: FakeTelegramServer, tmp_path: Path
) -> None:
    chats = await queue_broadcast(app)
    fake_telegram.latency = 0.01
    first = start_bot(app, fake_telegram, tmp_path, "first")
    try:
        await wait_until(lambda: len(fake_telegram.sent) >= 100, seconds=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    await asyncio.sleep(0.5)  # a send already on the wire still lands at the server
    before_kill = sum(received(fake_telegram, chats).values())
    async with app.db.transaction() as session:
        recorded = await session.scalar(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
        )
        # The leases of the killed process run out (two minutes later, in real life).
        await session.execute(
            update(OutboxMessage).values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    second = start_bot(app, fake_telegram, tmp_path, "second")
    try:
        await wait_until(lambda: all(received(fake_telegram, chats).values()), seconds=60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    counts = received(fake_telegram, chats)
    repeated = sum(count - 1 for count in counts.values())
    print(f"killed after {before_kill} sent, {recorded} recorded: {repeated} sent twice")
    assert min(counts.values()) == 1
    # What the killed process had sent but not yet recorded, and nothing more.
    assert repeated == before_kill - (recorded or 0)
    assert repeated <= delivery.CONCURRENCY, (repeated, before_kill, recorded)
