"""Attendance: check-in near the shift time, no-shows marked by officers, monthly counts.

A shift counts as served once it has ended, unless an officer marked the person absent;
checking in is recorded too, but forgetting to press the button does not make a no-show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import (
    AssignmentStatus,
    Location,
    Person,
    Shift,
    ShiftAssignment,
    ShiftStatus,
)
from bot.services import audit
from bot.services.shifts import roster
from bot.services.shifts import text as shift_text

CURRENT_MARGIN = timedelta(hours=1)


async def check_in(
    session: AsyncSession,
    assignment_id: int,
    person_id: int,
    *,
    now: datetime,
    opens_before: timedelta,
    tz: ZoneInfo,
) -> tuple[ShiftAssignment, Shift]:
    """Record arrival, from `opens_before` the start until the end; pressing twice is fine."""
    assignment, shift = await roster.own_assignment(session, assignment_id, person_id)
    if now < shift.starts_at - opens_before:
        opens = shift_text.clock(shift.starts_at - opens_before, tz)
        raise DomainError("shift_attend.too_early", opens=opens)
    if now > shift.ends_at:
        raise DomainError("shift_attend.over")
    if assignment.checked_in_at is None:
        assignment.checked_in_at, assignment.no_show = now, False
        await session.flush()
    return assignment, shift


async def set_no_show(
    session: AsyncSession,
    assignment: ShiftAssignment,
    shift: Shift,
    *,
    value: bool,
    actor_id: int,
    now: datetime,
) -> None:
    """An officer marks (or unmarks) someone absent, once the shift has started."""
    if shift.starts_at > now:
        raise DomainError("shift_attend.not_started")
    if assignment.status != AssignmentStatus.ACTIVE:
        raise DomainError("shifts.not_found")
    assignment.no_show = value
    assignment.no_show_by_id = actor_id if value else None
    await audit.record(
        session,
        actor_id=actor_id,
        action="no_show" if value else "present",
        entity="shift_assignment",
        entity_id=assignment.id,
        after={"no_show": value},
    )
    await session.flush()


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


async def month_counts(
    session: AsyncSession, person_ids: Iterable[int], day: date
) -> dict[int, int]:
    """Shifts each person holds in the month of `day` (for fair rotation)."""
    ids = list(person_ids)
    if not ids:
        return {}
    first, last = month_bounds(day)
    rows = await session.execute(
        select(ShiftAssignment.person_id, func.count())
        .join(Shift, Shift.id == ShiftAssignment.shift_id)
        .where(
            ShiftAssignment.person_id.in_(ids),
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            Shift.status == ShiftStatus.OPEN,
            Shift.day >= first,
            Shift.day <= last,
        )
        .group_by(ShiftAssignment.person_id)
    )
    return {person_id: int(count) for person_id, count in rows}


@dataclass
class MonthlyCount:
    person_id: int
    name: str
    served: int = 0
    hours: float = 0.0
    no_shows: int = 0
    checked_in: int = 0
    upcoming: int = 0


async def monthly_counts(
    session: AsyncSession,
    year: int,
    month: int,
    *,
    now: datetime,
    person_id: int | None = None,
    commune_id: int | None = None,
) -> list[MonthlyCount]:
    """Per person for one month: shifts served, hours, no-shows, check-ins, still to come
    (at one commune's places when given)."""
    first, last = month_bounds(date(year, month, 1))
    return await counts_between(
        session, first, last, now=now, person_id=person_id, commune_id=commune_id
    )


async def counts_between(
    session: AsyncSession,
    first: date,
    last: date,
    *,
    now: datetime,
    person_id: int | None = None,
    commune_id: int | None = None,
) -> list[MonthlyCount]:
    """As monthly_counts, for the shifts from `first` to `last` (both included)."""
    query = (
        select(ShiftAssignment, Shift, Person)
        .join(Shift, Shift.id == ShiftAssignment.shift_id)
        .join(Person, Person.id == ShiftAssignment.person_id)
        .where(
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            Shift.status == ShiftStatus.OPEN,
            Shift.day >= first,
            Shift.day <= last,
        )
    )
    if person_id is not None:
        query = query.where(ShiftAssignment.person_id == person_id)
    if commune_id is not None:
        here = select(Location.id).where(Location.commune_id == commune_id)
        query = query.where(Shift.location_id.in_(here))
    counts: dict[int, MonthlyCount] = {}
    for assignment, shift, person in await session.execute(query):
        entry = counts.setdefault(person.id, MonthlyCount(person.id, person.display_name))
        entry.checked_in += assignment.checked_in_at is not None
        if shift.ends_at > now:
            entry.upcoming += 1
        elif assignment.no_show:
            entry.no_shows += 1
        else:
            entry.served += 1
            entry.hours += (shift.ends_at - shift.starts_at).total_seconds() / 3600
    return sorted(counts.values(), key=lambda entry: (entry.name, entry.person_id))


async def current_shift_id(session: AsyncSession, person_id: int, now: datetime) -> int | None:
    """The shift a person is on right now (give or take an hour), for the assistance log."""
    return await session.scalar(
        select(Shift.id)
        .join(ShiftAssignment, ShiftAssignment.shift_id == Shift.id)
        .where(
            ShiftAssignment.person_id == person_id,
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at <= now + CURRENT_MARGIN,
            Shift.ends_at >= now - CURRENT_MARGIN,
        )
        .order_by(Shift.starts_at)
        .limit(1)
    )
