"""Who works which shift: eligibility, sign-up, withdrawal, assignment by officers, days away.

A volunteer or officer may work at the locations of the villages their roles cover, and at
commune-wide locations (the one-stop desk) in any case. Places on a shift are counted with the
shift row locked (FOR UPDATE on PostgreSQL; SQLite serialises writers), so two people can
never take the last place at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import (
    AssignmentSource,
    AssignmentStatus,
    Location,
    Role,
    RoleGrant,
    Shift,
    ShiftAssignment,
    ShiftStatus,
    StandinRequest,
    StandinStatus,
    Unavailability,
)
from bot.services import audit, outbox, people
from bot.services.shifts import reminders

WORK_ROLES = frozenset({Role.VOLUNTEER, Role.OFFICER})
LEAD_ROLES = frozenset({Role.OFFICER, Role.ADMIN})
Scope = frozenset[int] | None


async def scope_of(
    session: AsyncSession, person_id: int, roles: Iterable[Role] = WORK_ROLES
) -> Scope:
    """Locations a person's grants of `roles` cover (None: every one, as with a whole-commune
    role in an installation of one commune): those of their villages, and the desks of the
    communes they hold those roles in."""
    wanted = list(roles)
    villages = await people.village_scope(session, person_id, wanted)
    if villages is None:
        return None
    communes = await people.communes_of(session, person_id, wanted)
    query = select(Location.id).where(
        or_(
            Location.village_id.in_(villages),
            Location.village_id.is_(None) & Location.commune_id.in_(communes),
        )
    )
    return frozenset(await session.scalars(query))


def covers(scope: Scope, location: Location) -> bool:
    return scope is None or location.id in scope


async def may_work_at(session: AsyncSession, person_id: int, location: Location) -> bool:
    """Has a volunteer or officer role that covers the location."""
    grants = (
        await session.scalars(
            select(RoleGrant.village_id).where(
                RoleGrant.person_id == person_id,
                RoleGrant.revoked_at.is_(None),
                RoleGrant.role.in_([role.value for role in WORK_ROLES]),
            )
        )
    ).all()
    if not grants:
        return False
    return None in grants or location.village_id is None or location.village_id in grants


async def locations_in(session: AsyncSession, scope: Scope) -> list[Location]:
    query = select(Location).order_by(Location.name)
    if scope is not None:
        query = query.where(Location.id.in_(scope))
    return list(await session.scalars(query))


async def workers_for(
    session: AsyncSession, location: Location, roles: Iterable[Role] = WORK_ROLES
) -> list[int]:
    """People who may work at a location (holding a role in its commune), by id."""
    query = select(RoleGrant.person_id).where(
        RoleGrant.revoked_at.is_(None),
        RoleGrant.commune_id == location.commune_id,
        RoleGrant.role.in_([Role(r).value for r in roles]),
    )
    if location.village_id is not None:
        query = query.where(
            or_(RoleGrant.village_id.is_(None), RoleGrant.village_id == location.village_id)
        )
    return sorted(set(await session.scalars(query)))


async def taken_count(session: AsyncSession, shift_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                ShiftAssignment.shift_id == shift_id,
                ShiftAssignment.status == AssignmentStatus.ACTIVE,
            )
        )
        or 0
    )


async def busy_people(session: AsyncSession, person_ids: Iterable[int], shift: Shift) -> set[int]:
    """Those already holding a shift that overlaps this one (this one included)."""
    ids = list(person_ids)
    if not ids:
        return set()
    rows = await session.scalars(
        select(ShiftAssignment.person_id)
        .join(Shift, Shift.id == ShiftAssignment.shift_id)
        .where(
            ShiftAssignment.person_id.in_(ids),
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
    )
    return set(rows)


async def locked_shift(session: AsyncSession, shift_id: int) -> Shift:
    """The shift row, locked until the transaction ends; a cancelled one looks missing."""
    shift = await session.scalar(
        select(Shift)
        .where(Shift.id == shift_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if shift is None or shift.status != ShiftStatus.OPEN:
        raise DomainError("shifts.not_found")
    return shift


async def join(
    session: AsyncSession,
    shift_id: int,
    person_id: int,
    *,
    now: datetime,
    source: AssignmentSource = AssignmentSource.SIGNUP,
    by_id: int | None = None,
) -> ShiftAssignment:
    """Put a person on a shift if it has room, they may work there and are free then."""
    shift = await locked_shift(session, shift_id)
    if shift.starts_at <= now:
        raise DomainError("shifts.already_started")
    location = await session.get(Location, shift.location_id)
    if location is None or not await may_work_at(session, person_id, location):
        raise DomainError("shifts.not_your_area")
    if person_id in await busy_people(session, [person_id], shift):
        mine = await session.scalar(
            select(ShiftAssignment.id).where(
                ShiftAssignment.shift_id == shift.id,
                ShiftAssignment.person_id == person_id,
                ShiftAssignment.status == AssignmentStatus.ACTIVE,
            )
        )
        raise DomainError("shifts.already_yours" if mine else "shifts.busy_then")
    if await taken_count(session, shift.id) >= shift.needed:
        raise DomainError("shifts.full")
    assignment = ShiftAssignment(
        shift_id=shift.id,
        person_id=person_id,
        source=source.value,
        assigned_by_id=by_id,
        created_at=now,
    )
    session.add(assignment)
    await session.flush()
    await audit.record(
        session,
        actor_id=by_id or person_id,
        action=source.value,
        entity="shift_assignment",
        entity_id=assignment.id,
        after={"shift_id": shift.id, "person_id": person_id},
    )
    return assignment


async def own_assignment(
    session: AsyncSession, assignment_id: int, person_id: int
) -> tuple[ShiftAssignment, Shift]:
    """A person's active assignment and its shift; anyone else's looks missing."""
    assignment = await session.get(ShiftAssignment, assignment_id)
    if (
        assignment is None
        or assignment.person_id != person_id
        or assignment.status != AssignmentStatus.ACTIVE
    ):
        raise DomainError("shifts.not_yours")
    shift = await session.get(Shift, assignment.shift_id)
    if shift is None or shift.status != ShiftStatus.OPEN:
        raise DomainError("shifts.not_found")
    return assignment, shift


async def end(
    session: AsyncSession,
    assignment: ShiftAssignment,
    status: AssignmentStatus,
    *,
    now: datetime,
    actor_id: int | None,
) -> None:
    """Take a person off a shift; reminders not sent yet and an open stand-in request go."""
    assignment.status, assignment.ended_at = status.value, now
    await reminders.drop_pending(session, assignment.id)
    asking = list(
        await session.scalars(
            select(StandinRequest).where(
                StandinRequest.assignment_id == assignment.id,
                StandinRequest.status == StandinStatus.OPEN,
            )
        )
    )
    for request in asking:
        request.status = StandinStatus.CANCELLED.value
        await outbox.cancel(
            session, outbox.Keys.standin_offers(request.id), "stand-in request closed"
        )
    await audit.record(
        session,
        actor_id=actor_id,
        action=status.value,
        entity="shift_assignment",
        entity_id=assignment.id,
        before={"shift_id": assignment.shift_id, "person_id": assignment.person_id},
    )
    await session.flush()


async def withdraw(
    session: AsyncSession, assignment_id: int, person_id: int, *, now: datetime, cutoff: timedelta
) -> Shift:
    """Step back from a shift, up to `cutoff` before it starts; later, ask for a stand-in."""
    assignment, shift = await own_assignment(session, assignment_id, person_id)
    if shift.starts_at - now < cutoff:
        raise DomainError("shifts.too_late_to_withdraw", hours=int(cutoff.total_seconds() // 3600))
    await end(session, assignment, AssignmentStatus.WITHDRAWN, now=now, actor_id=person_id)
    return shift


def can_withdraw(shift: Shift, now: datetime, cutoff: timedelta) -> bool:
    return shift.starts_at - now >= cutoff


# ----------------------------------------------------------------------------- availability


async def unavailable_days(
    session: AsyncSession, person_ids: Iterable[int], first: date, last: date
) -> set[tuple[int, date]]:
    ids = list(person_ids)
    if not ids:
        return set()
    rows = await session.execute(
        select(Unavailability.person_id, Unavailability.day).where(
            and_(
                Unavailability.person_id.in_(ids),
                Unavailability.day >= first,
                Unavailability.day <= last,
            )
        )
    )
    return {(person_id, day) for person_id, day in rows}


async def toggle_unavailable(
    session: AsyncSession, person_id: int, day: date, *, now: datetime
) -> bool:
    """Mark or unmark a day as unavailable; returns True if it is now marked."""
    mark = await session.get(Unavailability, (person_id, day))
    if mark is not None:
        await session.delete(mark)
        await session.flush()
        return False
    session.add(Unavailability(person_id=person_id, day=day, created_at=now))
    await session.flush()
    return True
