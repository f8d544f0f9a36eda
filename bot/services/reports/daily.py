"""The daily tally: a day's help per village and helper, and the week so far (Monday to the
day), from the kept village days and weeks (bot/db/models/visit_totals.py).

Six statements whatever the number of villages: whether help is kept later in the week (then
the week's own row is the week so far, else its days are summed), every village in scope by name
with the day's figures and the week's households, the day's total, the week's total, the day's
helpers, and the day's override of the calendar. What is counted: see tallies.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Subquery, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Village, VillageDay, VillageWeek
from bot.db.rows import plain_rows
from bot.services.reports.coverage import by_name
from bot.services.reports.figures import Scope
from bot.services.reports.tallies import (
    WORK_FIELDS,
    RangeTally,
    VillageCount,
    Work,
    days_summed,
    helper_counts,
    kept_day,
    kept_total,
    kept_week,
    nothing_kept_after,
    village_count,
    week_start,
)
from bot.services.shifts.calendar import is_working_day


@dataclass(frozen=True)
class WeekSoFar:
    """Monday to the tally's day: distinct households per village and in all, and the work."""

    first: date
    last: date
    households: int
    work: Work
    by_village: dict[int, int]  # village id → distinct households (no help: absent)

    def households_of(self, village_id: int) -> int:
        return self.by_village.get(village_id, 0)


@dataclass(frozen=True)
class DailyTally:
    day: date
    working_day: bool
    today: RangeTally
    week: WeekSoFar

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "working_day": self.working_day,
            "households": self.today.households,
            "work": self.today.work.to_json(),
            "villages": [
                {
                    "id": v.village_id,
                    "name": v.name,
                    "households": v.households,
                    "week_households": self.week.households_of(v.village_id),
                    "work": v.work.to_json(),
                }
                for v in self.today.villages
            ],
            "helpers": self.today.to_json()["helpers"],
            "week": {
                "first": self.week.first.isoformat(),
                "households": self.week.households,
                "work": self.week.work.to_json(),
            },
        }


async def daily_tally(session: AsyncSession, scope: Scope, day: date) -> DailyTally:
    """The day's tally and the week so far (Monday to `day`); a working day by the calendar of
    the villages' commune (province-wide days off only, when they span several)."""
    monday = week_start(day)
    whole_week_kept = await nothing_kept_after(session, day)
    week_of_each = week_so_far_per_village(monday, day, scope, whole_week_kept)
    villages, by_village, communes = await _villages_on(session, scope, day, week_of_each)
    _, day_total = kept_day(day, scope)
    _, week_total = (
        kept_week(monday, scope) if whole_week_kept else days_summed(monday, day, scope)
    )
    today = await kept_total(session, scope, day, day, day_total)
    week_households, week_work = await kept_total(session, scope, monday, day, week_total)
    helpers = await helper_counts(session, scope, day, day) if today[0] else []
    commune_id = communes.pop() if len(communes) == 1 else None
    return DailyTally(
        day=day,
        working_day=await is_working_day(session, day, commune_id),
        today=RangeTally(day, day, villages, *today, helpers),
        week=WeekSoFar(monday, day, week_households, week_work, by_village),
    )


async def _villages_on(
    session: AsyncSession, scope: Scope, day: date, week_of_each: Subquery
) -> tuple[list[VillageCount], dict[int, int], set[int]]:
    """Every village in scope, by name, with the day's kept figures; the week's households of
    those helped this week; and the villages' communes. One statement."""
    query = (
        select(
            Village.id,
            Village.name,
            Village.commune_id,
            week_of_each.c.households,
            VillageDay.households,
            *(getattr(VillageDay, name) for name in WORK_FIELDS),
        )
        .outerjoin(VillageDay, (VillageDay.village_id == Village.id) & (VillageDay.day == day))
        .outerjoin(week_of_each, week_of_each.c.village_id == Village.id)
        .order_by(*by_name(session))
    )
    if scope is not None:
        query = query.where(Village.id.in_(scope))
    villages: list[VillageCount] = []
    by_village: dict[int, int] = {}
    communes: set[int] = set()
    rows = await plain_rows(session, query)
    for village_id, name, commune_id, week_households, households, *work in rows:
        communes.add(commune_id)
        villages.append(village_count(village_id, name, households, work))
        if week_households:
            by_village[village_id] = int(week_households)
    return villages, by_village, communes


def week_so_far_per_village(
    monday: date, day: date, scope: Scope, whole_week_kept: bool
) -> Subquery:
    """Per village, the distinct households helped from Monday to `day`: the week's kept row
    when nothing is kept after `day`, else the kept days summed."""
    if whole_week_kept:
        query = select(
            VillageWeek.village_id, VillageWeek.week_households.label("households")
        ).where(VillageWeek.week == monday)
        if scope is not None:
            query = query.where(VillageWeek.village_id.in_(scope))
        return query.subquery()
    summed = select(
        VillageDay.village_id, func.sum(VillageDay.week_households).label("households")
    ).where(VillageDay.day >= monday, VillageDay.day <= day)
    if scope is not None:
        summed = summed.where(VillageDay.village_id.in_(scope))
    return summed.group_by(VillageDay.village_id).subquery()
