"""Weekly templates, public holidays and admin overrides, and turning them into shifts.

Working days follow the `holidays` package's Vietnamese calendar (Tết, Hùng Kings, 30/4, 1/5,
2/9 with the compensatory days it knows). Days the government adds or swaps by decision, which
the package may lack, are admin overrides: a closed day, or a working day that uses the
templates of a chosen weekday (a make-up Saturday worked "as Monday").

Generation is idempotent: one shift per (template, day). Running it again creates what is
missing, re-opens what was cancelled and is wanted again, cancels unheld shifts that are no
longer wanted, and never touches a shift someone holds (those are reported instead).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AssignmentStatus,
    DayOverride,
    Location,
    Shift,
    ShiftAssignment,
    ShiftStatus,
    ShiftTemplate,
)
from bot.services import audit
from bot.services.errors import DomainError

MAX_NEEDED = 20


@cache
def public_holidays(year: int) -> dict[date, str]:
    """Vietnamese public holidays (days off) of a year, with their Vietnamese names."""
    calendar = holidays.country_holidays("VN", years=year, language="vi")
    return {day: str(name) for day, name in sorted(calendar.items())}


def holiday_name(day: date) -> str | None:
    return public_holidays(day.year).get(day)


@dataclass(frozen=True)
class DayRule:
    """Which weekday's templates apply on a day (None: closed), and why, if unusual."""

    weekday: int | None
    reason: str | None = None


def rule_for(
    day: date,
    location_id: int,
    overrides: dict[tuple[date, int | None], DayOverride],
    *,
    skip_holidays: bool = True,
) -> DayRule:
    """A location's own override wins over a commune-wide one, which wins over holidays."""
    override = overrides.get((day, location_id)) or overrides.get((day, None))
    if override is not None:
        if not override.working:
            return DayRule(None, override.note or "")
        weekday = override.as_weekday if override.as_weekday is not None else day.weekday()
        return DayRule(weekday, override.note)
    holiday = holiday_name(day) if skip_holidays else None
    if holiday is not None:
        return DayRule(None, holiday)
    return DayRule(day.weekday())


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


# ----------------------------------------------------------------------------- templates


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


# ----------------------------------------------------------------------------- generation


@dataclass
class GenerationReport:
    first_day: date
    last_day: date
    created: int = 0
    reopened: int = 0
    updated: int = 0
    cancelled: int = 0
    kept: list[Shift] = field(default_factory=list)  # no longer scheduled, but someone holds it
    closed_days: dict[date, str] = field(default_factory=dict)


async def generate(
    session: AsyncSession,
    *,
    first_day: date,
    weeks: int,
    now: datetime,
    tz: ZoneInfo,
    skip_holidays: bool = True,
) -> GenerationReport:
    """Make the shifts of `weeks` weeks from `first_day` match the templates and calendar."""
    last_day = first_day + timedelta(days=7 * weeks - 1)
    report = GenerationReport(first_day, last_day)
    templates = await list_templates(session)
    by_slot: dict[tuple[int, int], list[ShiftTemplate]] = {}
    for template in templates:
        by_slot.setdefault((template.location_id, template.weekday), []).append(template)
    overrides = await list_overrides(session, first_day, last_day)
    existing = {
        (shift.template_id, shift.day): shift
        for shift in await session.scalars(
            select(Shift).where(
                Shift.day >= first_day, Shift.day <= last_day, Shift.template_id.is_not(None)
            )
        )
    }
    wanted: set[tuple[int | None, date]] = set()
    locations = sorted({template.location_id for template in templates})
    day = first_day
    while day <= last_day:
        for location_id in locations:
            rule = rule_for(day, location_id, overrides, skip_holidays=skip_holidays)
            if rule.weekday is None:
                if (location_id, day.weekday()) in by_slot:
                    report.closed_days[day] = rule.reason or ""
                continue
            for template in by_slot.get((location_id, rule.weekday), []):
                starts_at = local_instant(day, template.starts, tz)
                if starts_at <= now:
                    continue
                wanted.add((template.id, day))
                _place(session, existing.get((template.id, day)), template, day, tz, report)
        day += timedelta(days=1)
    await _cancel_unwanted(session, existing, wanted, now, report)
    await session.flush()
    return report


def _place(
    session: AsyncSession,
    shift: Shift | None,
    template: ShiftTemplate,
    day: date,
    tz: ZoneInfo,
    report: GenerationReport,
) -> None:
    if shift is None:
        session.add(
            Shift(
                location_id=template.location_id,
                template_id=template.id,
                day=day,
                starts_at=local_instant(day, template.starts, tz),
                ends_at=local_instant(day, template.ends, tz),
                needed=template.needed,
            )
        )
        report.created += 1
    elif shift.status == ShiftStatus.CANCELLED:
        shift.status, shift.needed = ShiftStatus.OPEN.value, template.needed
        report.reopened += 1
    elif shift.needed != template.needed:
        shift.needed = template.needed
        report.updated += 1


async def _cancel_unwanted(
    session: AsyncSession,
    existing: dict[tuple[int | None, date], Shift],
    wanted: set[tuple[int | None, date]],
    now: datetime,
    report: GenerationReport,
) -> None:
    unwanted = [
        shift
        for key, shift in existing.items()
        if key not in wanted and shift.status == ShiftStatus.OPEN and shift.starts_at > now
    ]
    if not unwanted:
        return
    held = dict(
        (
            await session.execute(
                select(ShiftAssignment.shift_id, func.count())
                .where(
                    ShiftAssignment.shift_id.in_([shift.id for shift in unwanted]),
                    ShiftAssignment.status == AssignmentStatus.ACTIVE,
                )
                .group_by(ShiftAssignment.shift_id)
            )
        ).all()
    )
    for shift in sorted(unwanted, key=lambda s: s.starts_at):
        if held.get(shift.id):
            report.kept.append(shift)
        else:
            shift.status = ShiftStatus.CANCELLED.value
            report.cancelled += 1
