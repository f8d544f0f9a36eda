"""Alerts to officers: a stand-in nobody took in time, and shifts still short the day before.

Each alert goes through the outbox with a key per shift (or request) and officer, so the
planner may look every minute without repeating itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.shifts import OpenShift
from bot.config import Settings
from bot.core.messages import Choice, Reply
from bot.db.models import (
    AssignmentStatus,
    Location,
    Person,
    Role,
    RoleGrant,
    Shift,
    ShiftAssignment,
    ShiftStatus,
    StandinRequest,
    StandinStatus,
)
from bot.locales import t
from bot.services import outbox
from bot.services.shifts import roster
from bot.services.shifts import text as shift_text
from bot.services.shifts.calendar import local_instant

LOOKAHEAD = timedelta(hours=48)


async def officers_for(session: AsyncSession, location: Location) -> list[int]:
    """Officers covering a location; its commune's admins when there are none."""
    officers = await roster.workers_for(session, location, {Role.OFFICER})
    if officers:
        return officers
    admins = await session.scalars(
        select(RoleGrant.person_id).where(
            RoleGrant.role == Role.ADMIN,
            RoleGrant.commune_id == location.commune_id,
            RoleGrant.revoked_at.is_(None),
        )
    )
    return sorted(set(admins))


async def tell_officers(
    session: AsyncSession,
    key_for: Callable[[int], str],
    location: Location,
    shift: Shift,
    reply: Reply,
    now: datetime,
    *,
    besides: int | None = None,
) -> int:
    """Queue `reply` to every officer of the location (but `besides`), keyed per officer."""
    officers = [pid for pid in await officers_for(session, location) if pid != besides]
    done = await outbox.queued_keys(session, [key_for(officer_id) for officer_id in officers])
    sent = 0
    for officer_id in officers:
        if key_for(officer_id) in done:
            continue
        sent += await outbox.enqueue(
            session, key_for(officer_id), officer_id, reply, now=now, expires_at=shift.ends_at
        )
    return sent


def shift_button(shift: Shift) -> Choice:
    return OpenShift(shift.id).button(t("shift_roster.open_shift"))


async def standin_unfilled(
    session: AsyncSession,
    request: StandinRequest,
    shift: Shift,
    location: Location,
    now: datetime,
    settings: Settings,
) -> None:
    """Nobody can or did take a stand-in request: the officers must find someone."""
    request.alerted_at = now
    asker = await session.get(Person, request.requested_by_id)
    text = t(
        "shift_standin.alert",
        name=shift_text.name_of(asker),
        when=shift_text.when(shift, settings.commune.tz),
        place=location.name,
    )
    reply = Reply(text, choices=(shift_button(shift),))
    await tell_officers(
        session,
        partial(outbox.Keys.standin_alert, request.id),
        location,
        shift,
        reply,
        now,
    )


async def overdue_standins(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Alert about requests still open at the deadline; close those whose shift started."""
    deadline = timedelta(minutes=settings.shifts.standin_deadline_minutes)
    rows = await session.execute(
        select(StandinRequest, Shift, Location)
        .join(Shift, Shift.id == StandinRequest.shift_id)
        .join(Location, Location.id == Shift.location_id)
        .where(StandinRequest.status == StandinStatus.OPEN)
    )
    alerted = 0
    for request, shift, location in rows:
        if shift.starts_at <= now:
            request.status = StandinStatus.EXPIRED.value
        elif request.alerted_at is None and shift.starts_at - deadline <= now:
            await standin_unfilled(session, request, shift, location, now, settings)
            alerted += 1
    await session.flush()
    return alerted


async def understaffed(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """From the alert hour the day before, tell officers about shifts still short of people."""
    tz = settings.commune.tz
    alert_at = time(settings.shifts.understaffed_alert_hour)
    shifts = [
        (shift, location)
        for shift, location in (
            await session.execute(
                select(Shift, Location)
                .join(Location, Location.id == Shift.location_id)
                .where(
                    Shift.status == ShiftStatus.OPEN,
                    Shift.starts_at > now,
                    Shift.starts_at <= now + LOOKAHEAD,
                )
                .order_by(Shift.starts_at)
            )
        )
        if local_instant(shift.day - timedelta(days=1), alert_at, tz) <= now
    ]
    if not shifts:
        return 0
    staffed = await _staffed(session, [shift.id for shift, _ in shifts])
    alerted = 0
    for shift, location in shifts:
        have = staffed.get(shift.id, 0)
        if have >= shift.needed:
            continue
        text = t(
            "shift_roster.understaffed_alert",
            when=shift_text.when(shift, tz),
            place=location.name,
            missing=shift.needed - have,
            have=have,
            needed=shift.needed,
        )
        reply = Reply(text, choices=(shift_button(shift),))
        alerted += bool(
            await tell_officers(
                session,
                partial(outbox.Keys.understaffed, shift.id),
                location,
                shift,
                reply,
                now,
            )
        )
    return alerted


async def _staffed(session: AsyncSession, shift_ids: list[int]) -> dict[int, int]:
    """People on each shift who have not asked for a stand-in."""
    asking = select(StandinRequest.assignment_id).where(
        StandinRequest.status == StandinStatus.OPEN
    )
    rows = await session.execute(
        select(ShiftAssignment.shift_id, func.count())
        .where(
            ShiftAssignment.shift_id.in_(shift_ids),
            ShiftAssignment.status == AssignmentStatus.ACTIVE,
            ShiftAssignment.id.not_in(asking),
        )
        .group_by(ShiftAssignment.shift_id)
    )
    return {shift_id: int(count) for shift_id, count in rows}
