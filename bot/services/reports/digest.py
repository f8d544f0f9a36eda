"""What the daily tally's message shows, counted in SQL: the day's and the week's totals, the
villages helped this week (most households today first, then this week, then by name; the first
MAX_LINES of them and how many in all), the villages not helped this week (the first MAX_NAMES
by name, and how many) and the day's helpers (the first MAX_NAMES, and how many).

A few rows whatever the number of villages, so a province's evening tally costs about what a
commune's does; every village with its work is the whole table of daily.py, for the export.
The figures are daily.py's own (the same kept rows, the same totals); only the lists are cut,
in SQL, where the message cuts them. A village's week so far is looked up only for the villages
a list may show (`_WeekSoFar`): summing a past day's week for every village, three times, cost
three times the evening's tally.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Exists,
    ScalarSelect,
    Select,
    SQLColumnExpression,
    Subquery,
    exists,
    func,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Village, VillageDay, VillageWeek
from bot.db.rows import plain_rows
from bot.services import visit_totals
from bot.services.reports.coverage import by_name
from bot.services.reports.daily import week_so_far_per_village
from bot.services.reports.figures import MAX_LINES, MAX_NAMES, Scope
from bot.services.reports.tallies import (
    NO_WORK,
    WORK_FIELDS,
    HelperCount,
    Work,
    days_summed,
    helper_counts,
    helper_figures,
    kept_day,
    kept_week,
    nothing_kept_after,
    scope_total,
    total_of,
    week_start,
)
from bot.services.shifts.calendar import is_working_day


@dataclass(frozen=True)
class VillageLine:
    village_id: int
    name: str
    households: int  # the day's
    week_households: int  # Monday to the day


@dataclass(frozen=True)
class TallyDigest:
    day: date
    working_day: bool
    households: int  # distinct, the day's
    work: Work
    monday: date
    week_households: int
    week_visits: int
    busiest: list[VillageLine]  # the first MAX_LINES villages helped this week
    helped_villages: int
    quiet: list[str]  # the first MAX_NAMES villages not helped this week, by name
    quiet_villages: int
    helpers: list[HelperCount]  # the day's first MAX_NAMES, most households first
    all_helpers: int

    @property
    def village_names(self) -> list[str]:
        """The villages listed (all of them when there are few)."""
        return [village.name for village in self.busiest] + self.quiet


@dataclass(frozen=True)
class _Figures:
    """The digest's numbers, read in one statement."""

    households: int
    work: Work
    week_households: int
    week_visits: int
    helped: int | None  # villages helped this week, counted from the week's kept rows only
    villages: int  # in scope
    helpers: int  # helped on the day
    commune_id: int | None  # the villages' one commune; None: several (or no village)


async def tally_digest(session: AsyncSession, scope: Scope, day: date) -> TallyDigest:
    """`day`'s tally as its message shows it, in six statements: whether the week goes on, the
    busiest villages, the figures, the helpers, the calendar. One more each for quiet villages
    (always on a past day: they give the villages helped too) and for fewer villages helped on
    the day than the message lists; for part of a commune, the day's and the week's households
    are counted from the log (two more)."""
    monday = week_start(day)
    week = _WeekSoFar(monday, day, scope, kept=await nothing_kept_after(session, day))
    busiest = await _busiest(session, week)
    figures = await _figures(session, week)
    everyone_helped = figures.helped is not None and figures.helped >= figures.villages
    quiet, quiet_villages = ([], 0) if everyone_helped else await _quiet(session, week)
    helped_today = figures.households > 0
    return TallyDigest(
        day=day,
        working_day=await is_working_day(session, day, figures.commune_id),
        households=figures.households,
        work=figures.work,
        monday=monday,
        week_households=figures.week_households,
        week_visits=figures.week_visits,
        busiest=busiest,
        helped_villages=figures.villages - quiet_villages,
        quiet=quiet,
        quiet_villages=quiet_villages,
        helpers=await helper_counts(
            session, scope, day, day, limit=MAX_NAMES, one_commune=figures.commune_id is not None
        )
        if helped_today
        else [],
        all_helpers=figures.helpers if helped_today else 0,
    )


@dataclass(frozen=True)
class _WeekSoFar:
    """Households helped from Monday to `day`, per village: the week's kept row when nothing
    is kept after `day` (as for today), else its kept days summed."""

    monday: date
    day: date
    scope: Scope
    kept: bool

    def of(self, village_id: SQLColumnExpression[int]) -> ScalarSelect[int]:
        """One village's, found by its key: for the few villages a list shows."""
        if self.kept:
            found = select(VillageWeek.week_households).where(
                VillageWeek.week == self.monday, VillageWeek.village_id == village_id
            )
        else:
            other_day = aliased(VillageDay)  # the outer query may read the days' table too
            found = select(func.sum(other_day.week_households)).where(
                other_day.day.in_(self.days()), other_day.village_id == village_id
            )
        return found.scalar_subquery()

    def credits(self, village_id: SQLColumnExpression[int]) -> Exists:
        """Whether some day of the week so far credits the village with a household."""
        if self.kept:
            return exists().where(
                VillageWeek.week == self.monday,
                VillageWeek.village_id == village_id,
                VillageWeek.week_households > 0,
            )
        other_day = aliased(VillageDay)  # as in `of`
        return exists().where(
            other_day.day.in_(self.days()),
            other_day.village_id == village_id,
            other_day.week_households > 0,
        )

    def days(self) -> list[date]:
        """Monday to the day, listed: each is one look-up in the (day, village) key, where a
        range would read every village's rows of those days."""
        return [self.monday + timedelta(days=n) for n in range((self.day - self.monday).days + 1)]

    def totals(self) -> Select[tuple[int | None, int | None]]:
        """The scope's households (each once in its commune) and visits from Monday to the day.
        A past day whose week has fewer days after it than up to it (the day before today,
        most often) is the week's kept rows less those later days: about half the rows of
        summing its own days."""
        if self.kept:
            return _households_and_visits(kept_week(self.monday, self.scope)[1])
        sunday = self.monday + timedelta(days=6)
        if (sunday - self.day).days >= len(self.days()):
            return _households_and_visits(days_summed(self.monday, self.day, self.scope)[1])
        whole = _households_and_visits(kept_week(self.monday, self.scope)[1]).subquery()
        later = _households_and_visits(
            days_summed(self.day + timedelta(days=1), sunday, self.scope)[1]
        ).subquery()
        return select(
            *(week - func.coalesce(after, 0) for week, after in zip(whole.c, later.c, strict=True))
        ).select_from(whole.join(later, true()))

    def helped(self) -> Select[int]:
        """The villages in scope whose week's kept row credits a household. Only for a week
        kept whole (`kept`): a past day's villages helped are counted with its quiet ones."""
        village_id = VillageWeek.village_id
        query = select(village_id).where(
            VillageWeek.week == self.monday, VillageWeek.week_households > 0
        )
        return query if self.scope is None else query.where(village_id.in_(self.scope))

    def per_village(self) -> Subquery:
        """Every village's (village_id, households)."""
        return week_so_far_per_village(self.monday, self.day, self.scope, self.kept)


def _households_and_visits(total: Select[Any]) -> Select[tuple[int | None, int | None]]:
    """The households and visits of a kept total (tallies._kept, tallies.days_summed)."""
    return total.with_only_columns(*list(total.selected_columns)[1:3])


async def _busiest(session: AsyncSession, week: _WeekSoFar) -> list[VillageLine]:
    """The villages helped this week: most households on the day, then this week, by name.
    Those helped on the day come first; when there are enough of them, they are read in the
    order of the (day, households) index, so only the first few and their weeks are read."""
    day, scope = week.day, week.scope
    # households > 0: the condition of the index (models/visit_totals.py), so it may serve
    on_the_day = [VillageDay.day == day, VillageDay.households > 0]
    if scope is not None:
        on_the_day.append(VillageDay.village_id.in_(scope))
    week_households = func.coalesce(week.of(VillageDay.village_id), 0).label("week_households")
    helped_on_the_day = (
        select(Village.id, Village.name, VillageDay.households, week_households)
        .select_from(VillageDay)
        .join(Village, Village.id == VillageDay.village_id)
        .where(*on_the_day)
        .order_by(VillageDay.households.desc(), week_households.desc(), *by_name(session))
        .limit(MAX_LINES)
    )
    lines = [VillageLine(*row) for row in await plain_rows(session, helped_on_the_day)]
    if len(lines) == MAX_LINES:
        return lines
    # Fewer helped on the day than the message lists: the week's others follow them.
    every_week = week.per_village()
    today = func.coalesce(VillageDay.households, 0)
    helped_this_week = (
        select(Village.id, Village.name, today, every_week.c.households)
        .select_from(every_week)
        .join(Village, Village.id == every_week.c.village_id)
        .outerjoin(VillageDay, (VillageDay.day == day) & (VillageDay.village_id == Village.id))
        .where(every_week.c.households > 0)
        .order_by(today.desc(), every_week.c.households.desc(), *by_name(session))
        .limit(MAX_LINES)
    )
    return [VillageLine(*row) for row in await plain_rows(session, helped_this_week)]


async def _figures(session: AsyncSession, week: _WeekSoFar) -> _Figures:
    """The day's households and work, the week's households and visits, and how many villages
    (helped this week, in scope), helpers and communes there are: one statement of one-row
    parts."""
    day, scope, monday = week.day, week.scope, week.monday
    _, of_day = kept_day(day, scope)
    # One commune or several: its lowest and highest id, each found in the (commune, name)
    # index without reading every village.
    lowest, highest = select(func.min(Village.commune_id)), select(func.max(Village.commune_id))
    count = select(func.count())
    if scope is not None:
        count, lowest, highest = (q.where(Village.id.in_(scope)) for q in (count, lowest, highest))
    in_scope = select(
        count.select_from(Village).scalar_subquery(),
        lowest.scalar_subquery(),
        highest.scalar_subquery(),
    )
    helpers = (
        visit_totals.kept_helper_count(day)
        if scope is None
        else select(func.count()).select_from(helper_figures(scope, day, day))
    )
    parts = [
        of_day.with_only_columns(*list(of_day.selected_columns)[1:]),
        week.totals(),
        in_scope,
        helpers,
    ]
    if week.kept:  # a past day's are counted with its quiet villages (`_quiet`)
        parts.append(select(func.count()).select_from(week.helped().subquery()))
    rows = [part.subquery() for part in parts]
    joined = rows[0]
    for row in rows[1:]:
        joined = joined.join(row, true())
    values = (
        await plain_rows(session, select(*(c for row in rows for c in row.c)).select_from(joined))
    )[0]
    day_households, *day_work = values[: 1 + len(WORK_FIELDS)]
    week_households, week_visits, villages, lowest, highest, helper_count, *helped = values[
        1 + len(WORK_FIELDS) :
    ]
    day_total = await scope_total(
        session, scope, day, day, {None: total_of(day_households, day_work)}
    )
    week_total = await scope_total(
        session, scope, monday, day, {None: (int(week_households or 0), NO_WORK)}
    )
    return _Figures(
        *day_total[None],
        week_households=week_total[None][0],
        week_visits=int(week_visits or 0),
        helped=helped[0] if helped else None,
        villages=villages,
        helpers=helper_count,
        commune_id=lowest if lowest == highest else None,
    )


async def _quiet(session: AsyncSession, week: _WeekSoFar) -> tuple[list[str], int]:
    """The first villages in scope, by name, not helped this week, and how many there are:
    one pass over the villages (a past day's villages helped were a second, as long)."""
    query = select(Village.name, func.count().over()).where(~week.credits(Village.id))
    if week.scope is not None:
        query = query.where(Village.id.in_(week.scope))
    rows = await plain_rows(session, query.order_by(*by_name(session)).limit(MAX_NAMES))
    return [name for name, _ in rows], (rows[0][1] if rows else 0)
