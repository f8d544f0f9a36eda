"""Account coverage per village and for the commune, for officials.

What is counted, from the household register (table `households`):
- households: registered households of the village;
- covered: households with at least one member holding a working account
  (`members_with_account >= 1`); coverage % = covered / households;
- accounts: members with an account, summed over the households;
- submitted_online / paid_online: households where someone has submitted a dossier / paid a fee
  online (the register's yes/no fields).

Why the registered households are the denominator, not the official count: the numerator can
only come from the register, so dividing by the register keeps both sides about the same
households. The official count (`villages.official_households`, from the commune's statistics)
often has another date and definition, is missing for some villages, and dividing the register's
covered households by it would mostly measure how complete the register is. That is worth knowing
too, so it is shown next to the coverage as "registered vs official" (registered / official
households) wherever an official count exists; the commune total of it only counts the villages
that have one, and says how many do not.

A village with no registered household has no coverage (shown as "—", status "empty", never
"0 %"); it is listed first so someone registers its households. A village whose register holds
less than `[reports] register_complete_pct` of its official count is "incomplete" ("sổ chưa đủ"):
its coverage only describes the households registered so far (6 of 368 registered, 5 of them
covered, is not 83 % of the village), so it is never green and never judged against the target;
it is shown with both ratios and listed next, since its register needs work. A village without an
official count cannot be checked and is judged on its register. The others are sorted by
coverage, lowest first, and flagged "lagging" when below the target from `[reports]
coverage_target`. Both thresholds are compared exactly, before rounding.

Change over the last 7 days: the figures now minus those of the coverage snapshot of 7 days ago
(snapshots.py says when they are written). If that one is missing (the bot was off that day),
the newest one from 8 to 13 days ago is used and its date is given with the change; if there is
none, the change is None and the report says so instead of inventing a number. A village
with no row in that snapshot (it did not exist yet) has no change of its own; the commune's change
counts it from 0.

Coverage as of the end of an earlier day (the monthly workbook of a past month) comes from that
day's snapshot: the register keeps no history (a household's accounts are overwritten, households
are deleted), so recomputing it from today's rows would not be exact, while the snapshot is the
register as it stood when the day closed. Only villages with a row that day are shown; the official
counts are today's (they have no history either).

Speed: the figures come from `village_counters` (one row per village, kept with every change to
a household: bot/db/models/counters.py), so nothing aggregates the households; one query joins
each village to its counters and its baseline snapshot row; Python only walks villages, once,
never households; today's snapshot is one INSERT … SELECT from the counters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Literal, NamedTuple

from sqlalchemy import SQLColumnExpression, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CoverageSnapshot, Role, Village, VillageCounter
from bot.db.rows import plain_rows
from bot.services import people
from bot.services.reports.figures import EMPTY, FIGURE_FIELDS, Change, Figures, Scope, percent
from bot.services.reports.snapshots import baseline_day, copy_counters, snapshot_figures

REPORT_ROLES = frozenset({Role.OFFICIAL, Role.ADMIN})
REGISTER_COMPLETE_PCT = 90.0  # the default of `[reports] register_complete_pct`
Status = Literal["empty", "incomplete", "lagging", "ok"]
# The report's order: empty villages, incomplete registers, then the rest, lowest coverage first.
# As one number, group + coverage / 2 (coverage is at most 1): floats compare faster than pairs.
GROUPS: dict[Status, float] = {"empty": 0.0, "incomplete": 1.0, "lagging": 2.0, "ok": 2.0}


async def report_scope(session: AsyncSession, person_id: int) -> Scope:
    """Villages whose reports a person may see: None for the whole commune.

    Only official and admin grants count (a village head who also volunteers elsewhere still
    sees only their own village). An empty set means no report role at all.
    """
    return await people.village_scope(session, person_id, REPORT_ROLES)


@dataclass(slots=True, unsafe_hash=True)  # not frozen, as Figures (figures.py says why)
class VillageCoverage:
    village_id: int
    name: str
    official_households: int | None
    figures: Figures
    status: Status
    # The five figures at the end of `since`, in FIGURE_FIELDS order (None: the village had no
    # snapshot row); made into Figures only when the change is asked for.
    before: Sequence[int] | None
    since: date | None = None

    @property
    def change(self) -> Change | None:
        """Made when asked: most of a province's villages never show theirs."""
        if self.since is None or self.before is None:
            return None
        return Change(self.since, Figures(*self.before), self.figures)

    @property
    def coverage_pct(self) -> float | None:
        return self.figures.coverage_pct

    @property
    def registered_vs_official_pct(self) -> float | None:
        return percent(self.figures.households, self.official_households)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.village_id,
            "name": self.name,
            **self.figures.to_json(),
            "coverage_pct": self.coverage_pct,
            "status": self.status,
            "official_households": self.official_households,
            "registered_vs_official_pct": self.registered_vs_official_pct,
            "change_7d": self.change.to_json() if self.change else None,
        }


@dataclass(frozen=True)
class CoverageReport:
    day: date
    target_pct: float
    villages: list[VillageCoverage]
    total: Figures
    change: Change | None
    official_households: int | None  # sum over the villages that have an official count
    registered_with_official: int  # registered households of those villages
    villages_without_official: int
    change_since: date | None = field(default=None)
    register_complete_pct: float = REGISTER_COMPLETE_PCT

    @property
    def coverage_pct(self) -> float | None:
        return self.total.coverage_pct

    @property
    def registered_vs_official_pct(self) -> float | None:
        return percent(self.registered_with_official, self.official_households)

    @property
    def lagging(self) -> list[VillageCoverage]:
        return [village for village in self.villages if village.status == "lagging"]

    @property
    def empty(self) -> list[VillageCoverage]:
        return [village for village in self.villages if village.status == "empty"]

    @property
    def incomplete(self) -> list[VillageCoverage]:
        return [village for village in self.villages if village.status == "incomplete"]

    @property
    def all_on_target(self) -> bool:
        """Some village is judged, none is below target and no register is incomplete."""
        judged = any(village.status == "ok" for village in self.villages)
        return judged and not self.lagging and not self.incomplete

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "target_pct": self.target_pct,
            "register_complete_pct": self.register_complete_pct,
            "change_since": self.change_since.isoformat() if self.change_since else None,
            "commune": {
                **self.total.to_json(),
                "coverage_pct": self.coverage_pct,
                "official_households": self.official_households,
                "villages_without_official_count": self.villages_without_official,
                "registered_vs_official_pct": self.registered_vs_official_pct,
                "villages": len(self.villages),
                "lagging_villages": len(self.lagging),
                "incomplete_villages": len(self.incomplete),
                "empty_villages": len(self.empty),
                "change_7d": self.change.to_json() if self.change else None,
            },
            "villages": [village.to_json() for village in self.villages],
        }


class Target:
    """A target percentage, compared exactly with whole numbers (no rounding surprises)."""

    def __init__(self, pct: float) -> None:
        self.pct = pct
        exact = Fraction(pct).limit_denominator(10_000)
        self.numerator, self.denominator = exact.numerator, exact.denominator

    def met(self, part: int, whole: int) -> bool:
        """part / whole >= pct %"""
        return 100 * part * self.denominator >= self.numerator * whole


def status_of(figures: Figures, official: int | None, target: Target, complete: Target) -> Status:
    """Empty, incomplete (register below `complete` of the official count), ok or lagging."""
    if not figures.households:
        return "empty"
    if official is not None and not complete.met(figures.households, official):
        return "incomplete"
    return "ok" if target.met(figures.covered, figures.households) else "lagging"


async def register_figures(session: AsyncSession, scope: Scope) -> dict[int, Figures]:
    """Register figures per village with households, from the kept counters."""
    query = select(
        VillageCounter.village_id, *(getattr(VillageCounter, f) for f in FIGURE_FIELDS)
    ).where(VillageCounter.households > 0)
    if scope is not None:
        query = query.where(VillageCounter.village_id.in_(scope))
    rows = await plain_rows(session, query)
    return {village_id: Figures(*values) for village_id, *values in rows}


async def register_total(session: AsyncSession, scope: Scope) -> Figures:
    """The register figures of the villages in scope together, summed in SQL."""
    query = select(
        *(func.coalesce(func.sum(getattr(VillageCounter, f)), 0) for f in FIGURE_FIELDS)
    )
    if scope is not None:
        query = query.where(VillageCounter.village_id.in_(scope))
    return Figures(*(int(value) for value in (await session.execute(query)).one()))


class VillageRow(NamedTuple):
    id: int
    name: str
    folded_name: str
    official_households: int | None
    commune_id: int


def by_name(session: AsyncSession) -> tuple[Any, ...]:
    """Villages in the order of their folded names (so accents do not change it), compared
    byte by byte on both databases: PostgreSQL would use the database's collation, which is
    slower and puts spaces and punctuation elsewhere than SQLite does."""
    return bytewise(session, Village.folded_name), Village.id


def bytewise(session: AsyncSession, text: SQLColumnExpression[str]) -> SQLColumnExpression[str]:
    """`text` compared byte by byte, as Python compares strings: SQLite does by default."""
    if session.get_bind().dialect.name == "postgresql":
        return text.collate("C")
    return text


async def villages_in(session: AsyncSession, scope: Scope) -> list[VillageRow]:
    """The villages in scope, by name."""
    query = select(
        Village.id,
        Village.name,
        Village.folded_name,
        Village.official_households,
        Village.commune_id,
    ).order_by(*by_name(session))
    if scope is not None:
        query = query.where(Village.id.in_(scope))
    return [VillageRow(*row) for row in await plain_rows(session, query)]


async def coverage(
    session: AsyncSession,
    scope: Scope,
    today: date,
    *,
    target_pct: float,
    register_complete_pct: float = REGISTER_COMPLETE_PCT,
    record: bool = True,
) -> CoverageReport:
    """The coverage report for the villages in scope; `record` refreshes today's snapshot.

    One query reads each village with its kept figures and those of the baseline snapshot.
    """
    since = await baseline_day(session, today, scope)
    then = CoverageSnapshot.__table__
    query = (
        select(
            Village.id,
            Village.name,
            Village.official_households,
            *(VillageCounter.__table__.c[name] for name in FIGURE_FIELDS),
            *(then.c[name] if since else null() for name in FIGURE_FIELDS),
        )
        .outerjoin(VillageCounter, VillageCounter.village_id == Village.id)
        .order_by(*by_name(session))
    )
    if since is not None:
        query = query.outerjoin(then, (then.c.village_id == Village.id) & (then.c.day == since))
    if scope is not None:
        query = query.where(Village.id.in_(scope))
    rows = await plain_rows(session, query)
    report = _assemble(today, since, rows, target_pct, register_complete_pct)
    if record:  # the same counters the report was made from, in the same transaction
        await copy_counters(session, today, scope)
    return report


async def snapshot_coverage(
    session: AsyncSession,
    scope: Scope,
    day: date,
    *,
    target_pct: float,
    register_complete_pct: float = REGISTER_COMPLETE_PCT,
) -> CoverageReport:
    """The coverage report as the register stood at the end of `day`, from its snapshot."""
    counted = await snapshot_figures(session, day, scope)
    villages = [v for v in await villages_in(session, scope) if v.id in counted]
    return await _report(session, scope, day, villages, counted, target_pct, register_complete_pct)


async def _report(
    session: AsyncSession,
    scope: Scope,
    day: date,
    villages: list[VillageRow],
    counted: Mapping[int, Figures],
    target_pct: float,
    register_complete_pct: float,
) -> CoverageReport:
    """The report from each village's figures at the end of `day`, with the 7-day change."""
    since = await baseline_day(session, day, scope)
    then = await snapshot_figures(session, since, scope) if since else {}
    rows = [
        (
            v.id,
            v.name,
            v.official_households,
            *counted.get(v.id, EMPTY).values(),
            *(then[v.id].values() if v.id in then else NO_FIGURES),
        )
        for v in villages
    ]
    return _assemble(day, since, rows, target_pct, register_complete_pct)


# A village as `coverage` reads it: id, name, official households, the five figures now (None:
# no counter row), then the five at the baseline (None: no snapshot row).
Row = Sequence[Any]
NO_FIGURES = (None,) * len(FIGURE_FIELDS)


def _assemble(
    day: date,
    since: date | None,
    rows: Iterable[Row],
    target_pct: float,
    register_complete_pct: float,
) -> CoverageReport:
    """The report from the villages' rows (by name), in one pass: a province has 10,000."""
    target, complete = Target(target_pct), Target(register_complete_pct)
    villages: list[VillageCoverage] = []
    keys: list[float] = []
    official_total = registered_with_official = without_official = 0
    with_snapshot = then_households = then_covered = then_accounts = then_submitted = then_paid = 0
    for (
        village_id,
        name,
        official,
        households,
        covered,
        accounts,
        submitted,
        paid,
        was_households,
        was_covered,
        was_accounts,
        was_submitted,
        was_paid,
    ) in rows:
        figures = Figures(households, covered, accounts, submitted, paid) if households else EMPTY
        before = None
        if since is not None and was_households is not None:
            before = (was_households, was_covered, was_accounts, was_submitted, was_paid)
            with_snapshot += 1
            then_households += was_households
            then_covered += was_covered
            then_accounts += was_accounts
            then_submitted += was_submitted
            then_paid += was_paid
        status = status_of(figures, official, target, complete)
        villages.append(
            VillageCoverage(village_id, name, official, figures, status, before, since)
        )
        keys.append(GROUPS[status] + (covered / households / 2 if households else 0.0))
        if official is None:
            without_official += 1
        else:
            official_total += official
            registered_with_official += figures.households
    # The sort is stable: villages of a group and coverage stay in name order.
    villages = [villages[index] for index in sorted(range(len(villages)), key=keys.__getitem__)]
    total = Figures.total(v.figures for v in villages)
    then = Figures(then_households, then_covered, then_accounts, then_submitted, then_paid)
    with_official = len(villages) - without_official
    return CoverageReport(
        day=day,
        target_pct=target_pct,
        villages=villages,
        total=total,
        change=Change(since, then, total) if since and with_snapshot else None,
        official_households=official_total if with_official else None,
        registered_with_official=registered_with_official,
        villages_without_official=without_official,
        change_since=since if with_snapshot else None,
        register_complete_pct=register_complete_pct,
    )
