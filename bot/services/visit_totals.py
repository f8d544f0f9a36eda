"""The kept help-desk figures (`village_days`, `village_weeks`, `helper_days`) against the log.

Every change to the log made through the ORM keeps them by itself (the flush hook in
bot/db/models/visit_credits.py). Bulk writes with Core (demo data, benches) call `rebuild`.
`check` recounts everything from the log in SQL and returns the keys that differ (for
`dvcbot db check`); `repair` replaces the kept rows with the recount, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, Subquery, delete, except_, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HelperDay, Village, VillageDay, VillageWeek
from bot.db.models.visit_credits import as_date, credit_queries, week_query
from bot.db.models.visit_totals import FIELDS, KEYS, NO_HELPER
from bot.services import audit

SHOWN = 20  # drifting village days listed by `check`; all are counted
KEPT = (VillageDay, VillageWeek, HelperDay)


@dataclass(frozen=True)
class TotalsDrift:
    village_days: int  # (day, village) rows whose kept figures differ from the recount
    helper_days: int  # (day, commune, helper) rows, likewise
    village_weeks: int  # (week, village) rows that differ from the sum of the kept days
    examples: list[tuple[str, date]]  # village name and day, the first SHOWN


def _kept(model: type[VillageDay | VillageWeek | HelperDay]) -> Select[Any]:
    """Every kept row with a figure other than zero (a row of zeros is as good as none)."""
    table = model.__table__
    figures = [table.c[name] for name in FIELDS[model.__tablename__]]
    keys = [table.c[name] for name in KEYS[model.__tablename__]]
    return select(*keys, *figures).where(or_(*(figure != 0 for figure in figures)))


def kept_helpers(first: date, last: date, households: str) -> Subquery:
    """Per helper (None: visits without one) over the kept helper days first..last: the
    credits column `households` names ("households" for one day, "month_households" for a
    calendar month) as households, visits and dossiers; helpers without a visit left out."""
    visits = func.sum(HelperDay.visits)
    return (
        select(
            func.nullif(HelperDay.helper_id, NO_HELPER).label("helper_id"),
            func.sum(getattr(HelperDay, households)).label("households"),
            visits.label("visits"),
            func.sum(HelperDay.dossiers).label("dossiers"),
        )
        .where(HelperDay.day >= first, HelperDay.day <= last)
        .group_by(HelperDay.helper_id)
        .having(visits > 0)
        .subquery()
    )


def kept_helpers_of_a_commune(day: date) -> Subquery:
    """kept_helpers(day, day, "households") when every row of the day is one commune's: a row
    per helper already, so none is grouped (a third of the time on 5,000 helpers)."""
    return (
        select(
            func.nullif(HelperDay.helper_id, NO_HELPER).label("helper_id"),
            HelperDay.households,
            HelperDay.visits,
            HelperDay.dossiers,
        )
        .where(HelperDay.day == day, HelperDay.visits > 0)
        .subquery()
    )


def kept_helper_count(day: date) -> Select[Any]:
    """How many rows kept_helpers(day, day, …) has: the helpers with a visit that day (and
    visits without a helper, as one), counted without grouping."""
    return select(func.count(func.distinct(HelperDay.helper_id))).where(
        HelperDay.day == day, HelperDay.visits > 0
    )


async def check(session: AsyncSession) -> TotalsDrift | None:
    """What differs between the kept rows and a recount from the whole log; None: nothing."""
    dialect = (await session.connection()).dialect.name
    recount_villages, recount_helpers = credit_queries(dialect, [])

    async def differing(kept: Select[Any], recount: Select[Any], key: int) -> list[Any]:
        """The keys (first `key` columns) of rows in one and not the other."""
        keys: set[Any] = set()
        for one, other in ((kept, recount), (recount, kept)):
            missing = except_(one, other).subquery()
            rows = await session.execute(select(*missing.c[:key]))
            keys.update((as_date(day), *rest) for day, *rest in rows)
        return sorted(keys)

    days = await differing(_kept(VillageDay), recount_villages, 2)
    helpers = await differing(_kept(HelperDay), recount_helpers, 3)
    weeks = await differing(_kept(VillageWeek), week_query(dialect), 2)
    if not days and not helpers and not weeks:
        return None
    keys = days[:SHOWN]
    names = dict(
        (await session.execute(
            select(Village.id, Village.name).where(Village.id.in_({k[1] for k in keys}))
        )).all()
    )  # fmt: skip
    examples = [(names.get(village_id, str(village_id)), day) for day, village_id in keys]
    return TotalsDrift(len(days), len(helpers), len(weeks), examples)


async def rebuild(session: AsyncSession) -> None:
    """Replace every kept row with the recount from the log, stored in key order."""
    dialect = (await session.connection()).dialect.name
    per_village, per_helper = credit_queries(dialect, [])
    for model in KEPT:
        await session.execute(delete(model))
    for model, query in (
        (VillageDay, per_village),
        (HelperDay, per_helper),
        (VillageWeek, week_query(dialect)),  # from the days just written
    ):
        columns = [*KEYS[model.__tablename__], *FIELDS[model.__tablename__]]
        ordered = query.order_by(*query.selected_columns[:2])
        await session.execute(insert(model).from_select(columns, ordered))


async def repair(session: AsyncSession, drift: TotalsDrift, *, actor_id: int | None) -> None:
    """Rebuild, with one audit entry saying how many rows drifted."""
    await rebuild(session)
    await audit.record(
        session,
        actor_id=actor_id,
        action="repair",
        entity="visit_totals",
        entity_id="all",
        before={
            "village_days": drift.village_days,
            "helper_days": drift.helper_days,
            "village_weeks": drift.village_weeks,
        },
        after={"rebuilt": True},
    )
