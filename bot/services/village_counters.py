"""The kept register figures per village (`village_counters`): bulk writes, check and repair.

Changes made through the ORM keep the counters by themselves (bot/db/models/counters.py).
Bulk writes with Core call `lock` for their villages before writing households and `refresh`
after: one grouped statement recomputes the touched villages from their households. For an
import that is as fast as adding deltas computed in Python (both are small next to writing the
rows: one indexed scan of the touched villages), and it stays right even when the plan's
stored values were read before a chat save in the same village committed: the rows locked
first make such a save wait, or wait for it, and the recount runs after.

`check` recomputes every village from its households (`dvcbot db check`), `repair` writes the
recomputed figures where they drifted, audited as one entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Household, Village, VillageCounter
from bot.db.models.counters import COUNTED, upsert
from bot.services import audit

Counts = tuple[int, ...]
ZERO: Counts = (0,) * len(COUNTED)


async def actual(
    session: AsyncSession, village_ids: Iterable[int] | None = None
) -> dict[int, Counts]:
    """Figures recomputed from the households of the given villages (all when None), for the
    villages that have any."""
    query = select(
        Household.village_id,
        func.count(),
        func.sum(case((Household.members_with_account >= 1, 1), else_=0)),
        func.sum(Household.members_with_account),
        func.sum(case((Household.submitted_online, 1), else_=0)),
        func.sum(case((Household.paid_online, 1), else_=0)),
    ).group_by(Household.village_id)
    if village_ids is not None:
        query = query.where(Household.village_id.in_(sorted(set(village_ids))))
    return {
        row[0]: tuple(int(value or 0) for value in row[1:]) for row in await session.execute(query)
    }


async def stored(session: AsyncSession) -> dict[int, Counts]:
    rows = await session.execute(
        select(VillageCounter.village_id, *(getattr(VillageCounter, n) for n in COUNTED))
    )
    return {village_id: tuple(values) for village_id, *values in rows}


async def write(session: AsyncSession, figures: dict[int, Counts]) -> None:
    """Replace the counters of these villages, in village order."""
    if not figures:
        return
    connection = await session.connection()
    rows = [
        {"village_id": village_id, **dict(zip(COUNTED, figures[village_id], strict=True))}
        for village_id in sorted(figures)
    ]
    await connection.execute(upsert(connection.dialect.name, add=False), rows)


async def lock(session: AsyncSession, village_ids: Iterable[int]) -> None:
    """Make and lock the counter rows of these villages (in order) before a bulk write."""
    ids = sorted(set(village_ids))
    if not ids:
        return
    connection = await session.connection()
    rows = [{"village_id": village_id, **dict.fromkeys(COUNTED, 0)} for village_id in ids]
    await connection.execute(upsert(connection.dialect.name, add=True), rows)


async def refresh(session: AsyncSession, village_ids: Iterable[int]) -> None:
    """Recompute these villages from their households, after a bulk write (locked first)."""
    ids = set(village_ids)
    if not ids:
        return
    counted = await actual(session, ids)
    await write(session, {village_id: counted.get(village_id, ZERO) for village_id in ids})


@dataclass(frozen=True)
class Drift:
    village_id: int
    name: str
    stored: Counts | None  # None: the village has no counter row
    actual: Counts


async def check(session: AsyncSession) -> list[Drift]:
    """Villages whose kept figures differ from a recomputation, by village id."""
    counted, kept = await actual(session), await stored(session)
    names = {
        village_id: name
        for village_id, name in await session.execute(select(Village.id, Village.name))
    }
    drifts = []
    for village_id in sorted(names):
        real = counted.get(village_id, ZERO)
        have = kept.get(village_id)
        if have != real and not (have is None and real == ZERO):
            drifts.append(Drift(village_id, names[village_id], have, real))
    return drifts


async def repair(session: AsyncSession, drifts: list[Drift], *, actor_id: int | None) -> None:
    """Write the recomputed figures of the drifting villages; one audit entry for all."""
    if not drifts:
        return
    await write(session, {drift.village_id: drift.actual for drift in drifts})
    await audit.record(
        session,
        actor_id=actor_id,
        action="repair",
        entity="village_counters",
        entity_id="all",
        before={
            str(d.village_id): dict(zip(COUNTED, d.stored or ZERO, strict=True)) for d in drifts
        },
        after={str(d.village_id): dict(zip(COUNTED, d.actual, strict=True)) for d in drifts},
    )
