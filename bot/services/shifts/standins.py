"""Stand-ins: "I can't come" offers the shift to others; the first to accept takes it.

The request is taken with a conditional UPDATE (… WHERE status = 'open'), and only the
transaction that changed the row goes on: on PostgreSQL a second accept waits for the first
to commit and then finds nothing to update; SQLite runs one writer at a time. The person
who asked stays on the shift until someone takes it. Officers hear when it is taken, and get
an alert if nobody has taken it a set time before the start.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.shifts import TakeStandIn
from bot.config import Settings
from bot.core.errors import DomainError
from bot.core.messages import Reply
from bot.db.models import (
    AssignmentSource,
    AssignmentStatus,
    Location,
    Person,
    Shift,
    ShiftAssignment,
    StandinRequest,
    StandinStatus,
)
from bot.locales import t
from bot.services import audit, outbox
from bot.services.shifts import alerts, roster
from bot.services.shifts import text as shift_text
from bot.services.shifts.attendance import month_counts


async def ask(
    session: AsyncSession, assignment_id: int, person_id: int, *, now: datetime, settings: Settings
) -> tuple[StandinRequest, int | None]:
    """Open a stand-in request and offer the shift: (request, offers made or None if open)."""
    assignment, shift = await roster.own_assignment(session, assignment_id, person_id)
    if shift.starts_at <= now:
        raise DomainError("shift_standin.too_late")
    existing = await session.scalar(
        select(StandinRequest).where(
            StandinRequest.assignment_id == assignment.id,
            StandinRequest.status == StandinStatus.OPEN,
        )
    )
    if existing is not None:
        return existing, None
    request = StandinRequest(
        assignment_id=assignment.id,
        shift_id=shift.id,
        requested_by_id=person_id,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    await audit.record(
        session,
        actor_id=person_id,
        action="ask",
        entity="standin_request",
        entity_id=request.id,
        after={"assignment_id": assignment.id, "shift_id": shift.id},
    )
    offers = await _offer(session, request, shift, now=now, settings=settings)
    return request, offers


async def _offer(
    session: AsyncSession,
    request: StandinRequest,
    shift: Shift,
    *,
    now: datetime,
    settings: Settings,
) -> int:
    location = await session.get(Location, shift.location_id)
    assert location is not None
    candidates = set(await roster.workers_for(session, location))
    candidates.discard(request.requested_by_id)
    candidates -= await roster.busy_people(session, candidates, shift)
    unavailable = await roster.unavailable_days(session, candidates, shift.day, shift.day)
    candidates -= {person_id for person_id, _ in unavailable}
    counts = await month_counts(session, candidates, shift.day)
    chosen = sorted(candidates, key=lambda pid: (counts.get(pid, 0), pid))
    chosen = chosen[: settings.shifts.standin_max_offers]
    asker = await session.get(Person, request.requested_by_id)
    tz = settings.commune.tz
    values = {
        "name": shift_text.name_of(asker),
        "when": shift_text.when(shift, tz),
        "place": location.name,
    }
    offer = Reply(
        t("shift_standin.offer", **values),
        choices=(TakeStandIn(request.id).button(t("shift_standin.take_button")),),
    )
    offered = 0
    for person_id in chosen:
        offered += await outbox.enqueue(
            session,
            outbox.Keys.standin_offer(request.id, person_id),
            person_id,
            offer,
            now=now,
            expires_at=shift.starts_at,
        )
    if not offered:
        await alerts.standin_unfilled(session, request, shift, location, now, settings)
    return offered


async def take(
    session: AsyncSession, request_id: int, person_id: int, *, now: datetime, settings: Settings
) -> tuple[ShiftAssignment, Shift, Location]:
    """Take over a shift someone cannot come to; only the first accept succeeds."""
    request = await session.get(StandinRequest, request_id)
    if request is None:
        raise DomainError("shift_standin.gone")
    if request.status == StandinStatus.TAKEN:
        raise DomainError("shift_standin.already_taken")
    shift = await session.get(Shift, request.shift_id)
    location = await session.get(Location, shift.location_id) if shift else None
    if request.status != StandinStatus.OPEN or shift is None or location is None:
        raise DomainError("shift_standin.gone")
    if shift.starts_at <= now:
        raise DomainError("shift_standin.gone")
    if request.requested_by_id == person_id:
        raise DomainError("shift_standin.own_request")
    if not await roster.may_work_at(session, person_id, location):
        raise DomainError("shifts.not_your_area")
    if person_id in await roster.busy_people(session, [person_id], shift):
        raise DomainError("shifts.busy_then")
    result = await session.execute(
        update(StandinRequest)
        .where(StandinRequest.id == request_id, StandinRequest.status == StandinStatus.OPEN)
        .values(status=StandinStatus.TAKEN.value, taken_by_id=person_id, taken_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise DomainError("shift_standin.already_taken")
    original = await session.get(ShiftAssignment, request.assignment_id)
    assert original is not None
    await roster.end(session, original, AssignmentStatus.RELEASED, now=now, actor_id=person_id)
    assignment = ShiftAssignment(
        shift_id=shift.id,
        person_id=person_id,
        source=AssignmentSource.STANDIN.value,
        created_at=now,
    )
    session.add(assignment)
    await session.flush()
    await outbox.cancel(session, outbox.Keys.standin_offers(request_id), "stand-in request closed")
    await _announce(session, request, shift, location, person_id, now, settings)
    return assignment, shift, location


async def _announce(
    session: AsyncSession,
    request: StandinRequest,
    shift: Shift,
    location: Location,
    taker_id: int,
    now: datetime,
    settings: Settings,
) -> None:
    asker = await session.get(Person, request.requested_by_id)
    taker = await session.get(Person, taker_id)
    values = {
        "name": shift_text.name_of(asker),
        "taker": shift_text.name_of(taker),
        "when": shift_text.when(shift, settings.commune.tz),
        "place": location.name,
    }
    await outbox.enqueue(
        session,
        outbox.Keys.standin_released(request.id),
        request.requested_by_id,
        Reply(t("shift_standin.released", **values)),
        now=now,
        expires_at=shift.ends_at,
    )
    reply = Reply(t("shift_standin.officer_taken", **values))
    await alerts.tell_officers(
        session,
        partial(outbox.Keys.standin_taken, request.id),
        location,
        shift,
        reply,
        now,
        besides=taker_id,
    )


async def cancel(session: AsyncSession, assignment_id: int, person_id: int) -> bool:
    """The person can come after all: close their open request; False if none was open."""
    await roster.own_assignment(session, assignment_id, person_id)
    request = await session.scalar(
        select(StandinRequest).where(
            StandinRequest.assignment_id == assignment_id,
            StandinRequest.status == StandinStatus.OPEN,
        )
    )
    if request is None:
        return False
    result = await session.execute(
        update(StandinRequest)
        .where(StandinRequest.id == request.id, StandinRequest.status == StandinStatus.OPEN)
        .values(status=StandinStatus.CANCELLED.value)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount == 1:
        await outbox.cancel(
            session, outbox.Keys.standin_offers(request.id), "stand-in request closed"
        )
    return result.rowcount == 1


async def open_request_ids(session: AsyncSession, assignment_ids: list[int]) -> set[int]:
    """Which of these assignments have an open stand-in request."""
    if not assignment_ids:
        return set()
    rows = await session.scalars(
        select(StandinRequest.assignment_id).where(
            StandinRequest.assignment_id.in_(assignment_ids),
            StandinRequest.status == StandinStatus.OPEN,
        )
    )
    return set(rows)
