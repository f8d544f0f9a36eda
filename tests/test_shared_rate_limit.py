"""Telegram's flood limits hold for all workers of one PostgreSQL database together."""

from __future__ import annotations

import asyncio
import time

from telegram.ext import AIORateLimiter

from bot.app import App
from bot.channels.telegram_limits import SharedRateLimiter, rate_limiter
from bot.config import TelegramSettings
from bot.db.engine import Database

RATE = 200.0  # messages per second, high so the test is quick; the spacing is what counts
SENDS_PER_WORKER = 61


async def test_two_workers_share_one_pace_on_postgresql_and_one_process_paces_alone(
    app: App,
) -> None:
    settings = TelegramSettings(messages_per_second=RATE)
    if app.settings.database.url.startswith("sqlite"):
        assert isinstance(rate_limiter(settings, app.db), AIORateLimiter)  # one process only
        return
    other = Database(app.settings.database.url)  # a second worker: its own engine
    workers = [rate_limiter(settings, app.db), rate_limiter(settings, other)]
    assert all(isinstance(worker, SharedRateLimiter) for worker in workers)
    sent: list[float] = []

    async def send() -> bool:
        sent.append(time.monotonic())
        return True

    async def worker_sends(limiter: SharedRateLimiter) -> None:
        for _ in range(SENDS_PER_WORKER):
            await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 42}, None)

    try:
        started = time.monotonic()
        await asyncio.gather(*(worker_sends(worker) for worker in workers))  # type: ignore[arg-type]
    finally:
        await other.dispose()
    total = 2 * SENDS_PER_WORKER
    assert len(sent) == total
    assert time.monotonic() - started >= (total - 1) / RATE * 0.95
    # No two sends of the two workers closer than the pace allows, anywhere in the run.
    window = sorted(sent)
    busiest_tenth = max(
        sum(1 for moment in window if start <= moment < start + 0.1) for start in window
    )
    assert busiest_tenth <= RATE * 0.1 + 2
