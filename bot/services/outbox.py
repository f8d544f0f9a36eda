"""The outbox: notifications queued with a unique key in the transaction of their cause.

Services only queue and cancel here (and flush); the delivery loop that sends due rows, with
its own transactions, lives in scheduler/delivery.py. Every key is built by `Keys`, so what
can never repeat, and what is cancelled together, can be read in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.core.delivery import queue_row, reply_to_payload, row_values
from bot.core.messages import Reply
from bot.db.models import ChatIdentity, OutboxMessage, OutboxStatus, Person

CHUNK = 500
ERASED: dict[str, object] = {"text": "", "choices": []}
T = TypeVar("T")


class Keys:
    """Outbox keys: a key is queued at most once; keys sharing a prefix are cancelled together."""

    @staticmethod
    def reminder(assignment_id: int, kind: str) -> str:
        return f"reminder:{assignment_id}:{kind}"

    @staticmethod
    def assigned(assignment_id: int) -> str:
        return f"assigned:{assignment_id}"

    @staticmethod
    def removed(assignment_id: int) -> str:
        return f"removed:{assignment_id}"

    @staticmethod
    def standin_offers(request_id: int) -> str:
        """Prefix of the offers of one stand-in request."""
        return f"standin:{request_id}:offer:"

    @staticmethod
    def standin_offer(request_id: int, person_id: int) -> str:
        return f"{Keys.standin_offers(request_id)}{person_id}"

    @staticmethod
    def standin_released(request_id: int) -> str:
        return f"standin:{request_id}:released"

    @staticmethod
    def standin_alert(request_id: int, officer_id: int) -> str:
        return f"standin:{request_id}:alert:{officer_id}"

    @staticmethod
    def standin_taken(request_id: int, officer_id: int) -> str:
        return f"standin:{request_id}:taken:{officer_id}"

    @staticmethod
    def understaffed(shift_id: int, officer_id: int) -> str:
        return f"understaffed:{shift_id}:{officer_id}"

    # Every message about help requests; of one request: handoff_of(request_id).
    HANDOFF = "handoff:"

    @staticmethod
    def handoff_of(request_id: int) -> str:
        return f"{Keys.HANDOFF}{request_id}:"

    @staticmethod
    def handoff_notices(request_id: int) -> str:
        """Prefix of the staff notices of one help request."""
        return f"{Keys.handoff_of(request_id)}notify:"

    @staticmethod
    def handoff_notice(request_id: int, staff_id: int) -> str:
        return f"{Keys.handoff_notices(request_id)}{staff_id}"

    @staticmethod
    def handoff_escalation(request_id: int, officer_id: int) -> str:
        """Nobody took the request in time: the officers are told (dropped when taken)."""
        return f"{Keys.handoff_notices(request_id)}late:{officer_id}"

    @staticmethod
    def handoff_event(request_id: int, event: str) -> str:
        """ "taken", "closed", "cancelled" or "queued": told once per request."""
        return f"{Keys.handoff_of(request_id)}{event}"

    @staticmethod
    def question_answer(question_id: int) -> str:
        """A written answer to a queued question, to the citizen who asked."""
        return f"question:{question_id}:answer"

    @staticmethod
    def handoff_message(request_id: int, number: int) -> str:
        return f"{Keys.handoff_of(request_id)}m:{number}"

    @staticmethod
    def survey(visit: str) -> str:
        """The satisfaction question about one visit ("handoff:3", "assist:12"): asked once."""
        return f"survey:{visit}"

    @staticmethod
    def daily_tally(day: date, person_id: int) -> str:
        return f"tally:{day.isoformat()}:{person_id}"

    @staticmethod
    def weekly_summary(day: date, person_id: int) -> str:
        return f"weekly:{day.isoformat()}:{person_id}"

    @staticmethod
    def linked(link_code_id: int) -> str:
        """The note to the chat that asked for a link code, once the code is used."""
        return f"linked:{link_code_id}"

    # The admins' notes about Zalo's monthly quota: exempt from holding when it is used up.
    ZALO_QUOTA = "zalo-quota:"

    @staticmethod
    def zalo_quota(month: str, level: str, admin_id: int) -> str:
        """ "near" or "used_up", once per admin and month ("2026-12")."""
        return f"{Keys.ZALO_QUOTA}{month}:{level}:{admin_id}"


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
    """Queue to the person's delivery chat; False if the key is queued already or no chat."""
    chat = (await delivery_chats(session, [person_id])).get(person_id)
    if chat is None:
        return False
    return await enqueue_to_chat(
        session,
        key,
        chat.channel,
        chat.chat_id,
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
    values = row_values(
        key,
        channel,
        chat_id,
        reply_to_payload(reply),
        person_id=person_id,
        now=now,
        due_at=due_at,
        expires_at=expires_at,
    )
    return await queue_row(session, values) is not None


async def cancel(session: AsyncSession, prefix: str, reason: str) -> int:
    """Rows whose key starts with `prefix` and are not sent yet are never sent."""
    result = await session.execute(
        update(OutboxMessage)
        .where(_starts_with(prefix), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.EXPIRED.value, last_error=reason[:500])
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def forget_texts(session: AsyncSession, prefix: str, before: datetime | None = None) -> int:
    """Rows under `prefix` that are done with (sent, dead or expired; created before `before`
    if given) keep their key and outcome but not what they said."""
    conditions = [
        _starts_with(prefix),
        OutboxMessage.status != OutboxStatus.PENDING,
        OutboxMessage.payload["text"].as_string() != "",
    ]
    if before is not None:
        conditions.append(OutboxMessage.created_at < before)
    result = await session.execute(
        update(OutboxMessage)
        .where(*conditions)
        .values(payload=ERASED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def queued_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are in the outbox already (whatever became of them)."""
    found: set[str] = set()
    for part in _chunks(list(keys)):
        rows = await session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(part)))
        found.update(rows)
    return found


@dataclass(frozen=True)
class DeliveryChat:
    channel: str
    chat_id: str


async def delivery_chats(
    session: AsyncSession, person_ids: Iterable[int]
) -> dict[int, DeliveryChat]:
    """Where each person's notifications go: their private chat on the channel they prefer
    when they have one there, else the private chat they used most recently."""
    chats: dict[int, DeliveryChat] = {}
    preferred = case((ChatIdentity.channel == Person.preferred_channel, 0), else_=1)
    for part in _chunks(sorted(set(person_ids))):
        rows = await session.execute(
            select(ChatIdentity.person_id, ChatIdentity.channel, ChatIdentity.chat_id)
            .join(Person, Person.id == ChatIdentity.person_id)
            .where(ChatIdentity.person_id.in_(part), ChatIdentity.chat_id.is_not(None))
            .order_by(preferred, ChatIdentity.last_seen_at.desc(), ChatIdentity.id.desc())
        )
        for person_id, channel, chat_id in rows:
            if chat_id is not None:
                chats.setdefault(person_id, DeliveryChat(channel, chat_id))
    return chats


def _starts_with(prefix: str) -> ColumnElement[bool]:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return OutboxMessage.key.like(escaped + "%", escape="\\")


def _chunks(items: list[T]) -> list[list[T]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
