"""`dvcbot serve` (webhook) with 1, 2 and 3 workers next to `dvcbot run` (long polling).

Real `python -m bot` processes on PostgreSQL and the fake Bot API server, rate limits off on
all: each of N people sends /start and, once it is answered, one free-text question. Prints
updates/s (from the first update queued to the last reply), the p50/p99 handling time of an
update, from the push to the webhook (or the getUpdates that handed it over) to its reply
received at the fake, and the p50/p99 time a person waits, from sending to the reply (with
polling, updates wait in the bot for a free handler; with a webhook, at the fake for one of
its 40 connections). A few people talk first, unmeasured, so each worker is warm.

  uv run python bench/serve.py [--users 300] [--postgres URL]

A database dvcbot_bench_<random> is created on the server for each run and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres_server import Server
from tests.bot_process import (
    BotProcess,
    ServeProcess,
    serve_env,
    telegram_env,
    unused_port,
    wait_until_polling,
)
from tests.fakes import FakeTelegramServer

LOCAL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
QUESTION = "làm căn cước công dân thế nào"
FIRST_USER = 800_000
WARM_UP = 10  # people who talk before the measured ones
NO_LIMITS = {"DVCBOT_TELEGRAM__RATE_LIMIT": "false"}


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    handling: list[float]  # seconds per update, push (or getUpdates) to reply received
    waiting: list[float]  # seconds per update, sent by the person to reply received

    def line(self) -> str:
        """One row of the table."""
        return (
            f"{self.name:<26}{self.updates / self.seconds:>10.1f}"
            f"{percentiles(self.handling)}{percentiles(self.waiting)}"
        )


def percentiles(seconds: list[float]) -> str:
    """p50 and p99, in milliseconds, as two columns."""
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:>9.0f}{p99 * 1000:>9.0f}"


async def converse(fake: FakeTelegramServer, users: range) -> tuple[list[float], list[float]]:
    """Each person sends /start and, once answered, the question; returns the handling times
    and the waiting times."""
    handling: list[float] = []
    waiting: list[float] = []

    async def person(user: int) -> None:
        for number, text in enumerate(("/start", QUESTION)):
            sent = time.monotonic()
            update_id = fake.user_sends_text(user, text, first_name=f"Người {user}")
            [*_, reply] = await fake.wait_for(user, number + 1, timeout=300)
            handling.append(reply.at - fake.handed_at[update_id])
            waiting.append(reply.at - sent)

    await asyncio.gather(*(person(user) for user in users))
    return handling, waiting


async def measure(name: str, fake: FakeTelegramServer, users: int) -> Result:
    """Warm up, then time N people talking."""
    await converse(fake, range(FIRST_USER - WARM_UP, FIRST_USER))
    started = time.perf_counter()
    handling, waiting = await converse(fake, range(FIRST_USER, FIRST_USER + users))
    return Result(name, 2 * users, time.perf_counter() - started, handling, waiting)


@asynccontextmanager
async def serving(
    fake: FakeTelegramServer, database: str, folder: Path, workers: int
) -> AsyncIterator[None]:
    """`dvcbot serve --workers N`, taking the fake's pushes."""
    env = serve_env(folder, fake, database, unused_port(), **NO_LIMITS)
    process = await ServeProcess(folder, env, workers, name=f"serve-{workers}").serving()
    try:
        yield
    finally:
        await process.stop()


@asynccontextmanager
async def polling(fake: FakeTelegramServer, database: str, folder: Path) -> AsyncIterator[None]:
    """`dvcbot run`, long-polling the fake."""
    env = telegram_env(folder, fake, DVCBOT_DATABASE__URL=database, **NO_LIMITS)
    process = await BotProcess(folder, env, name="run").start()
    try:
        await wait_until_polling(fake, process)
        yield
    finally:
        await process.stop()


async def bench(server: Server, users: int, folder: Path, workers: int | None) -> Result:
    """One run on a fresh database and a fresh fake: serve with `workers`, or run (None)."""
    database = await server.fresh()
    async with FakeTelegramServer() as fake:
        if workers is None:
            async with polling(fake, database, folder):
                return await measure("dvcbot run (polling)", fake, users)
        async with serving(fake, database, folder, workers):
            plural = "s" if workers > 1 else ""
            return await measure(f"dvcbot serve, {workers} worker{plural}", fake, users)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--postgres", default=LOCAL, help=f"PostgreSQL server (default {LOCAL})")
    options = parser.parse_args()
    server = Server(options.postgres)
    results: list[Result] = []
    try:
        await server.prepare()
        with tempfile.TemporaryDirectory() as folder:
            for workers in (None, 1, 2, 3):
                results.append(await bench(server, options.users, Path(folder), workers))
    finally:
        await server.drop_all()
    print(
        f"updates: {2 * options.users} ({options.users} people x /start + a question, each "
        "after the answer), PostgreSQL, rate limits off"
    )
    print(f"{'':<26}{'':>10}{'handling (ms)':>18}{'person waits (ms)':>18}")
    print(f"{'':<26}{'updates/s':>10}{'p50':>9}{'p99':>9}{'p50':>9}{'p99':>9}")
    for result in results:
        print(result.line())


if __name__ == "__main__":
    asyncio.run(main())
