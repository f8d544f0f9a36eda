"""Working days (public holidays and admin overrides) and turning templates into shifts.

Working days follow the `holidays` package's Vietnamese calendar (Tết, Hùng Kings, 30/4, 1/5,
2/9 with the compensatory days it knows). The package lists the days off of a Monday–Friday
worker, so a Saturday or Sunday joined to a holiday counts as part of the break (Saturday
shifts at a village house pause over Tết too). Days the government adds or swaps by decision,
which the package may lack, are admin overrides: a closed day, or a working day that uses
the templates of a chosen weekday (a make-up Saturday worked "as Monday").

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

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AssignmentStatus,
    Commune,
    DayOverride,
    Location,
    Shift,
    ShiftAssignment,
    ShiftStatus,
    ShiftTemplate,
)
from bot.locales import t
from bot.services.shifts.templates import list_overrides, list_templates

WEEKEND = 5  # Saturday and Sunday are the civil service's rest days


@cache
def public_holidays(year: int) -> dict[date, str]:
    """Vietnamese public holidays (days off) of a year, with their Vietnamese names."""
    import holidays  # deferred: its many country modules are slow to import, used on first date

    calendar = holidays.country_holidays("VN", years=year, language="vi")
    return {day: str(name) for day, name in sorted(calendar.items())}


def holiday_name(day: date) -> str | None:
    return public_holidays(day.year).get(day)


async def is_working_day(session: AsyncSession, day: date, commune_id: int | None = None) -> bool:
    """Monday to Friday except public holidays, unless an admin decided otherwise for the
    whole commune (a make-up working Saturday, a closed day) or the province did for every
    commune; the commune's own decision wins. Without a commune: the province's only."""
    return (await working_days(session, day, [commune_id]))[commune_id]


async def working_days(
    session: AsyncSession, day: date, commune_ids: Iterable[int | None]
) -> dict[int | None, bool]:
    """Whether `day` is a working day in each of these communes (None: by the province-wide
    decisions only), in one query."""
    wanted = set(commune_ids)
    decided: dict[int | None, bool] = {}
    rows = await session.execute(
        select(DayOverride.commune_id, DayOverride.working).where(
            DayOverride.day == day, DayOverride.location_id.is_(None)
        )
    )
    for commune_id, working in rows:
        decided[commune_id] = working
    usual = decided.get(None, usual_working_day(day))
    return {commune_id: decided.get(commune_id, usual) for commune_id in wanted}


def usual_working_day(day: date) -> bool:
    """Monday to Friday except public holidays, before any decision of the commune."""
    return day.weekday() < WEEKEND and holiday_name(day) is None


def day_off(day: date) -> str | None:
    """Why a day is off: a public holiday, or a weekend day joined to one (the Tết week's
    Saturday and Sunday, the weekend after 30/4–1/5), when weekend shifts pause too."""
    name = holiday_name(day)
    if name is not None or day.weekday() < WEEKEND:
        return name
    for step in (timedelta(days=1), timedelta(days=-1)):
        near = day + step
        while near.weekday() >= WEEKEND or holiday_name(near) is not None:
            found = holiday_name(near)
            if found is not None:
                return t("shift_admin.joined_break", name=found)
            near += step
    return None


@dataclass(frozen=True)
class DayRule:
    """Whose templates apply on a day: the first of `weekdays` a location has templates for
    (none: closed), and why, if the day is unusual."""

    weekdays: tuple[int, ...]
    reason: str | None = None


def rule_for(
    day: date,
    location_id: int,
    overrides: dict[tuple[date, int | None], DayOverride],
    *,
    skip_holidays: bool = True,
) -> DayRule:
    """A location's own override wins over the commune's day (its own decision, else the
    province's: `overrides` as list_overrides gives them for the commune), which wins over
    holidays."""
    override = overrides.get((day, location_id)) or overrides.get((day, None))
    if override is not None:
        if not override.working:
            return DayRule((), override.note or "")
        # A make-up Saturday "as Monday" runs Monday's shifts where a location has them;
        # a place with no Monday shifts (a village house) keeps its own Saturday.
        if override.as_weekday is not None:
            return DayRule((override.as_weekday, day.weekday()), override.note)
        return DayRule((day.weekday(),), override.note)
    holiday = day_off(day) if skip_holidays else None
    if holiday is not None:
        return DayRule((), holiday)
    return DayRule((day.weekday(),))


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


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
    commune_id: int | None = None,
) -> GenerationReport:
    """Make the shifts of `weeks` weeks from `first_day` at a commune's locations (None: every
    commune's, each by its own days off) match the templates and calendar. Another commune's
    shifts are never touched."""
    last_day = first_day + timedelta(days=7 * weeks - 1)
    report = GenerationReport(first_day, last_day)
    communes = (
        [commune_id]
        if commune_id is not None
        else list(await session.scalars(select(Commune.id).order_by(Commune.id)))
    )
    for each in communes:
        await _generate_commune(session, each, report, now, tz, skip_holidays=skip_holidays)
    await session.flush()
    return report


async def _generate_commune(
    session: AsyncSession,
    commune_id: int,
    report: GenerationReport,
    now: datetime,
    tz: ZoneInfo,
    *,
    skip_holidays: bool,
) -> None:
    first_day, last_day = report.first_day, report.last_day
    locations_here = select(Location.id).where(Location.commune_id == commune_id)
    here = set(await session.scalars(locations_here))
    templates = [each for each in await list_templates(session) if each.location_id in here]
    by_slot: dict[tuple[int, int], list[ShiftTemplate]] = {}
    for template in templates:
        by_slot.setdefault((template.location_id, template.weekday), []).append(template)
    overrides = await list_overrides(session, first_day, last_day, commune_id)
    existing = {
        (shift.template_id, shift.day): shift
        for shift in await session.scalars(
            select(Shift).where(
                Shift.day >= first_day,
                Shift.day <= last_day,
                Shift.template_id.is_not(None),
                Shift.location_id.in_(locations_here),
            )
        )
    }
    wanted: set[tuple[int | None, date]] = set()
    locations = sorted({template.location_id for template in templates})
    day = first_day
    while day <= last_day:
        for location_id in locations:
            rule = rule_for(day, location_id, overrides, skip_holidays=skip_holidays)
            if not rule.weekdays:
                if (location_id, day.weekday()) in by_slot:
                    report.closed_days[day] = rule.reason or ""
                continue
            chosen = next((w for w in rule.weekdays if (location_id, w) in by_slot), None)
            for template in by_slot.get((location_id, chosen), []) if chosen is not None else []:
                starts_at = local_instant(day, template.starts, tz)
                if starts_at <= now:
                    continue
                wanted.add((template.id, day))
                _place(session, existing.get((template.id, day)), template, day, tz, report)
        day += timedelta(days=1)
    await _cancel_unwanted(session, existing, wanted, now, report)


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
