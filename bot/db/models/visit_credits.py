"""What each visit earns the kept village days, weeks and helper days (visit_totals.py), and
the flush hook that keeps them in step with the help log.

A household's credits depend on its other visits (only its first in a period counts), so the
hook reads the credits of the households a flush touches, over every week and month their
visits fall in, before the flush and after it, and adds the difference: right for a new
visit, a late one, an edit or a delete alike. The difference is applied with `INSERT … ON
CONFLICT DO UPDATE SET x = x + excluded.x`, atomic on PostgreSQL, in key order so parallel
saves lock rows in the same order. Two saves for the same household committed at the same
instant on PostgreSQL could each see the other's visit missing and both credit it as first;
`dvcbot db check` finds that and `--repair` recounts. The same queries without a household
filter recount the whole log (`bot.services.visit_totals`: check, rebuild).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    and_,
    case,
    cast,
    event,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Session

from bot.db.models.households import Assistance
from bot.db.models.places import Village
from bot.db.models.visit_totals import (
    ACTION_FIELDS,
    FIELDS,
    HELPER_DAY_FIELDS,
    KEYS,
    NO_HELPER,
    VILLAGE_DAY_FIELDS,
    VILLAGE_WEEK_FIELDS,
    HelperDay,
    VillageDay,
    VillageWeek,
)
from bot.db.upsert import insert_for

Figures = dict[tuple[Any, ...], list[int]]  # key columns → figures, in the table's field order
Credits = tuple[Figures, Figures]  # village days (day, village_id), helper days
WEEK_INDEXES = [VILLAGE_DAY_FIELDS.index(name) for name in VILLAGE_WEEK_FIELDS]


def week_of(dialect: str, day: Any) -> ColumnElement[Any]:
    """The Monday of `day`'s week, as the database computes it."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", day), Date)
    return func.date(day, "weekday 0", "-6 days")


def _month_of(dialect: str, day: Any) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.date_trunc("month", day)
    return func.strftime("%Y-%m", day)


def _first_in(*partition: Any) -> ColumnElement[int]:
    """1 on the household's first visit (by day, then time) within the partition, else 0."""
    order = (Assistance.day, Assistance.at, Assistance.id)
    number = func.row_number().over(partition_by=partition, order_by=order)
    return case((number == 1, 1), else_=0)


def _credited(dialect: str, where: Sequence[ColumnElement[bool]]) -> Any:
    """The visits matching `where`, each with the credits it earns."""
    day, village, household = Assistance.day, Assistance.village_id, Assistance.household_id
    week, month = week_of(dialect, day), _month_of(dialect, day)
    commune, helper = Village.commune_id, func.coalesce(Assistance.helper_id, NO_HELPER)
    dossier = Assistance.procedure.is_not(None)
    fee_bearing = and_(dossier, Assistance.fee_required.is_(True))
    flags = {name: getattr(Assistance, name) for name in ACTION_FIELDS}
    flags |= {
        "dossiers": dossier,
        "dossiers_online": and_(dossier, Assistance.submitted_online),
        "dossiers_digitised": and_(dossier, Assistance.papers_digitised),
        "fee_dossiers": fee_bearing,
        "fees_paid": and_(fee_bearing, Assistance.paid_online),
    }
    return (
        select(
            day.label("day"),
            village.label("village_id"),
            commune.label("commune_id"),
            helper.label("helper_id"),
            *(case((flag, 1), else_=0).label(name) for name, flag in flags.items()),
            _first_in(household, village, day).label("households"),
            _first_in(household, village, week).label("week_households"),
            _first_in(household, commune, day).label("commune_households"),
            _first_in(household, commune, week).label("commune_week_households"),
            _first_in(household, commune, month).label("commune_month_households"),
            _first_in(household, helper, commune, day).label("helper_households"),
            _first_in(household, helper, commune, month).label("helper_month_households"),
        )
        .join(Village, Village.id == Assistance.village_id)
        .where(*where)
        .subquery()
    )


def credit_queries(dialect: str, where: Sequence[ColumnElement[bool]]) -> tuple[Any, Any]:
    """What the visits matching `where` add to each village day (day, village_id, then
    VILLAGE_DAY_FIELDS) and to each helper day (day, commune_id, helper_id, then
    HELPER_DAY_FIELDS). `where` must take whole households: their every visit in the
    periods concerned."""
    visits = _credited(dialect, where)
    summed = [func.sum(visits.c[name]) for name in VILLAGE_DAY_FIELDS[1:]]
    per_village = select(visits.c.day, visits.c.village_id, func.count(), *summed).group_by(
        visits.c.day, visits.c.village_id
    )
    per_helper = select(
        visits.c.day,
        visits.c.commune_id,
        visits.c.helper_id,
        func.count(),
        func.sum(visits.c.dossiers),
        func.sum(visits.c.helper_households),
        func.sum(visits.c.helper_month_households),
    ).group_by(visits.c.day, visits.c.commune_id, visits.c.helper_id)
    return per_village, per_helper


def week_query(dialect: str) -> Any:
    """Every village week, summed from the kept village days (week, village_id, then
    VILLAGE_WEEK_FIELDS)."""
    week = week_of(dialect, VillageDay.day)
    sums = [func.sum(getattr(VillageDay, name)) for name in VILLAGE_WEEK_FIELDS]
    return (
        select(week, VillageDay.village_id, *sums)
        .group_by(week, VillageDay.village_id)
        .having(or_(*(total != 0 for total in sums)))
    )


def credits(connection: Connection, where: Sequence[ColumnElement[bool]]) -> Credits:
    """credit_queries, run: figures by key."""
    per_village, per_helper = credit_queries(connection.dialect.name, where)
    villages = {
        (as_date(day), village_id): [int(value) for value in values]
        for day, village_id, *values in connection.execute(per_village)
    }
    helpers = {
        (as_date(day), commune_id, helper_id): [int(value) for value in values]
        for day, commune_id, helper_id, *values in connection.execute(per_helper)
    }
    return villages, helpers


def as_date(value: Any) -> date:
    """A day read back from the database (SQLite hands computed days back as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def span_of(days: Iterable[date]) -> tuple[date, date]:
    """From the first to the last day of every week and month the days fall in."""
    firsts, lasts = [], []
    for day in days:
        monday = day - timedelta(days=day.weekday())
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        firsts.append(min(monday, day.replace(day=1)))
        lasts.append(max(monday + timedelta(days=6), month_end))
    return min(firsts), max(lasts)


def households_where(households: Iterable[int], days: Iterable[date]) -> list[ColumnElement[bool]]:
    """The visits of these households in every period the days fall in."""
    first, last = span_of(days)
    return [
        Assistance.household_id.in_(sorted(set(households))),
        Assistance.day >= first,
        Assistance.day <= last,
    ]


def apply(connection: Connection, before: Credits, after: Credits) -> None:
    """Add what changed from `before` to `after` to the kept rows (made when missing)."""
    village_days = _changes(before[0], after[0], len(VILLAGE_DAY_FIELDS))
    weeks: Figures = defaultdict(lambda: [0] * len(VILLAGE_WEEK_FIELDS))
    for (day, village_id), change in village_days.items():
        total = weeks[(day - timedelta(days=day.weekday()), village_id)]
        for position, index in enumerate(WEEK_INDEXES):
            total[position] += change[index]
    _add(connection, VillageDay, village_days)
    _add(connection, VillageWeek, {key: week for key, week in weeks.items() if any(week)})
    _add(connection, HelperDay, _changes(before[1], after[1], len(HELPER_DAY_FIELDS)))


def _changes(
    before: Mapping[Any, list[int]], after: Mapping[Any, list[int]], width: int
) -> Figures:
    zero = [0] * width
    changes = {}
    for key in before.keys() | after.keys():
        change = [b - a for a, b in zip(before.get(key, zero), after.get(key, zero), strict=True)]
        if any(change):
            changes[key] = change
    return changes


def _add(
    connection: Connection, model: type[VillageDay | VillageWeek | HelperDay], changes: Figures
) -> None:
    """One table's changes, in key order so that parallel saves lock rows in the same order."""
    if not changes:
        return
    table = model.__table__
    keys, fields = KEYS[model.__tablename__], FIELDS[model.__tablename__]
    rows = [
        {**dict(zip(keys, key, strict=True)), **dict(zip(fields, changes[key], strict=True))}
        for key in sorted(changes)
    ]
    statement = insert_for(connection.dialect.name, model)
    added = {name: table.c[name] + statement.excluded[name] for name in fields}
    connection.execute(
        statement.on_conflict_do_update(index_elements=list(keys), set_=added), rows
    )


PENDING = "visit_credits.before"


def _touched(session: Session) -> tuple[set[int], set[date]] | None:
    """Households and days of the visits this flush adds, changes or deletes (old values too)."""
    households: set[int] = set()
    days: set[date] = set()
    for entry in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(entry, Assistance):
            continue
        state = inspect(entry)
        for name, into in (("household_id", households), ("day", days)):
            history = state.attrs[name].history
            into.update(value for value in (*history.added, *history.unchanged, *history.deleted)
                        if value is not None)  # fmt: skip
    return (households, days) if households and days else None


@event.listens_for(Session, "before_flush")
def _credits_before(session: Session, _context: Any, _instances: Any) -> None:
    """Read what the touched households earn before the flush writes their visits."""
    session.info.pop(PENDING, None)
    touched = _touched(session)
    if touched is not None:
        where = households_where(*touched)
        session.info[PENDING] = (where, credits(session.connection(), where))


@event.listens_for(Session, "after_flush")
def _credits_after(session: Session, _context: Any) -> None:
    """Apply the difference the flush made to those households' credits."""
    pending = session.info.pop(PENDING, None)
    if pending is not None:
        where, before = pending
        connection = session.connection()
        apply(connection, before, credits(connection, where))
