"""Help requests nobody takes: the officers are told after a while, and at the end of the
desk's day the request becomes a written question answered later (bot/services/questions.py).

The planner may run every minute, late, twice or after a restart: escalation is a conditional
UPDATE of `escalated_at` plus outbox keys per officer, and a request becomes a question only by
leaving "open" (conditionally) with one question per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.handoff import TakeRequest
from bot.config import Settings
from bot.core.errors import DomainError
from bot.core.messages import Reply
from bot.db.models import (
    HelpRequest,
    HelpStatus,
    Location,
    Person,
    Question,
    Role,
    Shift,
    ShiftStatus,
)
from bot.locales import t
from bot.services import handoff, outbox
from bot.services.shifts.calendar import is_working_day, local_instant

# A desk closed this many days in a row (Tết) is not looked past: the request waits anyway.
MAX_DAYS_AHEAD = 15


@dataclass(frozen=True)
class Policy:
    after: timedelta
    closes_at: time
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            timedelta(minutes=settings.handoff.escalate_after_minutes),
            settings.handoff.desk_closes_at,
            settings.commune.tz,
        )


async def officers(session: AsyncSession, commune_id: int) -> list[int]:
    """Whom a late request goes to: the commune's officers; its admins when there are none."""
    return await handoff.holders(session, (Role.OFFICER,), commune_id) or await handoff.holders(
        session, (Role.ADMIN,), commune_id
    )


async def escalate(session: AsyncSession, now: datetime, policy: Policy) -> int:
    """Tell the officers, once, about every request still open `policy.after` after it came."""
    late = await session.scalars(
        select(HelpRequest)
        .where(
            HelpRequest.status == HelpStatus.OPEN,
            HelpRequest.escalated_at.is_(None),
            HelpRequest.created_at <= now - policy.after,
        )
        .order_by(HelpRequest.id)
    )
    told = 0
    for request in list(late):
        marked = await session.execute(
            update(HelpRequest)
            .where(
                HelpRequest.id == request.id,
                HelpRequest.status == HelpStatus.OPEN,
                HelpRequest.escalated_at.is_(None),
            )
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(marked, CursorResult)
        if marked.rowcount != 1:
            continue
        citizen = await session.get(Person, request.person_id)
        text = t(
            "questions.escalated",
            number=request.id,
            minutes=int(policy.after.total_seconds() // 60),
            name=handoff.name_of(citizen),
            question=request.question,
        )
        reply = Reply(text, choices=(TakeRequest(request.id).button(t("handoff.take_button")),))
        for officer_id in await officers(session, request.commune_id):
            if officer_id == request.person_id:
                continue
            key = outbox.Keys.handoff_escalation(request.id, officer_id)
            await outbox.enqueue(session, key, officer_id, reply, now=now)
        told += 1
    return told


async def day_end(
    session: AsyncSession, day: date, policy: Policy, commune_id: int
) -> datetime | None:
    """When the commune's desk day ends: its last shift that day; on one of its working days
    (its own days off and the province's count) without shifts, `closes_at`; None when the
    desk does not work that day."""
    last = await session.scalar(
        select(func.max(Shift.ends_at))
        .join(Location, Location.id == Shift.location_id)
        .where(
            Shift.day == day,
            Shift.status == ShiftStatus.OPEN,
            Location.commune_id == commune_id,
        )
    )
    if last is not None:
        return last
    if await is_working_day(session, day, commune_id):
        return local_instant(day, policy.closes_at, policy.tz)
    return None


async def deadline(
    session: AsyncSession, asked_at: datetime, policy: Policy, commune_id: int
) -> datetime:
    """The end of the first day of the commune's desk that ends after the request came (a
    request sent in the evening waits for the next working day)."""
    day = asked_at.astimezone(policy.tz).date()
    for _ in range(MAX_DAYS_AHEAD):
        end = await day_end(session, day, policy, commune_id)
        if end is not None and end > asked_at:
            return end
        day += timedelta(days=1)
    return local_instant(day, policy.closes_at, policy.tz)


async def queue_untaken(session: AsyncSession, now: datetime, policy: Policy) -> int:
    """Requests nobody took by the end of their desk day become written questions, and the
    citizen is told honestly how long an answer may take."""
    waiting = await session.scalars(
        select(HelpRequest)
        .where(HelpRequest.status == HelpStatus.OPEN)
        .order_by(HelpRequest.created_at, HelpRequest.id)
    )
    queued = 0
    for request in list(waiting):
        if await deadline(session, request.created_at, policy, request.commune_id) > now:
            continue
        text, asked_at = request.question, request.created_at
        try:
            request = await handoff.queue_unanswered(session, request, now=now)
        except DomainError:
            continue  # taken or cancelled meanwhile
        question = Question(
            person_id=request.person_id,
            commune_id=request.commune_id,
            request_id=request.id,
            text=text,
            created_at=asked_at,
        )
        session.add(question)
        await session.flush()
        notice = Reply(t("questions.queued_citizen", number=request.id, question=text))
        key = outbox.Keys.handoff_event(request.id, "queued")
        await outbox.enqueue(session, key, request.person_id, notice, now=now)
        queued += 1
    return queued
