"""The help-desk places printed on posters, with their weekly hours from the shift templates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LocationKind
from bot.services import places
from bot.services.shifts.templates import list_templates
from bot.services.shifts.text import clock, weekday_set

KIND_ORDER = (LocationKind.COMMUNE_DESK, LocationKind.CULTURAL_HOUSE, LocationKind.OTHER)


@dataclass(frozen=True)
class DeskPlace:
    """A place and its hours, one line per group of days: "T2–T6: 07:30–11:30, 13:30–17:00"."""

    name: str
    address: str | None
    hours: tuple[str, ...]


async def desk_places(session: AsyncSession) -> list[DeskPlace]:
    """Places with weekly desk hours, the commune's desk first; a place without hours is left
    out, since nobody would be there to help."""
    slots: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for template in await list_templates(session):
        slots[template.location_id][template.weekday].append((template.starts, template.ends))
    found = [location for location in await places.list_locations(session) if location.id in slots]
    found.sort(key=lambda location: (_kind_rank(location.kind), location.name))
    return [
        DeskPlace(location.name, location.address, week_hours(slots[location.id]))
        for location in found
    ]


def week_hours(days: dict[int, list[tuple[time, time]]]) -> tuple[str, ...]:
    """Days with the same hours grouped: {0..4: morning and afternoon, 5: morning} → two lines."""
    by_hours: dict[tuple[tuple[time, time], ...], list[int]] = defaultdict(list)
    for weekday in sorted(days):
        by_hours[tuple(sorted(set(days[weekday])))].append(weekday)
    lines = []
    for hours, weekdays in sorted(by_hours.items(), key=lambda item: item[1][0]):
        spans = ", ".join(f"{clock(start)}–{clock(end)}" for start, end in hours)
        lines.append(f"{weekday_set(weekdays)}: {spans}")
    return tuple(lines)


def _kind_rank(kind: str) -> int:
    try:
        return KIND_ORDER.index(LocationKind(kind))
    except ValueError:
        return len(KIND_ORDER)
