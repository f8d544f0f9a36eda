"""Updates per second through our Telegram channel vs a plain PTB echo bot, same fake server.

Each of N users sends /start and one free-text message; we time from the first update queued
to the last reply received. dvcbot runs on each HTTP client of `[telegram] http_client` (aiohttp,
the default, and httpx), with users who each write for the first time, and again with users
who wrote before (their first two messages unmeasured). A last run is the floor of our side:
the same channel sending the bot's own replies (their text and buttons, captured from the first
run) with no dispatcher, database or outbox behind it, on each client; and the same with the
writes that make an update lose and double nothing (its claim and its kept replies in one
transaction, their settlement once sent) and nothing else: the ceiling of any dispatcher
keeping those promises. A short run before the rounds is not counted (WARM_UP_USERS). This
machine's pace drifts by a third between minutes, so the echo bot runs just before and just
after each of the others, which is compared with the mean of those two; the rounds repeat
all of it, and the ratios given are the rounds' medians.
Run: uv run python bench/throughput.py [--users 300]
     uv run python bench/throughput.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
With --postgres, each dvcbot run gets a database of its own on that server, all dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any, Literal

from pydantic import SecretStr
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres_server import Server, fresh_database
from bot.app import build_app
from bot.channels.telegram import TelegramChannel
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings
from bot.core.channels import ChannelInfo
from bot.core.delivery import DeliveryError, kept_replies, queue_rows
from bot.core.dispatcher import Dispatcher
from bot.core.messages import Incoming, Reply
from bot.core.observer import NOBODY
from bot.core.settling import Settlement, Settler
from bot.core.state import claim
from bot.db.engine import Database
from bot.memory import collect_less_often, freeze_startup_objects, use_one_malloc_arena
from tests.fakes import FakeTelegramServer

FIRST_USER = 700_000
# A short run first, not counted: the first question of the process loads the matcher's
# libraries (numpy, rank_bm25, rapidfuzz) once, as a running bot did long ago; bench/startup.py
# measures that start. Each counted run still builds its own app's matcher.
WARM_UP_USERS = 20
TARGET_RATIO = 0.8


async def drive(
    server: FakeTelegramServer,
    users: int,
    replies_per_user: int,
    first_user: int = FIRST_USER,
    answered: int = 0,
) -> float:
    """Queue every update, then wait for all replies (each user had `answered` before);
    returns elapsed seconds."""
    started = time.perf_counter()
    chatting = range(first_user, first_user + users)
    for user in chatting:
        server.user_sends_text(user, "/start", first_name=f"Người {user}")
        server.user_sends_text(user, "thời tiết hôm nay thế nào")
    for user in chatting:
        await server.wait_for(user, answered + replies_per_user, timeout=120)
    return time.perf_counter() - started


HttpClient = Literal["httpx", "aiohttp"]


def channel_settings(
    server: FakeTelegramServer, bot_id: int, rate_limit: bool, http_client: HttpClient = "aiohttp"
) -> TelegramSettings:
    return TelegramSettings(
        token=SecretStr(f"{bot_id}:BENCH"),
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        poll_timeout=1,
        rate_limit=rate_limit,
        http_client=http_client,
    )


async def bench_dvcbot(
    users: int,
    database_url: str,
    *,
    rate_limit: bool,
    bot_id: int,
    replies: Canned | None = None,
    first_user: int = FIRST_USER,
    http_client: HttpClient = "aiohttp",
    returning: bool = False,
) -> float:
    """Our channel and dispatcher; each run is a different bot, so update keys never repeat,
    with users of its own, so each is a first contact; `returning`: the users have talked to
    the bot once before (unmeasured), as most of a busy bot's users have. `replies`, if given,
    keeps what the dispatcher answered to the users' two messages."""
    async with FakeTelegramServer() as server:
        settings = Settings(
            database=DatabaseSettings(url=database_url), bot=BotSettings(demo_data=False)
        )
        app = build_app(settings)
        await app.prepare_database()
        freeze_startup_objects()  # as `dvcbot run` does before its channels start
        dispatcher = app.dispatcher
        if replies is not None:
            replies.listen_to(dispatcher)
        channel = TelegramChannel(
            channel_settings(server, bot_id, rate_limit, http_client), dispatcher
        )
        await channel.start()
        try:
            if not returning:
                return await drive(server, users, 2, first_user)
            await drive(server, users, 2, first_user)
            return await drive(server, users, 2, first_user, answered=2)
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


class Kept(Canned):
    """The same replies, kept as the dispatcher keeps them, and nothing else: the update's
    claim and its replies as outbox rows in one transaction, their settlement once sent (no
    person, state, routing or guide). What any dispatcher that loses and doubles nothing
    writes."""

    def __init__(self, canned: Canned, db: Database) -> None:
        self.by_text, self.registry, self.db = canned.by_text, canned.registry, db
        self.settler = Settler(db, lambda: datetime.now(UTC))

    async def handle(self, incoming: Incoming) -> list[Reply]:
        replies = await super().handle(incoming)
        key, now = incoming.key or "", datetime.now(UTC)
        async with self.db.transaction() as session:
            await claim(session, key, now)
            rows = kept_replies(
                key, incoming.channel, incoming.chat_id, replies, None, person_id=None, now=now
            )
            await queue_rows(session, rows)
        self.settler.expect()
        return replies

    async def settle(
        self, incoming: Incoming, *, sent: int, problem: DeliveryError | None = None
    ) -> None:
        settlement = Settlement(incoming.channel, incoming.key or "", sent, problem)
        await self.settler.settle(settlement, NOBODY)


async def bench_kept(
    users: int, replies: Canned, database_url: str, http_client: HttpClient = "aiohttp"
) -> float:
    settings = Settings(
        database=DatabaseSettings(url=database_url), bot=BotSettings(demo_data=False)
    )
    app = build_app(settings)
    await app.prepare_database()  # migrated: the bot's own tables
    try:
        return await bench_channel_only(users, Kept(replies, app.db), http_client)
    finally:
        await app.close()


async def bench_channel_only(
    users: int, replies: Canned, http_client: HttpClient = "aiohttp"
) -> float:
    async with FakeTelegramServer() as server:
        settings = channel_settings(server, 5, False, http_client)
        channel = TelegramChannel(settings, replies)  # type: ignore[arg-type]
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


@dataclass(frozen=True)
class Timed:
    """One run's seconds, and the echo bot's around it (the mean of its runs just before and
    just after): this machine's pace drifts by a third between minutes, and an echo run a
    minute away said more about the minute than about us."""

    seconds: float
    echo_seconds: float

    @property
    def ratio(self) -> float:
        return self.echo_seconds / self.seconds


# What each round runs, by label, in order (the default client, aiohttp, unless named).
LABELS = {
    "ours": "dvcbot",
    "ours_httpx": "dvcbot on httpx",
    "returning": "dvcbot, returning users",
    "returning_httpx": "dvcbot, returning users, on httpx",
    "channel": "channel alone",
    "channel_httpx": "channel alone on httpx",
    "kept": "channel + kept replies",
    "kept_httpx": "channel + kept replies on httpx",
}
Round = dict[str, Timed]


async def one_round(users: int, number: int, postgres: Server | None) -> Round:
    """Each run of the round with the echo bot run before and after it."""
    replies = Canned()
    clients: tuple[HttpClient, ...] = ("aiohttp", "httpx")
    runs: dict[str, Callable[[], Awaitable[float]]] = {}
    for label, first_bot, returning in (("ours", 10, False), ("returning", 100, True)):
        for index, client in enumerate(clients):
            run = 2 * number + index
            suffix = "" if client == "aiohttp" else "_httpx"
            runs[label + suffix] = partial(
                on_fresh_database, postgres, bench_dvcbot, users, rate_limit=False,
                bot_id=first_bot + run, replies=None if returning else replies,
                first_user=FIRST_USER + run * users, http_client=client, returning=returning,
            )  # fmt: skip
    runs["channel"] = partial(bench_channel_only, users, replies)
    runs["channel_httpx"] = partial(bench_channel_only, users, replies, "httpx")
    runs["kept"] = partial(on_fresh_database, postgres, bench_kept, users, replies)
    runs["kept_httpx"] = partial(on_fresh_database, postgres, bench_kept, users, replies,
                                 http_client="httpx")  # fmt: skip
    timed: Round = {}
    echo_before = await bench_echo(users)
    for label, run_it in runs.items():
        seconds = await run_it()
        echo_after = await bench_echo(users)
        timed[label] = Timed(seconds, (echo_before + echo_after) / 2)
        echo_before = echo_after
    return timed


async def on_fresh_database(
    postgres: Server | None, bench: Callable[..., Awaitable[float]], *args: Any, **kwargs: Any
) -> float:
    """A bench run on a database of its own (a SQLite file or a copy of the template)."""
    async with fresh_database(postgres) as url:
        return await bench(*args, database_url=url, **kwargs)


async def main() -> None:
    collect_less_often()  # this process is set up as `dvcbot run` sets up its own
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server's URL (default: "
                        "SQLite files)")  # fmt: skip
    options = parser.parse_args()
    postgres = Server(options.postgres) if options.postgres else None
    if postgres is not None:
        await postgres.prepare()
    try:
        await run_rounds(options.users, options.rounds, postgres)
    finally:
        if postgres is not None:
            await postgres.drop_all()


async def run_rounds(users: int, rounds_wanted: int, postgres: Server | None) -> None:
    updates = users * 2
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"updates: {updates} ({users} users x /start + free text), database {backend}; "
          f"{rounds_wanted} rounds of dvcbot and our channel alone on each HTTP client, "
          "and the echo bot")  # fmt: skip
    async with fresh_database(postgres) as url:  # not counted: WARM_UP_USERS says why
        await bench_dvcbot(WARM_UP_USERS, url, rate_limit=False, bot_id=2, first_user=1)
    rounds = []
    for number in range(rounds_wanted):
        done = await one_round(users, number, postgres)
        rounds.append(done)
        echo = updates / median(timed.echo_seconds for timed in done.values())
        shown = "; ".join(
            f"{LABELS[label]} {updates / timed.seconds:6.1f} ({timed.ratio:.2f})"
            for label, timed in done.items()
        )
        print(f"  round {number + 1}: echo bot about {echo:6.1f} updates/s; {shown}")
    for label, name in LABELS.items():
        ratio = median(done[label].ratio for done in rounds)
        print(f"ratio {name + ' / echo (median of rounds):':<62} {ratio:5.2f}")
    print(
        "(each run against the echo bot run just before and after it; on the default HTTP "
        "client, aiohttp, unless named. dvcbot: each user's first contact, "
        "then a question; returning users: the same two messages from users who talked to the "
        "bot before. The channel alone: the same replies; "
        "no dispatcher, database or outbox. With the kept replies: those replies claimed, kept "
        "and settled as the dispatcher does, nothing else)"
    )
    print(f"target (issue 15): dvcbot at least {TARGET_RATIO} × the echo bot")
    async with fresh_database(postgres) as url:
        first_user = FIRST_USER + 2 * rounds_wanted * users
        limited = await bench_dvcbot(users, url, rate_limit=True, bot_id=3, first_user=first_user)
    print(f"dvcbot with AIORateLimiter: {updates / limited:6.1f} updates/s (Telegram's 30 msg/s)")


if __name__ == "__main__":
    use_one_malloc_arena()
    asyncio.run(main())
