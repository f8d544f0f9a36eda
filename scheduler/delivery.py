"""Outbox delivery: claim due rows, send them through their channel, record each outcome.

Only rows of running channels are claimed (and for a console, only its own person's chat), so
whatever no channel here can send stays queued for the process that can. On PostgreSQL rows
are claimed with FOR UPDATE SKIP LOCKED and a lease, so several workers share the table; the
sending happens outside any transaction. Outcomes: sent; flood control -> that row retried
after its retry_after; 5xx and timeouts -> exponential backoff with jitter, dead after
MAX_ATTEMPTS; blocked chat or refused message -> dead with the reason; past expires_at ->
expired, never sent. A numbered menu sent to a channel without buttons is remembered for the
chat before the message goes out, so the person's typed number finds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from bot.core import state
from bot.core.delivery import (
    LEASE,
    DeliveryError,
    Outcome,
    Row,
    Sender,
    payload_to_reply,
    result_of,
    settle_outcome,
)
from bot.core.media import MediaStore
from bot.core.observer import NOBODY, Observer
from bot.core.rendering import for_channel
from bot.db.engine import Database
from bot.db.models import OutboxMessage, OutboxStatus

CONCURRENCY = 30  # sends in flight at once: what a crash may repeat


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.dead + self.expired

    def add(self, other: DeliveryStats) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.expired += other.expired
        self.errors.extend(other.errors)

    def count(self, outcome: Outcome | None) -> None:
        if outcome is Outcome.SENT:
            self.sent += 1
        elif outcome is Outcome.RETRIED:
            self.retried += 1
        elif outcome is Outcome.DEAD:
            self.dead += 1


def _sendable(senders: Mapping[str, Sender]) -> ColumnElement[bool]:
    """Rows of the running channels (and, for a console, of its own chat only)."""
    clauses: list[ColumnElement[bool]] = []
    for name, sender in senders.items():
        clause = OutboxMessage.channel == name
        if sender.only_chats is not None:
            clause = and_(clause, OutboxMessage.chat_id.in_(sorted(sender.only_chats)))
        clauses.append(clause)
    return or_(*clauses) if clauses else OutboxMessage.id.is_(None)


async def _claim(
    db: Database, senders: Mapping[str, Sender], now: datetime, limit: int
) -> tuple[list[Row], int]:
    """Lease up to `limit` due rows; rows already past their expiry are marked expired."""
    async with db.transaction() as session:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
                (OutboxMessage.lease_until.is_(None)) | (OutboxMessage.lease_until < now),
                _sendable(senders),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed: list[Row] = []
        expired = 0
        for row in await session.scalars(query):
            if row.expires_at is not None and row.expires_at <= now:
                row.status, row.last_error = OutboxStatus.EXPIRED.value, "expired before sending"
                expired += 1
                continue
            row.lease_until = now + LEASE
            claimed.append(Row(row.id, row.channel, row.chat_id, row.payload, row.attempts))
    return claimed, expired


async def send_row(
    db: Database, sender: Sender, row: Row, media: MediaStore | None = None
) -> DeliveryError | None:
    """Send one row as its channel can show it; a numbered menu is remembered first."""
    replies, menu = for_channel([payload_to_reply(row.payload, media)], sender.info, media)
    if menu is not None:
        async with db.transaction() as session:
            await state.remember_menu(session, row.channel, row.chat_id, menu)
    try:
        await sender.deliver(row.chat_id, replies)
    except DeliveryError as problem:
        return problem
    return None


async def record(
    db: Database, row: Row, problem: DeliveryError | None, now: datetime
) -> Outcome | None:
    """Record how one send went, in its own transaction (None if the row is gone)."""
    async with db.transaction() as session:
        message = await session.get(OutboxMessage, row.id)
        if message is None:
            return None
        message.lease_until = None
        message.attempts = row.attempts + 1
        return settle_outcome(message, problem, now)


async def deliver_due(
    db: Database,
    senders: Mapping[str, Sender],
    clock: Callable[[], datetime],
    *,
    media: MediaStore | None = None,
    observer: Observer = NOBODY,
    batch: int = 100,
    concurrency: int = CONCURRENCY,
) -> DeliveryStats:
    """Send what is due now, one batch: chats side by side, each chat's messages in the order
    they were queued; each row's outcome is recorded as soon as it is known, so a crash repeats
    at most the messages in flight."""
    claimed, expired = await _claim(db, senders, clock(), batch)
    stats = DeliveryStats(expired=expired)
    gate = asyncio.Semaphore(concurrency)

    async def attempt(row: Row) -> None:
        async with gate:
            problem = await send_row(db, senders[row.channel], row, media)
            outcome = await record(db, row, problem, clock())
            stats.count(outcome)
            observer.delivered(row.channel, result_of(outcome, problem))
            if problem is not None:
                stats.errors.append(str(problem))

    async def in_order(rows: list[Row]) -> None:
        for row in rows:  # one chat's messages one after another, as they were queued
            await attempt(row)

    chats: dict[tuple[str, str], list[Row]] = {}
    for row in claimed:  # claimed oldest first
        chats.setdefault((row.channel, row.chat_id), []).append(row)
    await asyncio.gather(*(in_order(rows) for rows in chats.values()))
    return stats


async def drain(
    db: Database,
    senders: Mapping[str, Sender],
    clock: Callable[[], datetime],
    *,
    media: MediaStore | None = None,
    observer: Observer = NOBODY,
    batch: int = 100,
    max_batches: int = 50,
) -> DeliveryStats:
    """Deliver batch after batch until nothing more is due (bounded, so a job always ends)."""
    total = DeliveryStats()
    for _ in range(max_batches):
        stats = await deliver_due(db, senders, clock, media=media, observer=observer, batch=batch)
        total.add(stats)
        if stats.handled < batch:
            break
    return total
