"""Register figures kept per village, so coverage reads one row per village.

`village_counters` holds, for each village, what coverage would otherwise aggregate from a
million households: households, covered (households with `members_with_account >= 1`),
accounts (sum of `members_with_account`), and households that submitted / paid online.

Kept in the same transaction as every change to a household:
- every change made through the ORM (chat create and edit, help logging and its undo, any
  future delete or move between villages) by the flush hook below, which adds each
  household's figures before and after as deltas per village;
- bulk writes with Core (imports, demo data) call `bot.services.village_counters` themselves.

A delta is applied with one `INSERT … ON CONFLICT (village_id) DO UPDATE SET households =
village_counters.households + excluded.households …`: atomic on PostgreSQL, so parallel saves
in one village never lose an increment, and the row is made for a village that has none yet.
Counters are written before the households in the same flush, and an import locks the rows of
its villages (sorted) before writing households, so a save and an import always lock in the
same order and cannot deadlock. `dvcbot db check` recomputes them from the households.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ForeignKey, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import Executable

from bot.db.base import Base
from bot.db.models.households import Household
from bot.db.upsert import insert_for

COUNTED = ("households", "covered", "accounts", "submitted_online", "paid_online")
# The household fields the counters depend on.
SOURCE_FIELDS = ("village_id", "members_with_account", "submitted_online", "paid_online")
Counts = tuple[int, int, int, int, int]


class VillageCounter(Base):
    """A village's register figures, kept in step with its households."""

    __tablename__ = "village_counters"

    village_id: Mapped[int] = mapped_column(
        ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True
    )
    households: Mapped[int] = mapped_column(default=0)
    covered: Mapped[int] = mapped_column(default=0)
    accounts: Mapped[int] = mapped_column(default=0)
    submitted_online: Mapped[int] = mapped_column(default=0)
    paid_online: Mapped[int] = mapped_column(default=0)


def counts_of(accounts: int | None, submitted: bool | None, paid: bool | None) -> Counts:
    """What one household adds to its village (None: the column default, not set yet)."""
    accounts = accounts or 0
    return (1, int(accounts >= 1), accounts, int(bool(submitted)), int(bool(paid)))


def add_to(deltas: dict[int, list[int]], village_id: int, counts: Counts, sign: int) -> None:
    total = deltas[village_id]
    for index, value in enumerate(counts):
        total[index] += sign * value


def upsert(dialect: str, *, add: bool) -> Executable:
    """INSERT a village's counters; on conflict add to them (`add`) or replace them."""
    statement = insert_for(dialect, VillageCounter)
    table = VillageCounter.__table__
    return statement.on_conflict_do_update(
        index_elements=["village_id"],
        set_={
            name: (table.c[name] + statement.excluded[name]) if add else statement.excluded[name]
            for name in COUNTED
        },
    )


def delta_rows(deltas: Mapping[int, Iterable[int]]) -> list[dict[str, int]]:
    """Parameter sets for upsert(add=True), by village id (the order rows are locked in)."""
    rows = []
    for village_id in sorted(deltas):
        values = list(deltas[village_id])
        if any(values):
            rows.append({"village_id": village_id, **dict(zip(COUNTED, values, strict=True))})
    return rows


def _before(household: Household) -> tuple[int, Counts] | None:
    """The village and figures of the stored row, from the attributes' history; None when an
    old value was never loaded (then the caller reads the row)."""
    state = inspect(household)
    old: dict[str, Any] = {}
    for name in SOURCE_FIELDS:
        history = state.attrs[name].history
        if not history.has_changes():
            old[name] = getattr(household, name)
        elif history.deleted:
            old[name] = history.deleted[0]
        else:
            return None
    return old["village_id"], counts_of(*(old[name] for name in SOURCE_FIELDS[1:]))


def _stored(session: Session, household_id: int) -> tuple[int, Counts]:
    columns = (getattr(Household, name) for name in SOURCE_FIELDS)
    query = select(*columns).where(Household.id == household_id)
    row = session.connection().execute(query).one()
    return row[0], counts_of(*row[1:])


@event.listens_for(Session, "before_flush")
def _keep_counters(session: Session, _context: Any, _instances: Any) -> None:
    """Apply the figures of the households this flush adds, changes or deletes."""
    deltas: dict[int, list[int]] = defaultdict(lambda: [0] * len(COUNTED))
    for household in session.new:
        if isinstance(household, Household):
            now = counts_of(*(getattr(household, n) for n in SOURCE_FIELDS[1:]))
            add_to(deltas, household.village_id, now, 1)
    for household in session.deleted:
        if isinstance(household, Household):
            add_to(deltas, *_stored(session, household.id), -1)
    for household in session.dirty:
        if not isinstance(household, Household) or not session.is_modified(household):
            continue
        before = _before(household) or _stored(session, household.id)
        now = counts_of(*(getattr(household, n) for n in SOURCE_FIELDS[1:]))
        if before != (household.village_id, now):
            add_to(deltas, *before, -1)
            add_to(deltas, household.village_id, now, 1)
    rows = delta_rows(deltas)
    if rows:
        connection = session.connection()
        connection.execute(upsert(connection.dialect.name, add=True), rows)
