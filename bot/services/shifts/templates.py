"""Weekly shift templates per location, and the days an admin closes or makes working days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import DayOverride, Location, ShiftTemplate
from bot.services import audit

MAX_NEEDED = 20


async def add_templates(
    session: AsyncSession,
    location: Location,
    weekdays: Iterable[int],
    starts: time,
    ends: time,
    needed: int,
    *,
    actor_id: int | None,
) -> list[ShiftTemplate]:
    """One template per weekday; a weekday that already has this slot is left as it is."""
    days = sorted(set(weekdays))
    if not days or any(not 0 <= day <= 6 for day in days):
        raise DomainError("shift_admin.bad_weekdays")
    if not starts < ends:
        raise DomainError("shift_admin.bad_hours")
    if not 1 <= needed <= MAX_NEEDED:
        raise DomainError("shift_admin.bad_needed", limit=MAX_NEEDED)
    existing = set(
        await session.scalars(
            select(ShiftTemplate.weekday).where(
                ShiftTemplate.location_id == location.id,
                ShiftTemplate.active.is_(True),
                ShiftTemplate.starts == starts,
            )
        )
    )
    created = [
        ShiftTemplate(
            location_id=location.id, weekday=day, starts=starts, ends=ends, needed=needed
        )
        for day in days
        if day not in existing
    ]
    session.add_all(created)
    await session.flush()
    for template in created:
        await audit.record(
            session,
            actor_id=actor_id,
            action="create",
            entity="shift_template",
            entity_id=template.id,
            after={"location_id": location.id, "weekday": template.weekday, "needed": needed},
        )
    return created


async def list_templates(
    session: AsyncSession, location_id: int | None = None
) -> list[ShiftTemplate]:
    """Active templates, by location, weekday and start."""
    query = select(ShiftTemplate).where(ShiftTemplate.active.is_(True))
    if location_id is not None:
        query = query.where(ShiftTemplate.location_id == location_id)
    query = query.order_by(ShiftTemplate.location_id, ShiftTemplate.weekday, ShiftTemplate.starts)
    return list(await session.scalars(query))


async def retire_template(
    session: AsyncSession, template_id: int, *, actor_id: int | None
) -> ShiftTemplate:
    """Stop using a template; its future unheld shifts go at the next generation."""
    template = await session.get(ShiftTemplate, template_id)
    if template is None or not template.active:
        raise DomainError("shift_admin.no_template")
    template.active = False
    await audit.record(
        session, actor_id=actor_id, action="retire", entity="shift_template", entity_id=template_id
    )
    await session.flush()
    return template


# ----------------------------------------------------------------------------- overrides


async def set_override(
    session: AsyncSession,
    day: date,
    *,
    working: bool,
    location_id: int | None = None,
    as_weekday: int | None = None,
    note: str | None = None,
    actor_id: int | None,
) -> DayOverride:
    """Close a day or make it a working day; replaces an earlier override for the same place."""
    if as_weekday is not None and not 0 <= as_weekday <= 6:
        raise DomainError("shift_admin.bad_weekdays")
    await remove_override(session, day, location_id=location_id, actor_id=None)
    override = DayOverride(
        day=day,
        location_id=location_id,
        working=working,
        as_weekday=as_weekday if working else None,
        note=(note or "").strip()[:200] or None,
        created_by_id=actor_id,
    )
    session.add(override)
    await session.flush()
    await audit.record(
        session,
        actor_id=actor_id,
        action="create",
        entity="shift_day_override",
        entity_id=override.id,
        after={"day": day.isoformat(), "working": working, "location_id": location_id},
    )
    return override


async def remove_override(
    session: AsyncSession, day: date, *, location_id: int | None = None, actor_id: int | None
) -> bool:
    scope = (
        DayOverride.location_id.is_(None)
        if location_id is None
        else DayOverride.location_id == location_id
    )
    found = list(await session.scalars(select(DayOverride).where(DayOverride.day == day, scope)))
    for override in found:
        await session.delete(override)
        if actor_id is not None:
            await audit.record(
                session,
                actor_id=actor_id,
                action="delete",
                entity="shift_day_override",
                entity_id=override.id,
                before={"day": day.isoformat(), "working": override.working},
            )
    await session.flush()
    return bool(found)


async def list_overrides(
    session: AsyncSession, first: date, last: date
) -> dict[tuple[date, int | None], DayOverride]:
    rows = await session.scalars(
        select(DayOverride).where(DayOverride.day >= first, DayOverride.day <= last)
    )
    return {(row.day, row.location_id): row for row in rows}
