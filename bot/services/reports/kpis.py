"""Monthly KPIs of the help desk against the targets in `[reports]`, and per-helper figures.

From the assistance log, a *dossier* is a visit where a procedure was handled
(`assistances.procedure` is set); a dossier handled over two visits counts twice.
- submitted_online: dossiers whose visit ticked "submitted online" / all dossiers;
- papers_digitised: dossiers whose visit ticked "papers digitised" / all dossiers;
- paid_online: fee-bearing dossiers (`fee_required`) whose visit ticked "paid online" /
  fee-bearing dossiers;
- household_coverage: covered / registered households (see coverage.py), for the current month
  from the register now, for a past month from the last coverage snapshot of that month (None,
  and said so, when there is none).
Any period works as well as a month (`Period`: a quarter 15/6–15/9, a half-year, a year, at most
366 days): while it lasts its figures are as of now, once over as of the end of its last day
(coverage from the last snapshot within it), as for a month.
A KPI is met when share >= target (compared exactly). No dossier at all gives no share (None),
not 0 %.

Per helper per month: distinct households helped, visits, dossiers, and the shifts served and
no-shows from the shift roster (`shift_attendance`; served = ended and not marked absent). A month
without any shift shows "no shift data yet" for both columns. For the whole commune, people who
served shifts but logged no help are listed too; a village official's list only has the people
who helped in their villages (with all the shifts they served).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ReportsSettings
from bot.core.errors import DomainError
from bot.db.models import Assistance, CoverageSnapshot, Person, VillageDay
from bot.db.models.visit_totals import DOSSIER_FIELDS
from bot.db.rows import plain_rows
from bot.services import visit_totals
from bot.services.reports.coverage import Target, register_total
from bot.services.reports.figures import Figures, Scope, percent
from bot.services.reports.snapshots import last_snapshot_day
from bot.services.reports.tallies import parse_day
from bot.services.shifts import attendance

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
FIRST_YEAR = 2000  # reports begin in January 2000 (tallies.FIRST_DAY)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-11' (or '11/2026'); anything else is refused politely."""
        text = text.strip()
        found = MONTH.match(text)
        if found is None and re.match(r"^\d{1,2}/\d{4}$", text):
            month, year = text.split("/")
            found = MONTH.match(f"{year}-{month}")
        if found is None or not 1 <= int(found.group(2)) <= 12:
            raise DomainError("reports.bad_month", value=text[:20])
        if int(found.group(1)) < FIRST_YEAR:
            raise DomainError("reports.month_too_early", first=f"01/{FIRST_YEAR}")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        if self.month == 12:  # the month after December 9999 does not exist
            return date(self.year, 12, 31)
        return date(self.year, self.month + 1, 1) - timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"

    @property
    def period(self) -> Period:
        return Period(self.first, self.last)


MAX_PERIOD_DAYS = 366  # a year, leap or not; longer spans are refused


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period from `first` to `last`, both included: a quarter, half-year, year…"""

    first: date
    last: date

    @classmethod
    def parse(cls, first: str, last: str, today: date) -> Period:
        """From two days ('15/06/2026' or '2026-06-15'); refused with one clear line when the
        start is after the end or in the future, or it spans more than MAX_PERIOD_DAYS."""
        start, end = parse_day(first, today), parse_day(last, today)
        if start > end:
            raise DomainError("periods.start_after_end", first=day_text(start), last=day_text(end))
        if start > today:
            raise DomainError("periods.future_start", first=day_text(start))
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise DomainError("periods.too_long", days=MAX_PERIOD_DAYS)
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def key(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def label(self) -> str:
        return f"{day_text(self.first)} – {day_text(self.last)}"


def day_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def span_of(wanted: Month | Period) -> Period:
    """The days a month or a period covers."""
    return wanted.period if isinstance(wanted, Month) else wanted


def is_current(wanted: Month | Period, today: date) -> bool:
    """Whether its figures are as of now (it reaches today) rather than as of its last day."""
    return span_of(wanted).last >= today


def check_not_future(wanted: Month | Period, today: date) -> None:
    if isinstance(wanted, Month) and wanted > Month.of(today):
        raise DomainError("reports.future_month", month=wanted.label)
    if isinstance(wanted, Period) and wanted.first > today:
        raise DomainError("periods.future_start", first=day_text(wanted.first))


@dataclass(frozen=True)
class Kpi:
    key: str
    numerator: int | None
    denominator: int | None
    target_pct: float

    @property
    def pct(self) -> float | None:
        return percent(self.numerator or 0, self.denominator)

    @property
    def met(self) -> bool | None:
        if not self.denominator or self.numerator is None:
            return None
        return Target(self.target_pct).met(self.numerator, self.denominator)

    def to_json(self) -> dict[str, Any]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "pct": self.pct,
            "target_pct": self.target_pct,
            "met": self.met,
        }


@dataclass(frozen=True)
class ShiftAttendance:
    served: int
    no_shows: int


async def shift_attendance(
    session: AsyncSession, month: Month | Period, now: datetime
) -> dict[int, ShiftAttendance] | None:
    """Shifts served and no-shows per person in the month; None when there were no shifts.

    From attendance.monthly_counts: a shift counts as served once it has ended unless an
    officer marked the person absent; shifts still to come count as neither.
    """
    span = span_of(month)
    counts = await attendance.counts_between(session, span.first, span.last, now=now)
    return {c.person_id: ShiftAttendance(c.served, c.no_shows) for c in counts} or None


@dataclass(frozen=True)
class HelperMonth:
    helper_id: int | None
    name: str | None
    households: int
    visits: int
    dossiers: int
    shifts_served: int | None
    no_shows: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.helper_id,
            "name": self.name,
            "households": self.households,
            "visits": self.visits,
            "dossiers": self.dossiers,
            "shifts_served": self.shifts_served,
            "no_shows": self.no_shows,
        }


@dataclass(frozen=True)
class KpiReport:
    month: Month | Period  # a calendar month, or any period (`report kpi --from --to`)
    dossiers: int
    submitted_online: Kpi
    papers_digitised: Kpi
    paid_online: Kpi
    household_coverage: Kpi
    coverage_as_of: date | None  # the register's date (today) or the snapshot's
    coverage_source: str | None  # "register", "snapshot" or None (no figures for that month)
    helpers: list[HelperMonth]
    shift_data: bool

    @property
    def kpis(self) -> list[Kpi]:
        return [self.submitted_online, self.papers_digitised, self.paid_online,
                self.household_coverage]  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month.key if isinstance(self.month, Month) else None,
            "first": self.month.first.isoformat(),
            "last": self.month.last.isoformat(),
            "dossiers": self.dossiers,
            "kpis": {
                **{kpi.key: kpi.to_json() for kpi in self.kpis[:3]},
                "household_coverage": {
                    **self.household_coverage.to_json(),
                    "as_of": self.coverage_as_of.isoformat() if self.coverage_as_of else None,
                    "source": self.coverage_source,
                },
            },
            "shift_data": self.shift_data,
            "helpers": [helper.to_json() for helper in self.helpers],
        }


def dossier_counts() -> list[ColumnElement[int]]:
    """Sums of a span's kept dossier counts (visits with a procedure): all, submitted online,
    papers digitised, fee-bearing, fee-bearing and paid online."""
    return [func.sum(getattr(VillageDay, name)) for name in DOSSIER_FIELDS]


def _scoped(query: Any, month: Month | Period, scope: Scope) -> Any:
    query = query.where(Assistance.day >= month.first, Assistance.day <= month.last)
    if scope is not None:
        query = query.where(Assistance.village_id.in_(scope))
    return query


def _kept(query: Any, month: Month | Period, scope: Scope) -> Any:
    query = query.where(VillageDay.day >= month.first, VillageDay.day <= month.last)
    if scope is not None:
        query = query.where(VillageDay.village_id.in_(scope))
    return query


async def month_coverage(
    session: AsyncSession, scope: Scope, month: Month | Period, today: date
) -> tuple[Figures | None, date | None, str | None]:
    """Coverage figures for the month (or period): the register now while it lasts, else the
    last snapshot within it."""
    if is_current(month, today):
        return await register_total(session, scope), today, "register"
    day = await last_snapshot_day(session, scope, month.first, month.last)
    if day is None:
        return None, None, None
    sums = select(func.sum(CoverageSnapshot.households), func.sum(CoverageSnapshot.covered)).where(
        CoverageSnapshot.day == day
    )
    if scope is not None:
        sums = sums.where(CoverageSnapshot.village_id.in_(scope))
    households, covered = (await session.execute(sums)).one()
    return Figures(households=int(households or 0), covered=int(covered or 0)), day, "snapshot"


async def kpi_report(
    session: AsyncSession,
    scope: Scope,
    month: Month | Period,
    *,
    today: date,
    targets: ReportsSettings,
    now: datetime | None = None,
) -> KpiReport:
    """The month's (or period's) KPIs; `now` decides which shifts have ended (default: the end
    of `today`)."""
    check_not_future(month, today)
    dossiers, submitted, digitised, fees, paid = (
        await session.execute(_kept(select(*dossier_counts()), month, scope))
    ).one()
    dossiers, submitted, digitised = int(dossiers or 0), int(submitted or 0), int(digitised or 0)
    fees, paid = int(fees or 0), int(paid or 0)
    figures, as_of, source = await month_coverage(session, scope, month, today)
    if now is None:
        now = datetime.combine(today + timedelta(days=1), time.min, UTC)
    helpers, shift_data = await helper_months(session, scope, month, now)
    return KpiReport(
        month=month,
        dossiers=dossiers,
        submitted_online=Kpi(
            "submitted_online", submitted, dossiers, targets.kpi_submitted_online
        ),
        papers_digitised=Kpi(
            "papers_digitised", digitised, dossiers, targets.kpi_papers_digitised
        ),
        paid_online=Kpi("paid_online", paid, fees, targets.kpi_paid_online),
        household_coverage=Kpi(
            "household_coverage",
            figures.covered if figures else None,
            figures.households if figures else None,
            targets.kpi_household_coverage,
        ),
        coverage_as_of=as_of,
        coverage_source=source,
        helpers=helpers,
        shift_data=shift_data,
    )


async def helper_months(
    session: AsyncSession, scope: Scope, month: Month | Period, now: datetime
) -> tuple[list[HelperMonth], bool]:
    """Per helper: distinct households, visits, dossiers; shifts from shift_attendance. A
    calendar month of every village is read from the kept helper days, anything else from
    the log."""
    if scope is None and isinstance(month, Month):
        counted = visit_totals.kept_helpers(month.first, month.last, "month_households")
    else:
        counted = _scoped(
            select(
                Assistance.helper_id.label("helper_id"),
                func.count(distinct(Assistance.household_id)).label("households"),
                func.count().label("visits"),
                func.count().filter(Assistance.procedure.is_not(None)).label("dossiers"),
            ).group_by(Assistance.helper_id),
            month,
            scope,
        ).subquery()
    query = select(
        counted.c.helper_id,
        Person.display_name,
        counted.c.households,
        counted.c.visits,
        counted.c.dossiers,
    ).outerjoin(Person, Person.id == counted.c.helper_id)
    rows = {
        helper_id: (name, int(households), int(visits), int(dossiers or 0))
        for helper_id, name, households, visits, dossiers in await plain_rows(session, query)
    }
    shifts_by_person = await shift_attendance(session, month, now)
    if shifts_by_person and scope is None:
        missing = [pid for pid in shifts_by_person if pid not in rows]
        if missing:
            names = dict(
                (await session.execute(
                    select(Person.id, Person.display_name).where(Person.id.in_(missing))
                )).all()
            )  # fmt: skip
            rows.update({pid: (names.get(pid), 0, 0, 0) for pid in missing})
    helpers = []
    for helper_id, (name, households, visits, dossiers) in rows.items():
        known = shifts_by_person is not None and helper_id is not None
        shifts = shifts_by_person.get(helper_id) if shifts_by_person and helper_id else None
        served = (shifts.served if shifts else 0) if known else None
        no_shows = (shifts.no_shows if shifts else 0) if known else None
        helpers.append(
            HelperMonth(helper_id, name, households, visits, dossiers, served, no_shows)
        )
    helpers.sort(key=lambda h: (-h.households, -h.visits, h.name or ""))
    return helpers, shifts_by_person is not None
