"""Tallies of the help desk's work from the assistance log: a day, the week so far, any range.

What is counted, per village and for the villages in scope together:
- households: DISTINCT households assisted in the period (a household helped twice on one day,
  or on two days of the week, counts once for that period);
- visits: assistance records (each time someone logged help);
- work: how many visits ticked each action (accounts created, level-2 referrals, portal logins,
  online submissions, papers digitised, online payments, other). Two members' accounts created
  in two visits count as two.
A visit belongs to the village the household was in when it was logged and to the commune-local
day it happened (`assistances.village_id` and `.day`, filled when logging).
By whom: per helper, distinct households and visits, by name ("không rõ" if the helper's account
was deleted).

The week runs from Monday to the given day. Working days are Monday to Friday except Vietnamese
public holidays (the `holidays` package); the daily push only goes out on working days, but a
tally can be asked for any day.

Speed: a day, or the week so far, is read from the kept village and helper days
(bot/db/models/visit_totals.py): a few thousand rows whatever the size of the log, through
their (day, village) index, joined to every village in scope in one statement; the daily tally
(daily.py) builds on the same queries. Any other range counts the log itself over the covering
index ix_assistances_day_report (migration 0018), one statement, per village UNION ALL in total.
A scope's total households is a COUNT(DISTINCT) of its own, not a sum over villages, so a
household that moved village mid-week counts once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Subquery,
    cast,
    distinct,
    func,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import AssistAction, Assistance, Person, Village, VillageDay, VillageWeek
from bot.db.rows import plain_rows
from bot.services import visit_totals
from bot.services.reports.coverage import VillageRow, by_name, bytewise, villages_in
from bot.services.reports.figures import Scope

ACTIONS = tuple(action.value for action in AssistAction)
# Reports begin here, as months do (kpis.FIRST_YEAR): no help was logged earlier, and a day
# near date.min has no day before it to offer.
FIRST_DAY = date(2000, 1, 1)
ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
VN_DAY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$")


def parse_day(text: str, today: date) -> date:
    """'2026-11-20', '20/11/2026' or '20/11' (this year); anything else is refused politely."""
    text = text.strip()
    try:
        if found := ISO_DAY.match(text):
            year, month, day = (int(part) for part in found.groups())
            return check_day(date(year, month, day))
        if found := VN_DAY.match(text):
            day, month = int(found.group(1)), int(found.group(2))
            year = int(found.group(3)) if found.group(3) else today.year
            return check_day(date(year, month, day))
    except ValueError:
        pass
    raise DomainError("reports.bad_date", value=text[:20])


def check_day(day: date) -> date:
    """The day itself, unless it is before the reports begin."""
    if day < FIRST_DAY:
        raise DomainError("reports.day_too_early", first=FIRST_DAY.strftime("%d/%m/%Y"))
    return day


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


WORK_FIELDS = ("visits", *ACTIONS)

# Work, VillageCount and HelperCount are never changed once made, but not frozen: a frozen
# dataclass's __init__ costs three times as much, and a tally makes tens of thousands of them.


@dataclass(slots=True, unsafe_hash=True)
class Work:
    """How many visits ticked each action."""

    visits: int = 0
    account_created: int = 0
    level2_referral: int = 0
    portal_login: int = 0
    submitted_online: int = 0
    papers_digitised: int = 0
    paid_online: int = 0
    other: int = 0

    def __add__(self, other: Work) -> Work:
        return Work(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in WORK_FIELDS)

    def to_json(self) -> dict[str, int]:
        return dict(zip(WORK_FIELDS, self.values(), strict=True))


NO_WORK = Work()  # shared by every village without help (never changed, as all Work)


@dataclass(slots=True, unsafe_hash=True)
class VillageCount:
    village_id: int
    name: str
    households: int
    work: Work


@dataclass(slots=True, unsafe_hash=True)
class HelperCount:
    helper_id: int | None
    name: str | None  # None: the helper's account no longer exists
    households: int
    visits: int


@dataclass(frozen=True)
class RangeTally:
    """Assistance from `first` to `last` (both included) in the villages in scope."""

    first: date
    last: date
    villages: list[VillageCount]  # every village in scope, by name
    households: int
    work: Work
    helpers: list[HelperCount]  # most households first

    def village(self, village_id: int) -> VillageCount | None:
        return next((v for v in self.villages if v.village_id == village_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "households": self.households,
            "work": self.work.to_json(),
            "villages": [
                {
                    "id": v.village_id,
                    "name": v.name,
                    "households": v.households,
                    "work": v.work.to_json(),
                }
                for v in self.villages
            ],
            "helpers": [
                {"id": h.helper_id, "name": h.name, "households": h.households, "visits": h.visits}
                for h in self.helpers
            ],
        }


def _flag_sums() -> list[ColumnElement[Any]]:
    """Visits that ticked each action (COUNT … FILTER: SQLite 3.30+ and PostgreSQL)."""
    return [func.count().filter(getattr(Assistance, action)) for action in ACTIONS]


Counted = dict[int | None, tuple[int, Work]]  # village id (None: all in scope) → figures


async def _counted(session: AsyncSession, scope: Scope, first: date, last: date) -> Counted:
    """Distinct households, visits and work of first..last, per village and in total (key
    None): from the kept rows when the range is kept (see kept_range), else from the log. A
    scope's total households is a COUNT(DISTINCT) of its own, not a sum."""
    kept = await kept_range(session, scope, first, last)
    if kept is None:
        return await _counted_from_log(session, scope, first, last)
    per_village, total = kept
    counted: Counted = {}
    for village_id, households, *work in await plain_rows(session, union_all(per_village, total)):
        if village_id is not None:  # kept figures are ints, never NULL
            counted[village_id] = (households, Work(*work))
        else:
            counted[None] = total_of(households, work)
    return await scope_total(session, scope, first, last, counted)


async def kept_range(
    session: AsyncSession, scope: Scope, first: date, last: date
) -> tuple[Any, Any] | None:
    """The kept rows' per-village and total queries for a day or a week so far (each
    household credited once per period, see bot/db/models/visit_totals.py); None for any
    other range, which only the log can count."""
    if first == last:
        return kept_day(first, scope)
    if first != week_start(last):
        return None
    if await nothing_kept_after(session, last):
        return kept_week(first, scope)
    return days_summed(first, last, scope)  # a past day of a week with help after it


async def kept_total(
    session: AsyncSession, scope: Scope, first: date, last: date, total: Any
) -> tuple[int, Work]:
    """A kept period's total households and work, from its total query."""
    _, households, *work = (await plain_rows(session, total))[0]
    counted = await scope_total(session, scope, first, last, {None: total_of(households, work)})
    return counted[None]


def village_count(village_id: int, name: str, households: int | None, work: Any) -> VillageCount:
    """A village's row of a kept period joined to every village: no kept row is no help."""
    if households is None:
        return VillageCount(village_id, name, 0, NO_WORK)
    return VillageCount(village_id, name, households, Work(*work))


def total_of(households: int | None, work: Sequence[int | None]) -> tuple[int, Work]:
    """A total row's figures: its SUMs are NULL when nothing is kept."""
    return int(households or 0), Work(*(int(value or 0) for value in work))


async def scope_total(
    session: AsyncSession, scope: Scope, first: date, last: date, counted: Counted
) -> Counted:
    """A partial scope's total households counted from the log: the commune's credits may lie
    in a village out of scope."""
    if scope is not None:
        distinct_households = select(func.count(distinct(Assistance.household_id)))
        total = await session.scalar(_in_range(distinct_households, first, last, scope))
        counted[None] = (int(total or 0), counted[None][1])
    return counted


def kept_day(day: date, scope: Scope) -> tuple[Any, Any]:
    return _kept(VillageDay, VillageDay.day == day, scope, "households", "commune_households")


def kept_week(monday: date, scope: Scope) -> tuple[Any, Any]:
    return _kept(VillageWeek, VillageWeek.week == monday, scope,
                 "week_households", "commune_week_households")  # fmt: skip


def _kept(
    model: type[VillageDay | VillageWeek],
    where: ColumnElement[bool],
    scope: Scope,
    households: str,
    commune_households: str,
) -> tuple[Any, Any]:
    """One kept row per village (households, then WORK_FIELDS), and their total (village
    NULL)."""
    work = [getattr(model, name) for name in WORK_FIELDS]
    per_village = select(model.village_id, getattr(model, households), *work).where(where)
    total = select(
        cast(null(), Integer),
        func.sum(getattr(model, commune_households)),
        *(func.sum(column) for column in work),
    ).where(where)
    if scope is not None:
        per_village = per_village.where(model.village_id.in_(scope))
        total = total.where(model.village_id.in_(scope))
    return per_village, total


async def nothing_kept_after(session: AsyncSession, day: date) -> bool:
    """Whether no help is kept for the rest of `day`'s week (then its week row is the week so
    far: so it is for today)."""
    sunday = week_start(day) + timedelta(days=6)
    if day == sunday:
        return True
    later = select(VillageDay.day).where(VillageDay.day > day, VillageDay.day <= sunday).limit(1)
    return await session.scalar(later) is None


def days_summed(first: date, last: date, scope: Scope) -> tuple[Any, Any]:
    """The week so far summed from the kept days, per village and in total."""
    work = [func.sum(getattr(VillageDay, name)) for name in WORK_FIELDS]
    per_village = select(
        VillageDay.village_id, func.sum(VillageDay.week_households), *work
    ).group_by(VillageDay.village_id)
    total = select(cast(null(), Integer), func.sum(VillageDay.commune_week_households), *work)
    in_range: list[ColumnElement[bool]] = [VillageDay.day >= first, VillageDay.day <= last]
    if scope is not None:
        in_range.append(VillageDay.village_id.in_(scope))
    return per_village.where(*in_range), total.where(*in_range)


async def _counted_from_log(
    session: AsyncSession, scope: Scope, first: date, last: date
) -> Counted:
    """_counted for any range, counted in the log itself."""
    columns = [func.count(distinct(Assistance.household_id)), func.count(), *_flag_sums()]
    per_village = select(Assistance.village_id, *columns).group_by(Assistance.village_id)
    total = select(cast(null(), Integer), *columns)
    query = union_all(_in_range(per_village, first, last, scope),
                      _in_range(total, first, last, scope))  # fmt: skip
    rows = await plain_rows(session, query)
    return {  # COUNT is never NULL: the values are the ints themselves
        village_id: (households, Work(*work)) for village_id, households, *work in rows
    }


def _in_range(query: Any, first: date, last: date, scope: Scope) -> Any:
    if first == last:
        query = query.where(Assistance.day == first)
    else:
        query = query.where(Assistance.day >= first, Assistance.day <= last)
    if scope is not None:
        query = query.where(Assistance.village_id.in_(scope))
    return query


async def range_tally(
    session: AsyncSession,
    scope: Scope,
    first: date,
    last: date,
    villages: Sequence[VillageRow] | None = None,
    *,
    helpers: bool = True,
) -> RangeTally:
    """Distinct households, visits and work per village (and per helper), first to last."""
    kept = await kept_range(session, scope, first, last) if villages is None else None
    if kept is not None:  # every village in scope joined to its kept row: one statement
        per_village, total = kept
        rows = await _villages_with(session, scope, per_village.subquery())
        households, work = await kept_total(session, scope, first, last, total)
    else:
        if villages is None:
            villages = await villages_in(session, scope)
        counted = await _counted(session, scope, first, last)
        households, work = counted[None]
        none = (0, NO_WORK)
        rows = [VillageCount(v.id, v.name, *counted.get(v.id, none)) for v in villages]
    by_helper = await helper_counts(session, scope, first, last) if helpers and households else []
    return RangeTally(first, last, rows, households, work, by_helper)


async def _villages_with(
    session: AsyncSession, scope: Scope, per_village: Subquery
) -> list[VillageCount]:
    """Every village in scope, by name, with its row of `per_village` (village_id,
    households, then WORK_FIELDS)."""
    kept_village, *figures = per_village.c
    query = (
        select(Village.id, Village.name, *figures)
        .outerjoin(per_village, kept_village == Village.id)
        .order_by(*by_name(session))
    )
    if scope is not None:
        query = query.where(Village.id.in_(scope))
    return [
        village_count(village_id, name, households, work)
        for village_id, name, households, *work in await plain_rows(session, query)
    ]


async def helper_counts(
    session: AsyncSession,
    scope: Scope,
    first: date,
    last: date,
    *,
    limit: int | None = None,
    one_commune: bool = False,
) -> list[HelperCount]:
    """Per helper: distinct households and visits (aggregated first, then named), most
    households first; the first `limit` of them (None: all). `one_commune`: every village
    helped is in one commune."""
    counted = helper_figures(scope, first, last, one_commune=one_commune)
    query = (
        select(counted.c.helper_id, Person.display_name, counted.c.households, counted.c.visits)
        .outerjoin(Person, Person.id == counted.c.helper_id)
        .order_by(
            counted.c.households.desc(),
            counted.c.visits.desc(),
            bytewise(session, func.coalesce(Person.display_name, "")),
            func.coalesce(counted.c.helper_id, 0),  # namesakes: the same order every time
        )
        .limit(limit)
    )
    return [
        HelperCount(helper_id, name, int(hh), int(visits))
        for helper_id, name, hh, visits in await plain_rows(session, query)
    ]


def helper_figures(
    scope: Scope, first: date, last: date, *, one_commune: bool = False
) -> Subquery:
    """A row per helper (helper_id, households, visits): one day of every village from the
    kept helper days (one commune's: a row each already), anything else from the log."""
    if scope is None and first == last:
        if one_commune:
            return visit_totals.kept_helpers_of_a_commune(first)
        return visit_totals.kept_helpers(first, last, "households")
    from_log: Subquery = _in_range(
        select(
            Assistance.helper_id.label("helper_id"),
            func.count(distinct(Assistance.household_id)).label("households"),
            func.count().label("visits"),
        ).group_by(Assistance.helper_id),
        first,
        last,
        scope,
    ).subquery()
    return from_log


@dataclass(frozen=True)
class DayRow:
    day: date
    village_id: int | None  # None: all villages in scope together
    households: int
    work: Work


async def day_rows(
    session: AsyncSession, scope: Scope, first: date, last: date
) -> tuple[list[DayRow], list[DayRow]]:
    """For a month's workbook: per (day, village) and per day, distinct households and work."""
    per_village = _in_range(
        select(
            Assistance.day,
            Assistance.village_id,
            func.count(distinct(Assistance.household_id)),
            func.count(),
            *_flag_sums(),
        ).group_by(Assistance.day, Assistance.village_id),
        first,
        last,
        scope,
    )
    per_day = _in_range(
        select(
            Assistance.day,
            func.count(distinct(Assistance.household_id)),
            func.count(),
            *_flag_sums(),
        ).group_by(Assistance.day),
        first,
        last,
        scope,
    )

    def work(values: Sequence[Any]) -> Work:
        return Work(*(int(value or 0) for value in values))

    villages = [
        DayRow(day, village_id, int(hh), work(rest))
        for day, village_id, hh, *rest in await plain_rows(session, per_village)
    ]
    days = [
        DayRow(day, None, int(hh), work(rest))
        for day, hh, *rest in await plain_rows(session, per_day)
    ]
    villages.sort(key=lambda row: (row.day, row.village_id or 0))
    days.sort(key=lambda row: row.day)
    return villages, days
