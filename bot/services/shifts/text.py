"""How shifts read in Vietnamese: weekdays, dates and times in the commune's time zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.db.models import Location, Person, Shift
from bot.locales import t

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_name(weekday: int) -> str:
    """0 -> "Thứ Hai" … 6 -> "Chủ nhật"."""
    return t(f"shifts.day_{WEEKDAYS[weekday]}")


def weekday_short(weekday: int) -> str:
    """0 -> "T2" … 6 -> "CN"."""
    return t(f"shifts.short_{WEEKDAYS[weekday]}")


def day_label(day: date) -> str:
    """ "Thứ Ba 17/02/2026"."""
    return f"{weekday_name(day.weekday())} {day:%d/%m/%Y}"


def clock(value: time | datetime, tz: ZoneInfo | None = None) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(tz).time() if tz is not None else value.time()
    return f"{value:%H:%M}"


def hours(shift: Shift, tz: ZoneInfo) -> str:
    """ "07:30–11:30"."""
    return f"{clock(shift.starts_at, tz)}–{clock(shift.ends_at, tz)}"


def when(shift: Shift, tz: ZoneInfo) -> str:
    """ "Thứ Ba 17/02/2026, 07:30–11:30"."""
    return f"{day_label(shift.day)}, {hours(shift, tz)}"


def short_when(shift: Shift, tz: ZoneInfo) -> str:
    """ "T3 17/02 07:30" — fits on a button."""
    return f"{weekday_short(shift.day.weekday())} {shift.day:%d/%m} {clock(shift.starts_at, tz)}"


def place(location: Location | None) -> str:
    return location.name if location is not None else t("shifts.unknown_place")


def weekday_set(days: list[int]) -> str:
    """[0, 1, 2, 3, 4] -> "T2–T6"; [0, 2] -> "T2, T4"."""
    ordered = sorted(set(days))
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{weekday_short(ordered[0])}–{weekday_short(ordered[-1])}"
    return ", ".join(weekday_short(day) for day in ordered)


def name_of(person: Person | None) -> str:
    if person is not None and person.display_name:
        return person.display_name
    return t("shifts.someone")
