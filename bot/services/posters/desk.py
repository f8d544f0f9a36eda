"""The help-desk places printed on posters: those of bot/services/guides/desk.py that have
weekly hours (a place without hours is left out, since nobody would be there to help)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.guides.desk import Hours, places_with_hours
from bot.services.shifts.text import clock, weekday_set


@dataclass(frozen=True)
class DeskPlace:
    """A place and its hours, one line per group of days: "T2–T6: 07:30–11:30, 13:30–17:00"."""

    name: str
    address: str | None
    hours: tuple[str, ...]


async def desk_places(session: AsyncSession, commune_id: int | None = None) -> list[DeskPlace]:
    """Places (one commune's when given) with weekly desk hours, the commune's desk first."""
    return [
        DeskPlace(location.name, location.address, tuple(hours_line(h) for h in hours))
        for location, hours in await places_with_hours(session, commune_id)
        if hours
    ]


def hours_line(hours: Hours) -> str:
    """ "T2–T6: 07:30–11:30, 13:30–17:00"."""
    spans = ", ".join(f"{clock(start)}–{clock(end)}" for start, end in hours.slots)
    return f"{weekday_set(list(hours.weekdays))}: {spans}"
