"""The outbox: queue notifications with a unique key, then deliver them through their channel.

Rows are written in the transaction of the change that causes them. Delivery claims due rows
(with FOR UPDATE SKIP LOCKED and a lease on PostgreSQL, so several workers can share the table),
sends them outside any transaction, then records each outcome: sent, retried later (flood
control or network trouble, per row), dead (blocked chat, refused message) or expired.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.delivery import (
    DeliveryError,
    FailureKind,
    Sender,
    payload_to_reply,
    reply_to_payload,
)
from bot.core.messages import Reply
from bot.db.engine import Database
from bot.db.models import ChatIdentity, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 300.0


async def enqueue(
    session: AsyncSession,
    key: str,
    person_id: int,
    reply: Reply,
    *,
    now: datetime,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> bool:
    """Queue to the chat the person used last; False if the key is queued already or no chat."""
    identity = await session.scalar(
        select(ChatIdentity)
        .where(ChatIdentity.person_id == person_id)
        .order_by(ChatIdentity.last_seen_at.desc())
        .limit(1)
    )
    if identity is None:
        return False
    return await enqueue_to_chat(
        session,
        key,
        identity.channel,
        identity.chat_id,
        reply,
        person_id=person_id,
        now=now,
        due_at=due_at,
        expires_at=expires_at,
    )


async def enqueue_to_chat(
    session: AsyncSession,
    key: str,
    channel: str,
    chat_id: str,
    reply: Reply,
    *,
    person_id: int | None = None,
    now: datetime,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> bool:
    """Queue a message to a chat; a key already queued is left alone (returns False)."""
    values: dict[str, Any] = {
        "key": key,
        "person_id": person_id,
        "channel": channel,
        "chat_id": chat_id,
        "payload": reply_to_payload(reply),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": due_at or now,
        "expires_at": expires_at,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["key"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    attempts: int


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


async def _claim(db: Database, now: datetime, limit: int) -> tuple[list[_Claimed], int]:
    """Lease up to `limit` due rows; rows already past their expiry are marked expired."""
    async with db.transaction() as session:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
                (OutboxMessage.lease_until.is_(None)) | (OutboxMessage.lease_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed: list[_Claimed] = []
        expired = 0
        for row in await session.scalars(query):
            if row.expires_at is not None and row.expires_at <= now:
                row.status, row.last_error = OutboxStatus.EXPIRED.value, "expired before sending"
                expired += 1
                continue
            row.lease_until = now + LEASE
            claimed.append(_Claimed(row.id, row.channel, row.chat_id, row.payload, row.attempts))
    return claimed, expired


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: about 2, 4, 8 … seconds, at most five minutes."""
    base: float = min(MAX_BACKOFF_SECONDS, 2.0**attempts)
    return base * random.uniform(0.5, 1.5)


async def deliver_due(
    db: Database,
    senders: Mapping[str, Sender],
    clock: Callable[[], datetime],
    *,
    batch: int = 100,
    concurrency: int = 30,
) -> DeliveryStats:
    """Send what is due now, one batch; each row's outcome is recorded on its own."""
    now = clock()
    claimed, expired = await _claim(db, now, batch)
    stats = DeliveryStats(expired=expired)
    gate = asyncio.Semaphore(concurrency)

    async def attempt(row: _Claimed) -> tuple[_Claimed, DeliveryError | None]:
        sender = senders.get(row.channel)
        if sender is None:
            return row, DeliveryError(FailureKind.TRANSIENT, f"channel {row.channel} not running")
        async with gate:
            try:
                await sender.deliver(row.chat_id, [payload_to_reply(row.payload)])
            except DeliveryError as problem:
                return row, problem
        return row, None

    outcomes = await asyncio.gather(*(attempt(row) for row in claimed))
    finished = clock()
    async with db.transaction() as session:
        for row, problem in outcomes:
            message = await session.get(OutboxMessage, row.id)
            if message is None:
                continue
            message.lease_until = None
            message.attempts = row.attempts + 1
            _record(message, problem, finished, stats)
    return stats


def _record(
    message: OutboxMessage, problem: DeliveryError | None, now: datetime, stats: DeliveryStats
) -> None:
    if problem is None:
        message.status, message.sent_at, message.last_error = OutboxStatus.SENT.value, now, None
        stats.sent += 1
        return
    message.last_error = str(problem)[:500]
    stats.errors.append(message.last_error)
    if problem.kind in (FailureKind.BLOCKED, FailureKind.REJECTED):
        message.status = OutboxStatus.DEAD.value
        stats.dead += 1
        log.info("outbox %s dead: %s", message.key, problem)
        return
    if problem.kind is FailureKind.TRANSIENT and message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.DEAD.value
        message.last_error = f"gave up after {message.attempts} attempts: {problem}"[:500]
        stats.dead += 1
        return
    wait = (
        problem.retry_after + random.uniform(0.0, 0.5)
        if problem.kind is FailureKind.RETRY_AFTER
        else backoff_seconds(message.attempts)
    )
    message.next_attempt_at = now + timedelta(seconds=wait)
    stats.retried += 1


async def drain(
    db: Database,
    senders: Mapping[str, Sender],
    clock: Callable[[], datetime],
    *,
    batch: int = 100,
    max_batches: int = 50,
) -> DeliveryStats:
    """Deliver batch after batch until nothing more is due (bounded, so a job always ends)."""
    total = DeliveryStats()
    for _ in range(max_batches):
        stats = await deliver_due(db, senders, clock, batch=batch)
        total.sent += stats.sent
        total.retried += stats.retried
        total.dead += stats.dead
        total.expired += stats.expired
        total.errors.extend(stats.errors)
        if stats.handled < batch:
            break
    return total
