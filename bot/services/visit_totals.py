"""The kept help-desk figures (`village_days`, `helper_days`) against the visit log.

Every change to the log made through the ORM keeps them by itself (the flush hook in
bot/db/models/visit_totals.py). Bulk writes with Core (demo data, benches) call `rebuild`.
`check` recounts everything from the log in SQL and returns the keys that differ (for
`dvcbot db check`); `rebuild` replaces the kept rows with the recount, audited by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, delete, except_, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HelperDay, Village, VillageDay
from bot.db.models.visit_totals import HELPER_DAY_FIELDS, VILLAGE_DAY_FIELDS, credit_queries
from bot.services import audit

SHOWN = 20  # drifting village days listed by `check`; all are counted


@dataclass(frozen=True)
class TotalsDrift:
    village_days: int  # (village, day) rows whose kept figures differ from the recount
    helper_days: int
    examples: list[tuple[str, date]]  # village name and day, the first SHOWN


def _kept_villages() -> Select[Any]:
    fields = [getattr(VillageDay, name) for name in VILLAGE_DAY_FIELDS]
    return select(VillageDay.village_id, VillageDay.day, *fields).where(
        or_(*(field != 0 for field in fields))
    )


def _kept_helpers() -> Select[Any]:
    sums = [func.sum(getattr(HelperDay, name)) for name in HELPER_DAY_FIELDS]
    return (
        select(HelperDay.helper_id, HelperDay.commune_id, HelperDay.day, *sums)
        .group_by(HelperDay.helper_id, HelperDay.commune_id, HelperDay.day)
        .having(or_(*(total != 0 for total in sums)))
    )


async def check(session: AsyncSession) -> TotalsDrift | None:
    """What differs between the kept rows and a recount from the whole log; None: nothing."""
    connection = await session.connection()
    recount_villages, recount_helpers = credit_queries(connection.dialect.name, [])

    async def differing(kept: Select[Any], recount: Select[Any], key: int) -> list[Any]:
        """The keys (first `key` columns) of rows in one and not the other."""
        keys: set[Any] = set()
        for one, other in ((kept, recount), (recount, kept)):
            missing = except_(one, other).subquery()
            keys.update((await session.execute(select(*missing.c[:key]))).all())
        return list(keys)

    villages = await differing(_kept_villages(), recount_villages, 2)
    helpers = await differing(_kept_helpers(), recount_helpers, 3)
    if not villages and not helpers:
        return None
    keys = sorted(villages)[:SHOWN]
    names = dict(
        (await session.execute(
            select(Village.id, Village.name).where(Village.id.in_({k[0] for k in keys}))
        )).all()
    )  # fmt: skip
    examples = [(names.get(village_id, str(village_id)), day) for village_id, day in keys]
    return TotalsDrift(len(villages), len(helpers), examples)


async def rebuild(session: AsyncSession) -> None:
    """Replace every kept row with the recount from the log (two grouped statements)."""
    connection = await session.connection()
    per_village, per_helper = credit_queries(connection.dialect.name, [])
    await session.execute(delete(VillageDay))
    await session.execute(delete(HelperDay))
    await session.execute(
        insert(VillageDay).from_select(["village_id", "day", *VILLAGE_DAY_FIELDS], per_village)
    )
    await session.execute(
        insert(HelperDay).from_select(
            ["helper_id", "commune_id", "day", *HELPER_DAY_FIELDS], per_helper
        )
    )


async def repair(session: AsyncSession, drift: TotalsDrift, *, actor_id: int | None) -> None:
    """Rebuild, with one audit entry saying how many rows drifted."""
    await rebuild(session)
    await audit.record(
        session,
        actor_id=actor_id,
        action="repair",
        entity="visit_totals",
        entity_id="all",
        before={"village_days": drift.village_days, "helper_days": drift.helper_days},
        after={"rebuilt": True},
    )
