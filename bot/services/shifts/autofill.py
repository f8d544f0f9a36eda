"""Auto-fill: propose officers for the open places of a week, fairly, then apply on request.

Each open place, in time order, goes to the eligible officer with the fewest shifts that
month so far (proposals included), then the fewest that day, then the lowest id (so the
same data always gives the same proposal). Officers who marked the day unavailable, or who
hold an overlapping shift, are left out. Applying re-checks everything through `join`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import (
    AssignmentSource,
    AssignmentStatus,
    Location,
    Role,
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


async def propose(
    session: AsyncSession, location_ids: list[int], first: date, last: date, *, now: datetime
) -> list[Proposal]:
    shifts = list(
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
    if not shifts:
        return []
    officers: dict[int, list[int]] = {}
    for location_id in location_ids:
        location = await session.get(Location, location_id)
        if location is not None:
            officers[location_id] = await roster.workers_for(session, location, {Role.OFFICER})
    everyone = sorted({pid for ids in officers.values() for pid in ids})
    held = await _held(session, everyone, shifts)
    holders: dict[int, set[int]] = {shift.id: set() for shift in shifts}
    for person_id, shift in held:
        if shift.id in holders:
            holders[shift.id].add(person_id)
    away = await roster.unavailable_days(session, everyone, first, last)
    monthly: Counter[tuple[int, date]] = Counter()
    for month in sorted({shift.day.replace(day=1) for shift in shifts}):
        for person_id, count in (await month_counts(session, everyone, month)).items():
            monthly[(person_id, month)] = count
    daily: Counter[tuple[int, date]] = Counter((pid, shift.day) for pid, shift in held)
    busy: list[tuple[int, Shift]] = list(held)
    proposals: list[Proposal] = []
    for shift in shifts:
        for _ in range(shift.needed - len(holders[shift.id])):
            pool = [
                pid
                for pid in officers.get(shift.location_id, [])
                if pid not in holders[shift.id]
                and (pid, shift.day) not in away
                and not any(_overlap(other, shift) for who, other in busy if who == pid)
            ]
            if not pool:
                break
            month = shift.day.replace(day=1)
            chosen = min(pool, key=lambda p: (monthly[(p, month)], daily[(p, shift.day)], p))
            proposals.append(Proposal(shift.id, chosen))
            holders[shift.id].add(chosen)
            monthly[(chosen, month)] += 1
            daily[(chosen, shift.day)] += 1
            busy.append((chosen, shift))
    return proposals


def _overlap(a: Shift, b: Shift) -> bool:
    return a.id != b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at


async def _held(
    session: AsyncSession, person_ids: list[int], shifts: list[Shift]
) -> list[tuple[int, Shift]]:
    """Active assignments of these people on open shifts around the range."""
    if not person_ids:
        return []
    start = min(shift.starts_at for shift in shifts)
    end = max(shift.ends_at for shift in shifts)
    rows = await session.execute(
        select(ShiftAssignment.person_id, Shift)
        .join(Shift, Shift.id == ShiftAssignment.shift_id)
        .where(
            ShiftAssignment.person_id.in_(person_ids),
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at < end,
            Shift.ends_at > start,
        )
    )
    return [(person_id, shift) for person_id, shift in rows]


async def apply(
    session: AsyncSession, proposals: list[Proposal], *, actor_id: int, now: datetime
) -> tuple[int, int]:
    """Assign what was proposed; places that changed meanwhile are skipped. (applied, skipped)"""
    applied = skipped = 0
    for proposal in proposals:
        shift = await session.get(Shift, proposal.shift_id)
        if shift is None or await roster.unavailable_days(
            session, [proposal.person_id], shift.day, shift.day
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
