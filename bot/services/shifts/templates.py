"""Weekly shift templates per location, and the days an admin closes or makes working days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

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
    commune_id: int | None = None,
    location_id: int | None = None,
    as_weekday: int | None = None,
    note: str | None = None,
    actor_id: int | None,
) -> DayOverride:
    """Close a day or make it a working day for a commune (None: the whole province), or for
    one of its locations; replaces an earlier override for the same commune or place."""
    if as_weekday is not None and not 0 <= as_weekday <= 6:
        raise DomainError("shift_admin.bad_weekdays")
    if location_id is not None:
        location = await session.get(Location, location_id)
        if location is None or commune_id not in (None, location.commune_id):
            raise DomainError("shift_admin.location_elsewhere")
        commune_id = location.commune_id
    await remove_override(
        session, day, commune_id=commune_id, location_id=location_id, actor_id=None
    )
    override = DayOverride(
        day=day,
        commune_id=commune_id,
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
        after={
            "day": day.isoformat(),
            "working": working,
            "commune_id": commune_id,
            "location_id": location_id,
        },
    )
    return override


def _exactly(column: InstrumentedAttribute[int | None], value: int | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


async def remove_override(
    session: AsyncSession,
    day: date,
    *,
    commune_id: int | None = None,
    location_id: int | None = None,
    actor_id: int | None,
) -> bool:
    """Remove the override of exactly this commune (None: the province-wide one) or place."""
    scope = _exactly(DayOverride.location_id, location_id)
    if location_id is None:
        scope = scope & _exactly(DayOverride.commune_id, commune_id)
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
                before={
                    "day": day.isoformat(),
                    "working": override.working,
                    "commune_id": override.commune_id,
                },
            )
    await session.flush()
    return bool(found)


def applying_to(commune_id: int | None) -> ColumnElement[bool]:
    """The overrides that apply to a commune: its own and the province-wide ones (None: only
    the province-wide ones)."""
    province_wide = DayOverride.commune_id.is_(None)
    return (
        province_wide
        if commune_id is None
        else province_wide | (DayOverride.commune_id == commune_id)
    )


async def list_overrides(
    session: AsyncSession, first: date, last: date, commune_id: int | None = None
) -> dict[tuple[date, int | None], DayOverride]:
    """The overrides that apply to a commune's days, by (day, location; None: every location
    of the commune): the commune's own decision for a day wins over the province's. Without a
    commune, only the province-wide ones."""
    rows = await session.scalars(
        select(DayOverride)
        .where(DayOverride.day >= first, DayOverride.day <= last, applying_to(commune_id))
        # province-wide first, so the commune's own replaces it below
        .order_by(DayOverride.commune_id.is_not(None), DayOverride.id)
    )
    return {(row.day, row.location_id): row for row in rows}
