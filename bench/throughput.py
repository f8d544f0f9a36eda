"""Updates per second through our Telegram channel vs a plain PTB echo bot, same fake server.

Each of N users sends /start and one free-text message; we time from the first update queued
to the last reply received. A third run is the floor of our side: the same channel sending the
bot's own replies (their text and buttons, captured from the first run) with no dispatcher,
database or outbox behind it. Run: uv run python bench/throughput.py [--users 300]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_app
from bot.channels.telegram import TelegramChannel
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.core.channels import ChannelInfo
from bot.core.dispatcher import Dispatcher
from bot.core.messages import Incoming, Reply
from tests.fakes import FakeTelegramServer

FIRST_USER = 700_000


async def drive(server: FakeTelegramServer, users: int, replies_per_user: int) -> float:
    """Queue every update, then wait for all replies; returns elapsed seconds."""
    started = time.perf_counter()
    for n in range(users):
        server.user_sends_text(FIRST_USER + n, "/start", first_name=f"Người {n}")
        server.user_sends_text(FIRST_USER + n, "thời tiết hôm nay thế nào")
    for n in range(users):
        await server.wait_for(FIRST_USER + n, replies_per_user, timeout=120)
    return time.perf_counter() - started


def channel_settings(
    server: FakeTelegramServer, bot_id: int, rate_limit: bool
) -> TelegramSettings:
    return TelegramSettings(
        token=SecretStr(f"{bot_id}:BENCH"),
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        poll_timeout=1,
        rate_limit=rate_limit,
    )


async def bench_dvcbot(
    users: int, database_url: str, *, rate_limit: bool, bot_id: int, replies: Canned | None = None
) -> float:
    """Our channel and dispatcher; each run is a different bot, so update keys never repeat.
    `replies`, if given, keeps what the dispatcher answered to the last user's two messages."""
    async with FakeTelegramServer() as server:
        settings = Settings(
            database=DatabaseSettings(url=database_url), bot=BotSettings(demo_data=False)
        )
        app = build_app(settings)
        await app.prepare_database()
        dispatcher = app.dispatcher
        if replies is not None:
            replies.listen_to(dispatcher)
        channel = TelegramChannel(channel_settings(server, bot_id, rate_limit), dispatcher)
        await channel.start()
        try:
            return await drive(server, users, 2)
        finally:
            await channel.stop()
            await app.close()


class Canned:
    """Stands where the dispatcher stands and answers with the replies it gave: the channel's
    own cost, with nothing behind it (no database, no outbox, no settling)."""

    def __init__(self) -> None:
        self.by_text: dict[str, list[Reply]] = {}
        self.registry: Any = None

    def listen_to(self, dispatcher: Dispatcher) -> None:
        handle, self.registry = dispatcher.handle, dispatcher.registry

        async def keeping(incoming: Incoming) -> list[Reply]:
            replies = await handle(incoming)
            self.by_text[incoming.text or ""] = replies
            return replies

        dispatcher.handle = keeping  # type: ignore[method-assign]

    def connect(self, channel: ChannelInfo) -> None:
        """Nothing to remember: the replies are made already."""

    async def handle(self, incoming: Incoming) -> list[Reply]:
        return self.by_text[incoming.text or ""]

    async def settle(self, incoming: Incoming, *, sent: int, problem: Any = None) -> None:
        """Nothing was kept, so nothing is settled."""


async def bench_channel_only(users: int, replies: Canned) -> float:
    async with FakeTelegramServer() as server:
        channel = TelegramChannel(channel_settings(server, 5, False), replies)  # type: ignore[arg-type]
        await channel.start()
        try:
            return await drive(server, users, 2)
        finally:
            await channel.stop()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


async def bench_echo(users: int) -> float:
    async with FakeTelegramServer() as server:
        application = (
            ApplicationBuilder()
            .token("2:ECHO")
            .base_url(server.base_url)
            .concurrent_updates(32)
            .build()
        )
        application.add_handler(MessageHandler(filters.TEXT, echo))
        async with application:
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            await application.start()
            try:
                return await drive(server, users, 2)
            finally:
                await application.updater.stop()
                await application.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    options = parser.parse_args()
    updates = options.users * 2
    replies = Canned()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        ours = await bench_dvcbot(options.users, url, rate_limit=False, bot_id=1, replies=replies)
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        limited = await bench_dvcbot(options.users, url, rate_limit=True, bot_id=3)
    theirs = await bench_echo(options.users)
    floor = await bench_channel_only(options.users, replies)
    backend = "PostgreSQL" if options.database_url else "SQLite"
    print(f"updates: {updates} ({options.users} users x /start + free text), database {backend}")
    print(f"dvcbot, no rate limiter:       {updates / ours:8.1f} updates/s")
    print(f"plain PTB echo bot:            {updates / theirs:8.1f} updates/s")
    print(f"ratio dvcbot / echo:           {theirs / ours:8.2f}")
    print(f"our channel alone, same replies:{updates / floor:7.1f} updates/s, "
          f"{theirs / floor:.2f} of the echo bot (no dispatcher, database or outbox)")  # fmt: skip
    print(
        f"dvcbot with AIORateLimiter:    {updates / limited:8.1f} updates/s (Telegram's 30 msg/s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
