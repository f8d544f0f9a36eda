"""What people see of the shifts: open places near them, their own shifts, a location's roster,
and which reminders a new sign-up will still get.

The roster names everyone on each shift and marks those who asked for a stand-in nobody has
taken yet: they stay on the shift until someone does, so the place is at risk, not empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AssignmentStatus,
    Location,
    Person,
    Shift,
    ShiftAssignment,
    ShiftStatus,
    StandinRequest,
    StandinStatus,
)
from bot.services.shifts import reminders
from bot.services.shifts.roster import Scope, covers


@dataclass(frozen=True)
class OpenShift:
    shift: Shift
    location: Location
    taken: int


async def open_shifts(
    session: AsyncSession, person_id: int, scope: Scope, *, now: datetime, until: datetime
) -> list[OpenShift]:
    """Shifts with room that this person may take, soonest first."""
    taken = (
        select(ShiftAssignment.shift_id, func.count().label("taken"))
        .where(ShiftAssignment.status == AssignmentStatus.ACTIVE)
        .group_by(ShiftAssignment.shift_id)
        .subquery()
    )
    mine = select(ShiftAssignment.shift_id).where(
        ShiftAssignment.person_id == person_id, ShiftAssignment.status == AssignmentStatus.ACTIVE
    )
    rows = (
        await session.execute(
            select(Shift, Location, func.coalesce(taken.c.taken, 0))
            .join(Location, Location.id == Shift.location_id)
            .outerjoin(taken, taken.c.shift_id == Shift.id)
            .where(
                Shift.status == ShiftStatus.OPEN,
                Shift.starts_at > now,
                Shift.starts_at < until,
                func.coalesce(taken.c.taken, 0) < Shift.needed,
                Shift.id.not_in(mine),
            )
            .order_by(Shift.starts_at, Location.name)
        )
    ).all()
    return [OpenShift(s, loc, int(n)) for s, loc, n in rows if covers(scope, loc)]


@dataclass(frozen=True)
class Held:
    assignment: ShiftAssignment
    shift: Shift
    location: Location


async def my_shifts(
    session: AsyncSession, person_id: int, *, now: datetime, until: datetime
) -> list[Held]:
    """A person's shifts that have not ended yet, soonest first."""
    rows = (
        await session.execute(
            select(ShiftAssignment, Shift, Location)
            .join(Shift, Shift.id == ShiftAssignment.shift_id)
            .join(Location, Location.id == Shift.location_id)
            .where(
                ShiftAssignment.person_id == person_id,
                ShiftAssignment.status == AssignmentStatus.ACTIVE,
                Shift.status == ShiftStatus.OPEN,
                Shift.ends_at > now,
                Shift.starts_at < until,
            )
            .order_by(Shift.starts_at)
        )
    ).all()
    return [Held(a, s, loc) for a, s, loc in rows]


@dataclass(frozen=True)
class RosterShift:
    shift: Shift
    people: list[tuple[ShiftAssignment, Person]]
    asking: dict[int, datetime] = field(default_factory=dict)  # assignment -> asked at

    @property
    def missing(self) -> int:
        return max(0, self.shift.needed - len(self.people))


async def roster(
    session: AsyncSession, location_id: int, first: date, last: date
) -> list[RosterShift]:
    """A location's open shifts between two days with who holds them."""
    shifts = list(
        await session.scalars(
            select(Shift)
            .where(
                Shift.location_id == location_id,
                Shift.status == ShiftStatus.OPEN,
                Shift.day >= first,
                Shift.day <= last,
            )
            .order_by(Shift.starts_at)
        )
    )
    holders: dict[int, list[tuple[ShiftAssignment, Person]]] = {s.id: [] for s in shifts}
    if shifts:
        rows = await session.execute(
            select(ShiftAssignment, Person)
            .join(Person, Person.id == ShiftAssignment.person_id)
            .where(
                ShiftAssignment.shift_id.in_(holders),
                ShiftAssignment.status == AssignmentStatus.ACTIVE,
            )
            .order_by(ShiftAssignment.created_at, ShiftAssignment.id)
        )
        for assignment, person in rows:
            holders[assignment.shift_id].append((assignment, person))
    asking = await open_standins(session, list(holders))
    return [RosterShift(shift, holders[shift.id], asking.get(shift.id, {})) for shift in shifts]


async def open_standins(
    session: AsyncSession, shift_ids: list[int]
) -> dict[int, dict[int, datetime]]:
    """Stand-in requests nobody has taken yet: per shift, assignment -> when it was asked."""
    if not shift_ids:
        return {}
    rows = await session.execute(
        select(
            StandinRequest.shift_id, StandinRequest.assignment_id, StandinRequest.created_at
        ).where(
            StandinRequest.shift_id.in_(shift_ids),
            StandinRequest.status == StandinStatus.OPEN,
        )
    )
    found: dict[int, dict[int, datetime]] = {}
    for shift_id, assignment_id, asked_at in rows:
        found.setdefault(shift_id, {})[assignment_id] = asked_at
    return found


async def roster_of(session: AsyncSession, shift: Shift) -> RosterShift:
    for row in await roster(session, shift.location_id, shift.day, shift.day):
        if row.shift.id == shift.id:
            return row
    return RosterShift(shift, [])


def coming_reminders(
    assignment: ShiftAssignment, shift: Shift, policy: reminders.Policy
) -> list[str]:
    """The reminders this assignment will still get, by the planner's own rule at each time."""
    times = policy.send_times(shift)
    return [
        kind
        for kind in reminders.KINDS
        if kind in reminders.due_kinds(assignment, shift, times[kind], policy)
    ]
