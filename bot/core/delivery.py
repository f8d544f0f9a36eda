"""Sending outbox rows through a channel: the row, one send, and how its outcome is recorded.

Every message the bot sends on its own (a reminder, a tally) is an outbox row, and so is every
reply on a channel that keeps its replies (Telegram): written in the transaction of its cause,
sent after the commit, and recorded sent, retried later or dead, each in its own transaction as
soon as the send returns. The loop that finds due rows is scheduler/delivery.py.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.channels import ChannelInfo
from bot.core.media import MediaStore
from bot.core.messages import Choice, Document, Reply
from bot.db.models import OutboxMessage, OutboxStatus
from bot.db.upsert import Upsert, insert_for

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
REPLY_LEASE = timedelta(seconds=30)  # a kept reply unsent by then (a crash) goes by the loop
MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 300.0


class FailureKind(StrEnum):
    RETRY_AFTER = "retry_after"  # flood control: wait the given seconds, then retry
    TRANSIENT = "transient"  # network trouble, 5xx, timeouts: back off and retry
    BLOCKED = "blocked"  # the person blocked the bot: never retry
    REJECTED = "rejected"  # the platform refused the message itself: never retry


@dataclass
class DeliveryError(Exception):
    kind: FailureKind
    reason: str
    retry_after: float = 0.0

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.reason}"


class Sender(Protocol):
    """A channel able to send to a chat on its own initiative."""

    @property
    def info(self) -> ChannelInfo:
        """What the channel can show (its name keys the outbox rows it sends)."""

    @property
    def only_chats(self) -> frozenset[str] | None:
        """The chats it may send to (a console: its own person's); None: every chat."""

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send, or raise DeliveryError saying whether and when to try again."""


def reply_to_payload(reply: Reply, media: MediaStore | None = None) -> dict[str, Any]:
    """A Reply as JSON for the outbox; its picture or file is kept in `media` by reference
    (without a store they are left out)."""
    payload: dict[str, Any] = {
        "text": reply.text,
        "choices": [[choice.label, choice.payload] for choice in reply.choices],
        "columns": reply.columns,
    }
    if reply.replace:
        payload["replace"] = True
    if reply.image_url is not None:
        payload["image_url"] = reply.image_url
    if media is not None and reply.image is not None:
        payload["image"] = media.put(reply.image)
    if media is not None and reply.document is not None:
        payload["document"] = [media.put(reply.document.content), reply.document.filename]
    return payload


def payload_to_reply(payload: dict[str, Any], media: MediaStore | None = None) -> Reply:
    raw_choices = payload.get("choices") or []
    columns = payload.get("columns", 1)
    kept_image = payload.get("image")
    image = media.get(kept_image) if media is not None and isinstance(kept_image, str) else None
    document = None
    attached = payload.get("document")
    if media is not None and isinstance(attached, list) and len(attached) == 2:
        content = media.get(str(attached[0]))
        document = Document(str(attached[1]), content) if content is not None else None
    return Reply(
        text=str(payload["text"]),
        choices=tuple(Choice(str(label), str(data)) for label, data in raw_choices),
        columns=columns if isinstance(columns, int) else 1,
        image=image,
        document=document,
        replace=bool(payload.get("replace")),
        image_url=str(payload["image_url"]) if payload.get("image_url") else None,
    )


async def queue_row(session: AsyncSession, row: dict[str, Any]) -> int | None:
    """Insert an outbox row (from row_values); a key queued already is left alone (None)."""
    statement = (
        insert_for(session.get_bind().dialect.name, OutboxMessage)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    inserted: int | None = await session.scalar(statement)
    return inserted


async def queue_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert several outbox rows (from row_values); keys queued already are left alone."""
    if not rows:
        return
    # Rows as parameters, not as a multi-row VALUES: the statement is then compiled once per
    # process instead of once per update (2 ms an update on SQLite), and built once as well.
    statement = _queue_statement(session.get_bind().dialect.name)
    await (await session.connection()).execute(statement, list(rows))


@cache
def _queue_statement(dialect: str) -> Upsert:
    return insert_for(dialect, OutboxMessage).on_conflict_do_nothing(index_elements=["key"])


def kept_replies(
    update_key: str,
    channel: str,
    chat_id: str,
    replies: Sequence[Reply],
    media: MediaStore | None,
    *,
    person_id: int | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """An update's replies as outbox rows, leased to this process, which sends them at once."""
    return [
        row_values(
            reply_key(update_key, number),
            channel,
            chat_id,
            reply_to_payload(reply, media),
            person_id=person_id,
            now=now,
            lease_until=now + REPLY_LEASE,
        )
        for number, reply in enumerate(replies)
    ]


def row_values(
    key: str,
    channel: str,
    chat_id: str,
    payload: dict[str, Any],
    *,
    person_id: int | None,
    now: datetime,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
    lease_until: datetime | None = None,
) -> dict[str, Any]:
    """The columns of a pending outbox row."""
    return {
        "key": key,
        "person_id": person_id,
        "channel": channel,
        "chat_id": chat_id,
        "payload": payload,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": due_at or now,
        "expires_at": expires_at,
        "lease_until": lease_until,
        "created_at": now,
    }


@dataclass(frozen=True)
class Row:
    """An outbox row leased for sending."""

    id: int
    channel: str
    chat_id: str
    payload: dict[str, Any]
    attempts: int


class Outcome(StrEnum):
    SENT = "sent"
    RETRIED = "retried"
    DEAD = "dead"


def reply_key(update_key: str, number: int | None) -> str:
    """The outbox key of an update's reply (None: the prefix of all its replies)."""
    return f"reply:{update_key}:" + ("" if number is None else str(number))


def settle_outcome(
    message: OutboxMessage, problem: DeliveryError | None, now: datetime
) -> Outcome:
    """What a send's result makes of its row: sent, to retry (when), or dead."""
    if problem is None:
        message.status, message.sent_at, message.last_error = OutboxStatus.SENT.value, now, None
        return Outcome.SENT
    message.last_error = str(problem)[:500]
    if problem.kind in (FailureKind.BLOCKED, FailureKind.REJECTED):
        message.status = OutboxStatus.DEAD.value
        log.info("outbox %s dead: %s", message.key, problem)
        return Outcome.DEAD
    if problem.kind is FailureKind.TRANSIENT and message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.DEAD.value
        message.last_error = f"gave up after {message.attempts} attempts: {problem}"[:500]
        log.warning(
            "outbox %s given up after %d attempts: %s", message.key, message.attempts, problem
        )
        return Outcome.DEAD
    wait = (
        problem.retry_after + random.uniform(0.0, 0.5)
        if problem.kind is FailureKind.RETRY_AFTER
        else backoff_seconds(message.attempts)
    )
    message.next_attempt_at = now + timedelta(seconds=wait)
    log.warning("outbox %s not sent (%s); trying again in %.1f s", message.key, problem, wait)
    return Outcome.RETRIED


def result_of(outcome: Outcome | None, problem: DeliveryError | None) -> str:
    """How a send went, as metrics count it: sent, flood (429), retried, blocked or dead."""
    if outcome is Outcome.SENT or problem is None:
        return "sent"
    if problem.kind is FailureKind.RETRY_AFTER:
        return "flood"
    if problem.kind is FailureKind.BLOCKED:
        return "blocked"
    return "retried" if outcome is Outcome.RETRIED else "dead"


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: about 2, 4, 8 … seconds, at most five minutes."""
    base: float = min(MAX_BACKOFF_SECONDS, 2.0**attempts)
    return base * random.uniform(0.5, 1.5)
