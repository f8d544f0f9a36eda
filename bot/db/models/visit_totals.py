"""Help-desk figures kept per village and day, and per helper and day, so a daily tally or a
month's KPIs read a few thousand kept rows instead of counting a year of visits.

Each row is a sum of credits: every visit adds to its village's day (visits, ticked actions,
dossiers), and a household is credited once per period where it was first helped in it:
- `households`: first visit of the household in this village on this day;
- `week_households`: first visit of the household in this village this week (Monday first),
  so the week so far is the sum from Monday to the day;
- `commune_households` / `commune_week_households` / `commune_month_households`: the same in
  the whole commune (the month a calendar month), credited to the village of that first
  visit, so a commune's total counts a household that moved village once;
- per helper (and commune): `households` that day and `month_households` in the calendar month.
Kept by bot/services/visit_totals.py in the same transaction as every change to the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    ForeignKey,
    Index,
    UniqueConstraint,
    and_,
    case,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db.base import Base
from bot.db.models.households import Assistance
from bot.db.models.places import Village
from bot.db.upsert import insert_for

ACTION_FIELDS = (
    "account_created",
    "level2_referral",
    "portal_login",
    "submitted_online",
    "papers_digitised",
    "paid_online",
    "other",
)
DOSSIER_FIELDS = ("dossiers", "dossiers_online", "dossiers_digitised", "fee_dossiers", "fees_paid")
CREDIT_FIELDS = (
    "households",
    "week_households",
    "commune_households",
    "commune_week_households",
    "commune_month_households",
)
VILLAGE_DAY_FIELDS = ("visits", *ACTION_FIELDS, *DOSSIER_FIELDS, *CREDIT_FIELDS)
HELPER_DAY_FIELDS = ("visits", "dossiers", "households", "month_households")


class VillageDay(Base):
    """A village's help on one day (see the module docstring for each figure)."""

    __tablename__ = "village_days"
    __table_args__ = (Index("ix_village_days_day", "day", "village_id"),)

    village_id: Mapped[int] = mapped_column(
        ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    visits: Mapped[int] = mapped_column(default=0)
    account_created: Mapped[int] = mapped_column(default=0)
    level2_referral: Mapped[int] = mapped_column(default=0)
    portal_login: Mapped[int] = mapped_column(default=0)
    submitted_online: Mapped[int] = mapped_column(default=0)
    papers_digitised: Mapped[int] = mapped_column(default=0)
    paid_online: Mapped[int] = mapped_column(default=0)
    other: Mapped[int] = mapped_column(default=0)
    dossiers: Mapped[int] = mapped_column(default=0)
    dossiers_online: Mapped[int] = mapped_column(default=0)
    dossiers_digitised: Mapped[int] = mapped_column(default=0)
    fee_dossiers: Mapped[int] = mapped_column(default=0)
    fees_paid: Mapped[int] = mapped_column(default=0)
    households: Mapped[int] = mapped_column(default=0)
    week_households: Mapped[int] = mapped_column(default=0)
    commune_households: Mapped[int] = mapped_column(default=0)
    commune_week_households: Mapped[int] = mapped_column(default=0)
    commune_month_households: Mapped[int] = mapped_column(default=0)


class HelperDay(Base):
    """A helper's help in one commune on one day. A deleted helper's rows keep their figures
    with no helper (several such rows may then share a day: figures are only ever summed)."""

    __tablename__ = "helper_days"
    __table_args__ = (
        UniqueConstraint("helper_id", "commune_id", "day"),
        Index("ix_helper_days_day", "day", "helper_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    day: Mapped[date]
    visits: Mapped[int] = mapped_column(default=0)
    dossiers: Mapped[int] = mapped_column(default=0)
    households: Mapped[int] = mapped_column(default=0)
    month_households: Mapped[int] = mapped_column(default=0)


# ----------------------------------------------------------------------------- credits

VillageKey = tuple[int, date]  # village id, day
HelperKey = tuple[int | None, int, date]  # helper id, commune id, day
Credits = tuple[dict[VillageKey, list[int]], dict[HelperKey, list[int]]]


def _period_keys(dialect: str) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The visit's week (its Monday) and calendar month, as the database computes them."""
    if dialect == "postgresql":
        return func.date_trunc("week", Assistance.day), func.date_trunc("month", Assistance.day)
    return func.date(Assistance.day, "weekday 0", "-6 days"), func.strftime(
        "%Y-%m", Assistance.day
    )


def _first_in(*partition: Any) -> ColumnElement[int]:
    """1 on the household's first visit (by day, then time) within the partition, else 0."""
    order = (Assistance.day, Assistance.at, Assistance.id)
    number = func.row_number().over(partition_by=partition, order_by=order)
    return case((number == 1, 1), else_=0)


def _credited(dialect: str, where: Sequence[ColumnElement[bool]]) -> Any:
    """The visits matching `where`, each with the credits it earns."""
    week, month = _period_keys(dialect)
    household, village, helper = (
        Assistance.household_id,
        Assistance.village_id,
        Assistance.helper_id,
    )
    commune, day = Village.commune_id, Assistance.day
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
            village.label("village_id"),
            commune.label("commune_id"),
            helper.label("helper_id"),
            day.label("day"),
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
    """What the visits matching `where` add to each village day (village_id, day, then
    VILLAGE_DAY_FIELDS) and to each helper day (helper_id, commune_id, day, then
    HELPER_DAY_FIELDS). `where` must take whole households: their every visit in the
    periods concerned."""
    visits = _credited(dialect, where)
    summed = [func.sum(visits.c[name]) for name in VILLAGE_DAY_FIELDS[1:]]
    per_village = select(visits.c.village_id, visits.c.day, func.count(), *summed).group_by(
        visits.c.village_id, visits.c.day
    )
    per_helper = select(
        visits.c.helper_id,
        visits.c.commune_id,
        visits.c.day,
        func.count(),
        func.sum(visits.c.dossiers),
        func.sum(visits.c.helper_households),
        func.sum(visits.c.helper_month_households),
    ).group_by(visits.c.helper_id, visits.c.commune_id, visits.c.day)
    return per_village, per_helper


def credits(connection: Connection, where: Sequence[ColumnElement[bool]]) -> Credits:
    """credit_queries, run: figures by key."""
    per_village, per_helper = credit_queries(connection.dialect.name, where)
    villages = {
        (village_id, _as_date(day)): [int(value) for value in values]
        for village_id, day, *values in connection.execute(per_village)
    }
    helpers = {
        (helper_id, commune_id, _as_date(day)): [int(value) for value in values]
        for helper_id, commune_id, day, *values in connection.execute(per_helper)
    }
    return villages, helpers


def _as_date(value: Any) -> date:
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
    _add(connection, VillageDay, ("village_id", "day"), before[0], after[0])
    _add(connection, HelperDay, ("helper_id", "commune_id", "day"), before[1], after[1])


def _add(
    connection: Connection,
    model: type[VillageDay] | type[HelperDay],
    keys: tuple[str, ...],
    before: Mapping[Any, list[int]],
    after: Mapping[Any, list[int]],
) -> None:
    """One table's changes, in key order so that parallel saves lock rows in the same order."""
    fields = VILLAGE_DAY_FIELDS if model is VillageDay else HELPER_DAY_FIELDS
    zero = [0] * len(fields)
    rows = []
    for key in sorted(before.keys() | after.keys(), key=_sortable):
        change = [b - a for a, b in zip(before.get(key, zero), after.get(key, zero), strict=True)]
        if any(change):
            rows.append(
                {**dict(zip(keys, key, strict=True)), **dict(zip(fields, change, strict=True))}
            )
    if rows:
        statement = insert_for(connection.dialect.name, model)
        table = model.__table__
        added = {name: table.c[name] + statement.excluded[name] for name in fields}
        connection.execute(
            statement.on_conflict_do_update(index_elements=list(keys), set_=added), rows
        )


def _sortable(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(-1 if part is None else part for part in key)


PENDING = "visit_totals.before"


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
