"""1,000 shift reminders to 1,000 chats through the real Telegram channel, limits switched on.

The reminder planner queues one "soon" reminder per assignment in the outbox; the outbox
deliverer sends them through our TelegramChannel (PTB with AIORateLimiter) to the fake Bot
API server, which answers 429 like Telegram when a bot goes over 30 messages/s or 1/s per
chat. Prints the time against the 30 messages/s limit and checks that no reminder was lost or
sent twice. Run: uv run python bench/reminders.py [--count 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import App, build_app
from bot.channels.telegram import TelegramChannel
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.db.models import (
    ChatIdentity,
    OutboxMessage,
    OutboxStatus,
    Person,
    Shift,
    ShiftAssignment,
)
from bot.services import places
from scheduler import delivery
from scheduler.runtime import Runtime
from scheduler.shifts import plan_reminders
from tests.fakes import FakeTelegramServer

FIRST_CHAT = 800_000
TELEGRAM_RATE = 30  # messages per second, Telegram's broadcast limit
DEADLINE_SECONDS = 300


def now() -> datetime:
    return datetime.now(UTC)


async def populate(app: App, count: int) -> None:
    """`count` people with a Telegram chat each, all on one shift starting in 50 minutes."""
    start = now() + timedelta(minutes=50)
    day = start.astimezone(app.settings.commune.tz).date()
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Đo Tải", "Asia/Ho_Chi_Minh")
        desk = await places.add_location(session, commune, "Bộ phận một cửa")
        shift = Shift(
            location_id=desk.id,
            day=day,
            starts_at=start,
            ends_at=start + timedelta(hours=4),
            needed=count,
        )
        session.add(shift)
        await session.flush()
        people = [{"display_name": f"Tình nguyện viên {n}"} for n in range(count)]
        ids = list(await session.scalars(insert(Person).returning(Person.id), people))
        joined = now() - timedelta(days=2)
        await session.execute(
            insert(ChatIdentity),
            [
                {
                    "person_id": person_id,
                    "channel": "telegram",
                    "external_id": str(FIRST_CHAT + n),
                    "chat_id": str(FIRST_CHAT + n),
                    "last_seen_at": joined,
                }
                for n, person_id in enumerate(ids)
            ],
        )
        await session.execute(
            insert(ShiftAssignment),
            [
                {"shift_id": shift.id, "person_id": person_id, "created_at": joined}
                for person_id in ids
            ],
        )


async def pending(app: App) -> int:
    async with app.sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
            )
            or 0
        )


async def statuses(app: App) -> dict[str, int]:
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: int(n) for status, n in rows}


async def retried_rows(app: App) -> int:
    async with app.sessionmaker() as session:
        return int(
            await session.scalar(select(func.count()).where(OutboxMessage.attempts > 1)) or 0
        )


async def run(count: int, database_url: str) -> bool:
    async with FakeTelegramServer() as server:
        server.enforce_flood_limits = True
        settings = Settings(
            database=DatabaseSettings(url=database_url), bot=BotSettings(demo_data=False)
        )
        app = build_app(settings)
        await app.prepare_database()
        channel = TelegramChannel(
            TelegramSettings(
                token=SecretStr("1:BENCH"),
                base_url=server.base_url,
                base_file_url=server.base_file_url,
                poll_timeout=1,
                rate_limit=True,
            ),
            app.dispatcher,
        )
        await channel.start()
        try:
            await populate(app, count)
            runtime = Runtime(db=app.db, services=app.services, senders={"telegram": channel})
            planning = time.perf_counter()
            queued = await plan_reminders(runtime)
            planned_in = time.perf_counter() - planning
            again = await plan_reminders(runtime)

            started = time.perf_counter()
            while await pending(app) and time.perf_counter() - started < DEADLINE_SECONDS:
                stats = await delivery.drain(app.db, runtime.senders, now)
                if not stats.handled:
                    await asyncio.sleep(0.1)  # rows wait for their retry-after
            elapsed = time.perf_counter() - started
            return await report(app, server, count, queued, again, planned_in, elapsed)
        finally:
            await channel.stop()
            await app.close()


async def report(
    app: App,
    server: FakeTelegramServer,
    count: int,
    queued: int,
    again: int,
    planned_in: float,
    elapsed: float,
) -> bool:
    per_chat = collections.Counter(
        message.chat_id for message in server.sent if message.method == "sendMessage"
    )
    chats = range(FIRST_CHAT, FIRST_CHAT + count)
    lost = sum(1 for chat in chats if per_chat[chat] == 0)
    duplicated = sum(max(0, per_chat[chat] - 1) for chat in chats)
    sent = sum(per_chat[chat] for chat in chats)
    rows = await statuses(app)
    ideal = (count - TELEGRAM_RATE) / TELEGRAM_RATE
    print(f"reminders planned:    {queued} in {planned_in:.2f} s (second planner run: {again})")
    print(f"delivered:            {sent} to {count} chats in {elapsed:.1f} s")
    print(f"throughput:           {sent / elapsed:.1f} messages/s (Telegram's limit: 30/s)")
    print(f"at exactly 30/s:      {ideal:.1f} s after a first burst of 30")
    print(f"lost / duplicated:    {lost} / {duplicated}")
    retried = await retried_rows(app)
    print(f"429 from the server:  {server.flood_violations} (rows sent again: {retried})")
    print(f"outbox rows:          {dict(sorted(rows.items()))}")
    ok = (
        queued == count
        and again == 0
        and lost == 0
        and duplicated == 0
        and rows.get(OutboxStatus.SENT.value) == count
    )
    print("result:               " + ("OK" if ok else "FAILED"))
    return ok


async def main() -> int:
    # PTB logs every 429 with a traceback; the summary counts them instead.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        ok = await run(options.count, url)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
