"""Keeping under Telegram's flood limits: 30 messages/s overall and 20/min per group."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.config import TelegramSettings
from bot.db.engine import Database, is_sqlite

# What Telegram counts against the limits: messages the bot sends or edits.
SENDS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendChatAction",
        "editMessageText",
        "editMessageReplyMarkup",
    }
)
OVERALL = "overall"
# Paced under the limit: a send leaves a little after its slot when its process is busy, and a
# few late sends meeting the next on-time ones put a 31st message into some second (Telegram
# answers 429). At 0.9 three busy workers on two cores still did that now and then; 0.8 leaves
# room for six late sends in any second.
PACE_MARGIN = 0.8
Json = dict[str, Any]
# The next free slot of a limit, taken in one statement: every worker asks the database, so the
# limits hold for all of them together. The wait is counted on the database's clock.
TAKE_SLOT = text(
    """
    INSERT INTO send_slots (name, next_at) VALUES (:name, clock_timestamp() + :gap)
    ON CONFLICT (name) DO UPDATE
        SET next_at = GREATEST(send_slots.next_at, clock_timestamp()) + :gap
    RETURNING EXTRACT(EPOCH FROM send_slots.next_at - :gap - clock_timestamp())
    """
)


class _FloodHandedOn(logging.Filter):
    """Drops the limiter's ERROR and traceback for a flood wait it hands on (max_retries=0):
    the sender deals with it, and the outbox logs one warning line and retries that row."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], RetryAfter))


FLOOD_HANDED_ON = _FloodHandedOn()


def even_rate_limiter(settings: TelegramSettings) -> AIORateLimiter:
    """PTB's limiter with bucket sizes of one, so it paces evenly instead of bursting.

    aiolimiter lets a full bucket go at once: with 30/s that is up to 60 messages in the first
    second, and Telegram answers 429. One message per 1/30 s never goes over. Flood errors are
    not retried here (max_retries=0): the outbox retries that one row after its retry_after.
    """
    logging.getLogger("telegram.ext.AIORateLimiter").addFilter(FLOOD_HANDED_ON)  # not added twice
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / (settings.messages_per_second * PACE_MARGIN),
        group_max_rate=1,
        group_time_period=60 / (settings.group_messages_per_minute * PACE_MARGIN),
        max_retries=0,
    )


class SharedRateLimiter(BaseRateLimiter[int]):
    """Telegram's limits for all workers of one PostgreSQL database together.

    Each send takes the next free slot of the overall limit (and of its group chat's), spaced
    evenly so there is no burst, and waits for it; it costs one short statement per send.
    Flood errors are handed on (the outbox retries that row after its retry_after).
    """

    def __init__(self, engine: AsyncEngine, settings: TelegramSettings) -> None:
        self.engine = engine
        self.overall_gap = timedelta(seconds=1 / (settings.messages_per_second * PACE_MARGIN))
        self.group_gap = timedelta(seconds=60 / (settings.group_messages_per_minute * PACE_MARGIN))

    async def initialize(self) -> None:
        """Nothing to open: slots live in the database."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | Json | list[Json]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | Json | list[Json]:
        """Wait for this send's slots, then send."""
        if endpoint in SENDS:
            wait = await self._slot(OVERALL, self.overall_gap)
            chat = str(data.get("chat_id", ""))
            if chat.startswith("-"):  # groups and channels have negative ids
                wait = max(wait, await self._slot(f"chat:{chat}", self.group_gap))
            if wait > 0:
                await asyncio.sleep(wait)
        return await callback(*args, **kwargs)

    async def _slot(self, name: str, gap: timedelta) -> float:
        """Seconds until this send's slot under the limit `name`."""
        async with self.engine.begin() as connection:
            wait = await connection.scalar(TAKE_SLOT, {"name": name, "gap": gap})
        return max(0.0, float(wait or 0))


def rate_limiter(settings: TelegramSettings, db: Database) -> BaseRateLimiter[int]:
    """On PostgreSQL, where several workers may send, the shared limiter; on SQLite (one
    process) PTB's, in memory."""
    if is_sqlite(str(db.engine.url)):
        return even_rate_limiter(settings)
    return SharedRateLimiter(db.engine, settings)
