"""Shift reminders: which are due now, queued in the outbox once each (key per assignment).

Two reminders per assignment: the evening before at a set hour ("eve"), and some minutes
before the start with the check-in button ("soon"). The planner runs every minute and queues
what is due; the outbox key `reminder:{assignment}:{kind}` makes repeats (and a second planner
after a restart) harmless. Every reminder expires at the shift's start, so after downtime the
stale ones are dropped and the rest still go out. A reminder whose time came before the
person took the shift is not sent (they have just seen it), and the evening one is skipped
once the "soon" one is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.messages import Choice, Reply
from bot.db.models import (
    AssignmentStatus,
    ChatIdentity,
    Location,
    OutboxMessage,
    OutboxStatus,
    Shift,
    ShiftAssignment,
    ShiftStatus,
)
from bot.locales import t
from bot.services import outbox
from bot.services.shifts import text as shift_text
from bot.services.shifts.calendar import local_instant

EVE, SOON = "eve", "soon"
KINDS = (EVE, SOON)
HORIZON = timedelta(hours=48)
CHUNK = 500
T = TypeVar("T")


def key(assignment_id: int, kind: str) -> str:
    return f"reminder:{assignment_id}:{kind}"


@dataclass(frozen=True)
class Policy:
    evening_hour: int
    minutes_before: int
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            settings.shifts.evening_reminder_hour,
            settings.shifts.reminder_minutes_before,
            settings.commune.tz,
        )

    def send_times(self, shift: Shift) -> dict[str, datetime]:
        eve = local_instant(shift.day - timedelta(days=1), time(self.evening_hour), self.tz)
        return {EVE: eve, SOON: shift.starts_at - timedelta(minutes=self.minutes_before)}


def due_kinds(
    assignment: ShiftAssignment, shift: Shift, now: datetime, policy: Policy
) -> list[str]:
    """The reminders of one assignment that should be queued now."""
    if now >= shift.starts_at:
        return []
    times = policy.send_times(shift)
    kinds = [kind for kind in KINDS if assignment.created_at < times[kind] <= now]
    if SOON in kinds or times[SOON] <= now:
        kinds = [kind for kind in kinds if kind != EVE]
    return kinds


def reminder_reply(
    kind: str, assignment: ShiftAssignment, shift: Shift, location: Location, policy: Policy
) -> Reply:
    values = {"when": shift_text.when(shift, policy.tz), "place": shift_text.place(location)}
    cannot = Choice(t("shift_remind.cannot_come"), f"sb:{assignment.id}")
    if kind == EVE:
        return Reply(
            t("shift_remind.eve", **values),
            choices=(cannot, Choice(t("shifts.my_button"), "sm")),
        )
    return Reply(
        t("shift_remind.soon", minutes=policy.minutes_before, **values),
        choices=(Choice(t("shift_remind.check_in"), f"sc:{assignment.id}"), cannot),
    )


async def last_chats(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, ChatIdentity]:
    """Each person's most recently used chat."""
    chats: dict[int, ChatIdentity] = {}
    for part in _chunks(sorted(set(person_ids))):
        rows = await session.scalars(
            select(ChatIdentity)
            .where(ChatIdentity.person_id.in_(part))
            .order_by(ChatIdentity.last_seen_at.desc(), ChatIdentity.id.desc())
        )
        for identity in rows:
            chats.setdefault(identity.person_id, identity)
    return chats


async def queued_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in _chunks(list(keys)):
        rows = await session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(part)))
        found.update(rows)
    return found


async def plan(session: AsyncSession, now: datetime, policy: Policy) -> int:
    """Queue every reminder due now that is not queued yet; returns how many were queued."""
    rows = await session.execute(
        select(ShiftAssignment, Shift, Location)
        .join(Shift, Shift.id == ShiftAssignment.shift_id)
        .join(Location, Location.id == Shift.location_id)
        .where(
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at > now,
            Shift.starts_at <= now + HORIZON,
        )
    )
    due = [
        (kind, assignment, shift, location)
        for assignment, shift, location in rows
        for kind in due_kinds(assignment, shift, now, policy)
    ]
    if not due:
        return 0
    done = await queued_keys(session, [key(a.id, kind) for kind, a, _, _ in due])
    chats = await last_chats(session, [assignment.person_id for _, assignment, _, _ in due])
    queued = 0
    for kind, assignment, shift, location in due:
        chat = chats.get(assignment.person_id)
        if key(assignment.id, kind) in done or chat is None:
            continue
        queued += await outbox.enqueue_to_chat(
            session,
            key(assignment.id, kind),
            chat.channel,
            chat.chat_id,
            reminder_reply(kind, assignment, shift, location, policy),
            person_id=assignment.person_id,
            now=now,
            expires_at=shift.starts_at,
        )
    return queued


async def drop_pending(session: AsyncSession, assignment_id: int) -> None:
    """Reminders of an assignment that ended and were not sent yet are never sent."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.key.in_([key(assignment_id, kind) for kind in KINDS]),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.EXPIRED.value, last_error="assignment ended")
    )


async def drop_offers(session: AsyncSession, request_id: int) -> None:
    """Stand-in offers of a closed request that were not sent yet are never sent."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.key.like(f"standin:{request_id}:offer:%"),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.EXPIRED.value, last_error="stand-in request closed")
    )


def _chunks(items: list[T]) -> list[list[T]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
