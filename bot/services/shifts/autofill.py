"""Auto-fill: propose people for the open places of a week, fairly, then apply on request.

Everyone who may work at the location is eligible, officers and volunteers alike (the same rule
as signing up: `roster.workers_for`, grants for the location's village or the whole commune).
Each open place, in time order, goes to the eligible person with the fewest shifts that month
so far (proposals included), then the fewest in the proposed range, then the lowest id (so the
same data always gives the same proposal). Nobody gets two shifts on one day (held or proposed,
at any location), nor a shift on a day they marked unavailable or overlapping one they hold.
A place nobody can take stays open and is counted, so the officer hears how many are left.
Applying re-checks everything through `join`, plus the day rules above.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import (
    AssignmentSource,
    AssignmentStatus,
    Location,
    Shift,
    ShiftAssignment,
    ShiftStatus,
)
from bot.services.shifts import roster
from bot.services.shifts.attendance import month_counts


@dataclass(frozen=True)
class Proposal:
    shift_id: int
    person_id: int


@dataclass
class Plan:
    """The proposed places, and how many open places nobody eligible could take."""

    proposals: list[Proposal] = field(default_factory=list)
    unfilled: int = 0


@dataclass
class _Load:
    """Who holds what, as the proposal grows: per month, per range, per day, and the shifts."""

    monthly: Counter[tuple[int, date]] = field(default_factory=Counter)
    in_range: Counter[int] = field(default_factory=Counter)
    days: set[tuple[int, date]] = field(default_factory=set)
    held: list[tuple[int, Shift]] = field(default_factory=list)

    def add(self, person_id: int, shift: Shift) -> None:
        self.monthly[(person_id, shift.day.replace(day=1))] += 1
        self.in_range[person_id] += 1
        self.days.add((person_id, shift.day))
        self.held.append((person_id, shift))

    def free_for(self, person_id: int, shift: Shift) -> bool:
        """Not already working that day, and holding nothing that overlaps."""
        if (person_id, shift.day) in self.days:
            return False
        return not any(who == person_id and _overlap(other, shift) for who, other in self.held)

    def rank(self, person_id: int, shift: Shift) -> tuple[int, int, int]:
        """Fewest shifts that month first, then fewest in the range, then the lowest id."""
        month = shift.day.replace(day=1)
        return self.monthly[(person_id, month)], self.in_range[person_id], person_id


async def propose(
    session: AsyncSession, location_ids: list[int], first: date, last: date, *, now: datetime
) -> Plan:
    """Fill the open places of these locations between two days (nothing is changed)."""
    shifts = await _open_shifts(session, location_ids, first, last, now)
    if not shifts:
        return Plan()
    workers = await _workers(session, location_ids)
    everyone = sorted({pid for ids in workers.values() for pid in ids})
    load = _Load()
    holders = await _holders(session, shifts)
    for person_id, shift in await _held(session, everyone, shifts):
        load.days.add((person_id, shift.day))
        load.held.append((person_id, shift))
        load.in_range[person_id] += 1
    for month in sorted({shift.day.replace(day=1) for shift in shifts}):
        for person_id, count in (await month_counts(session, everyone, month)).items():
            load.monthly[(person_id, month)] = count
    away = await roster.unavailable_days(session, everyone, first, last)
    plan = Plan()
    for shift in shifts:
        for _ in range(shift.needed - len(holders[shift.id])):
            pool = [
                pid
                for pid in workers.get(shift.location_id, [])
                if pid not in holders[shift.id]
                and (pid, shift.day) not in away
                and load.free_for(pid, shift)
            ]
            if not pool:
                plan.unfilled += 1
                continue
            chosen = min(pool, key=lambda pid: load.rank(pid, shift))
            plan.proposals.append(Proposal(shift.id, chosen))
            holders[shift.id].add(chosen)
            load.add(chosen, shift)
    return plan


async def _open_shifts(
    session: AsyncSession, location_ids: list[int], first: date, last: date, now: datetime
) -> list[Shift]:
    """Open shifts of these locations between two days that have not started, in time order."""
    return list(
        await session.scalars(
            select(Shift)
            .where(
                Shift.location_id.in_(location_ids),
                Shift.status == ShiftStatus.OPEN,
                Shift.day >= first,
                Shift.day <= last,
                Shift.starts_at > now,
            )
            .order_by(Shift.starts_at, Shift.id)
        )
    )


async def _workers(session: AsyncSession, location_ids: list[int]) -> dict[int, list[int]]:
    """Everyone who may work at each location (volunteers and officers, by their grants)."""
    workers: dict[int, list[int]] = {}
    for location_id in location_ids:
        location = await session.get(Location, location_id)
        if location is not None:
            workers[location_id] = await roster.workers_for(session, location)
    return workers


async def _holders(session: AsyncSession, shifts: list[Shift]) -> dict[int, set[int]]:
    """Who holds each shift now, whether or not they could still be chosen."""
    holders: dict[int, set[int]] = {shift.id: set() for shift in shifts}
    rows = await session.execute(
        select(ShiftAssignment.shift_id, ShiftAssignment.person_id).where(
            ShiftAssignment.shift_id.in_(holders),
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
        )
    )
    for shift_id, person_id in rows:
        holders[shift_id].add(person_id)
    return holders


def _overlap(a: Shift, b: Shift) -> bool:
    return a.id != b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at


async def _held(
    session: AsyncSession, person_ids: list[int], shifts: list[Shift]
) -> list[tuple[int, Shift]]:
    """Active assignments of these people on open shifts on the days of the range."""
    if not person_ids:
        return []
    rows = await session.execute(
        select(ShiftAssignment.person_id, Shift)
        .join(Shift, Shift.id == ShiftAssignment.shift_id)
        .where(
            ShiftAssignment.person_id.in_(person_ids),
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            Shift.status == ShiftStatus.OPEN,
            Shift.day >= min(shift.day for shift in shifts),
            Shift.day <= max(shift.day for shift in shifts),
        )
    )
    return [(person_id, shift) for person_id, shift in rows]


async def works_that_day(session: AsyncSession, person_id: int, shift: Shift) -> bool:
    """Whether the person holds another open shift on the shift's day."""
    found = await session.scalar(
        select(ShiftAssignment.id)
        .join(Shift, Shift.id == ShiftAssignment.shift_id)
        .where(
            ShiftAssignment.person_id == person_id,
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            Shift.status == ShiftStatus.OPEN,
            Shift.day == shift.day,
            Shift.id != shift.id,
        )
        .limit(1)
    )
    return found is not None


async def apply(
    session: AsyncSession, proposals: list[Proposal], *, actor_id: int, now: datetime
) -> tuple[int, int]:
    """Assign what was proposed; places that changed meanwhile are skipped. (applied, skipped)"""
    applied = skipped = 0
    for proposal in proposals:
        shift = await session.get(Shift, proposal.shift_id)
        if (
            shift is None
            or await roster.unavailable_days(session, [proposal.person_id], shift.day, shift.day)
            or await works_that_day(session, proposal.person_id, shift)
        ):
            skipped += 1
            continue
        try:
            await roster.join(
                session,
                proposal.shift_id,
                proposal.person_id,
                now=now,
                source=AssignmentSource.AUTOFILL,
                by_id=actor_id,
            )
        except DomainError:
            skipped += 1
        else:
            applied += 1
    return applied, skipped
