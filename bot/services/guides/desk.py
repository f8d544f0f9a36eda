"""Where and when people can be helped in person: the commune's configured places, their
weekly hours (from the shift templates) and who is on duty today (first names only)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Location, LocationKind, Person
from bot.services.places import list_locations
from bot.services.shifts.calendar import day_off, is_working_day
from bot.services.shifts.templates import list_templates
from bot.services.shifts.views import roster
from bot.vntext import fold

Slot = tuple[time, time]
WEEKEND = 5


@dataclass(frozen=True)
class Hours:
    """The same opening hours on several weekdays (0 = Monday)."""

    weekdays: tuple[int, ...]
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class OnDuty:
    """One of today's shifts that someone holds: first names, and how many gave none."""

    starts_at: datetime
    ends_at: datetime
    first_names: tuple[str, ...]
    unnamed: int


@dataclass(frozen=True)
class Desk:
    """A help-desk place as a citizen needs to know it."""

    name: str
    address: str | None
    hours: tuple[Hours, ...]
    on_duty: tuple[OnDuty, ...]


@dataclass(frozen=True)
class DeskDay:
    """Every place, and whether the commune is closed today (and why, when known)."""

    desks: tuple[Desk, ...]
    closed_today: bool
    closed_reason: str | None


def first_name(person: Person) -> str | None:
    """The given name, the last word of a Vietnamese full name; never anything else."""
    words = person.display_name.split()
    return words[-1] if words else None


def weekly_hours(slots_by_day: dict[int, set[Slot]]) -> tuple[Hours, ...]:
    """Weekdays with the same slots grouped together, in weekday order."""
    grouped: dict[tuple[Slot, ...], list[int]] = defaultdict(list)
    for weekday in sorted(slots_by_day):
        grouped[tuple(sorted(slots_by_day[weekday]))].append(weekday)
    hours = [Hours(tuple(days), slots) for slots, days in grouped.items()]
    return tuple(sorted(hours, key=lambda item: item.weekdays))


async def on_duty(
    session: AsyncSession, location: Location, today: date, now: datetime
) -> tuple[OnDuty, ...]:
    """Today's shifts at the place that someone holds and that have not ended yet."""
    held = []
    for row in await roster(session, location.id, today, today):
        if not row.people or row.shift.ends_at <= now:
            continue
        names = [first_name(person) for _, person in row.people]
        known = tuple(dict.fromkeys(name for name in names if name))
        unnamed = sum(1 for name in names if not name)
        held.append(OnDuty(row.shift.starts_at, row.shift.ends_at, known, unnamed))
    return tuple(held)


async def places_with_hours(
    session: AsyncSession, commune_id: int | None = None
) -> list[tuple[Location, tuple[Hours, ...]]]:
    """The configured places (one commune's when given), the one-stop desk first and the others
    by name, each with its weekly hours from the active shift templates (none: not known)."""
    slots: dict[int, dict[int, set[Slot]]] = defaultdict(lambda: defaultdict(set))
    for template in await list_templates(session):
        slots[template.location_id][template.weekday].add((template.starts, template.ends))
    locations = sorted(
        await list_locations(session, commune_id=commune_id),
        key=lambda loc: (loc.kind != LocationKind.COMMUNE_DESK, fold(loc.name)),
    )
    return [(location, weekly_hours(slots.get(location.id, {}))) for location in locations]


async def desk_day(
    session: AsyncSession, today: date, now: datetime, commune_id: int | None = None
) -> DeskDay:
    """The configured places (one commune's when given; its one-stop desk first) with hours and
    today's duty, and whether the commune is closed today (its own days off and the
    province's; without a commune, the province's only)."""
    desks = []
    for location, hours in await places_with_hours(session, commune_id):
        duty = await on_duty(session, location, today, now)
        desks.append(Desk(location.name, location.address, hours, duty))
    closed = today.weekday() < WEEKEND and not await is_working_day(session, today, commune_id)
    return DeskDay(tuple(desks), closed, day_off(today) if closed else None)
