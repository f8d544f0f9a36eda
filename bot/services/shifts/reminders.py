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

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.shifts import CannotCome, CheckIn, MyShifts
from bot.config import Settings
from bot.core.messages import Reply
from bot.db.models import (
    AssignmentStatus,
    Location,
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
    cannot = CannotCome(assignment.id).button(t("shift_remind.cannot_come"))
    if kind == EVE:
        return Reply(
            t("shift_remind.eve", **values),
            choices=(cannot, MyShifts().button(t("shifts.my_button"))),
        )
    return Reply(
        t("shift_remind.soon", minutes=policy.minutes_before, **values),
        choices=(CheckIn(assignment.id).button(t("shift_remind.check_in")), cannot),
    )


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
    done = await outbox.queued_keys(
        session, [outbox.Keys.reminder(a.id, kind) for kind, a, _, _ in due]
    )
    chats = await outbox.delivery_chats(
        session, [assignment.person_id for _, assignment, _, _ in due]
    )
    queued = 0
    for kind, assignment, shift, location in due:
        chat = chats.get(assignment.person_id)
        if outbox.Keys.reminder(assignment.id, kind) in done or chat is None:
            continue
        queued += await outbox.enqueue_to_chat(
            session,
            outbox.Keys.reminder(assignment.id, kind),
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
    for kind in KINDS:
        await outbox.cancel(session, outbox.Keys.reminder(assignment_id, kind), "assignment ended")
