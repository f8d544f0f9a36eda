"""Coverage snapshots: each village's register figures as they stood at the end of a day (table
`coverage_snapshots`, one row per village and day), the baseline of coverage's 7-day change and
the register of a past day.

They are written by a daily job at `[reports] snapshot_time` (the day's closing figures) and, on
demand, whenever someone looks at coverage (today's rows are then copied from the counters just
read, in the same transaction; the evening job has the last word). Either way a row is rewritten
only where a figure changed. The baseline is the snapshot of exactly 7 days ago or, if that is
missing (the bot was off that day), the newest one from 8 to 13 days ago.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import Date, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CoverageSnapshot, Village, VillageCounter
from bot.db.rows import plain_rows
from bot.db.upsert import Upsert, insert_for
from bot.services.reports.figures import FIGURE_FIELDS, Figures, Scope

CHANGE_DAYS = 7
CHANGE_FALLBACK_DAYS = 6  # also accept a snapshot up to 13 days old, labelled with its date


async def snapshot_figures(session: AsyncSession, day: date, scope: Scope) -> dict[int, Figures]:
    """Each village's figures at the end of `day` (villages without a row that day: absent)."""
    query = select(
        CoverageSnapshot.village_id, *(getattr(CoverageSnapshot, f) for f in FIGURE_FIELDS)
    ).where(CoverageSnapshot.day == day)
    if scope is not None:
        query = query.where(CoverageSnapshot.village_id.in_(scope))
    rows = await plain_rows(session, query)
    return {village_id: Figures(*values) for village_id, *values in rows}


async def baseline_day(session: AsyncSession, today: date, scope: Scope) -> date | None:
    """The snapshot day the 7-day change is measured from (see the module docstring)."""
    newest = today - timedelta(days=CHANGE_DAYS)
    query = select(func.max(CoverageSnapshot.day)).where(
        CoverageSnapshot.day <= newest,
        CoverageSnapshot.day >= newest - timedelta(days=CHANGE_FALLBACK_DAYS),
    )
    if scope is not None:
        query = query.where(CoverageSnapshot.village_id.in_(scope))
    found: date | None = await session.scalar(query)
    return found


async def record_snapshot(
    session: AsyncSession, day: date, figures: Mapping[int, Figures]
) -> None:
    """Write (or overwrite) the snapshot rows of `day` for the given villages."""
    if not figures:
        return
    rows = [{"day": day, "village_id": vid, **item.to_json()} for vid, item in figures.items()]
    statement = insert_for(session.get_bind().dialect.name, CoverageSnapshot)
    await session.execute(_overwriting_changed(statement), rows)


async def snapshot_all(session: AsyncSession, day: date) -> int:
    """The daily job: record every village's figures (empty villages as zeros); returns how
    many villages there are."""
    await copy_counters(session, day, None)
    return int(await session.scalar(select(func.count()).select_from(Village)) or 0)


async def copy_counters(session: AsyncSession, day: date, scope: Scope) -> None:
    """Write (or overwrite) the snapshot rows of `day` for the villages in scope from the kept
    counters, by one INSERT … SELECT: no row passes through Python."""
    counters = VillageCounter.__table__
    figures = select(
        literal(day, Date()),
        Village.id,
        *(func.coalesce(counters.c[name], 0) for name in FIGURE_FIELDS),
    ).outerjoin(counters, counters.c.village_id == Village.id)
    # SQLite reads "… JOIN … ON CONFLICT" as a join constraint unless the SELECT has a WHERE.
    figures = figures.where(true() if scope is None else Village.id.in_(scope))
    insert = insert_for(session.get_bind().dialect.name, CoverageSnapshot)
    statement = insert.from_select(["day", "village_id", *FIGURE_FIELDS], figures)
    await session.execute(_overwriting_changed(statement))


def _overwriting_changed(statement: Upsert) -> Upsert:
    """A village's snapshot row of the day is overwritten only where a figure changed: an
    official looking again writes the few villages that moved, not the whole province (on
    PostgreSQL every overwritten row is a new row version, and its index entries too)."""
    row, new = CoverageSnapshot.__table__.c, statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["day", "village_id"],
        set_={name: new[name] for name in FIGURE_FIELDS},
        where=or_(*(row[name] != new[name] for name in FIGURE_FIELDS)),
    )


async def last_snapshot_day(
    session: AsyncSession, scope: Scope, first: date, last: date
) -> date | None:
    """The newest day from `first` to `last` with a snapshot of a village in scope."""
    query = select(func.max(CoverageSnapshot.day)).where(
        CoverageSnapshot.day >= first, CoverageSnapshot.day <= last
    )
    if scope is not None:
        query = query.where(CoverageSnapshot.village_id.in_(scope))
    found: date | None = await session.scalar(query)
    return found
