"""The province's view: every commune side by side, the laggards first.

Per commune, with the same definitions as the commune's own reports (coverage.py, tallies.py,
kpis.py), so each row equals what that commune's officials see for their whole commune:
- households registered (kept counters) vs the official count of its villages that have one;
- coverage: covered / registered households;
- households helped today and this month (distinct per commune);
- the month's KPIs: dossiers submitted online, papers digitised, fees paid online, against the
  targets of `[reports]`;
- written questions still open.
The province's line is the sum of the communes' lines (a household belongs to one commune), so
it equals the sum of the communes' own reports exactly.

Order, laggards first: communes with no registered household, then by coverage, then by the
share of dossiers submitted online, lowest first; then by name.

Speed: four grouped statements whatever the number of communes: the kept village counters per
commune, the month's assistance per commune (through ix_assistances_day_report), the open
questions, the communes themselves. No per-household or per-visit Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ReportsSettings
from bot.db.models import Commune, Question, Village, VillageCounter, VillageDay
from bot.db.models.questions import QuestionStatus
from bot.services.reports.figures import FIGURE_FIELDS, Figures, percent
from bot.services.reports.kpis import Kpi, Month, dossier_counts
from bot.vntext import fold


@dataclass(frozen=True)
class Dossiers:
    """The month's dossiers of an area and how many were done online (kpis.dossier_counts)."""

    dossiers: int = 0
    submitted: int = 0
    digitised: int = 0
    fee_bearing: int = 0
    paid: int = 0

    def __add__(self, other: Dossiers) -> Dossiers:
        return Dossiers(
            self.dossiers + other.dossiers,
            self.submitted + other.submitted,
            self.digitised + other.digitised,
            self.fee_bearing + other.fee_bearing,
            self.paid + other.paid,
        )

    def kpis(self, targets: ReportsSettings) -> tuple[Kpi, Kpi, Kpi]:
        return (
            Kpi("submitted_online", self.submitted, self.dossiers, targets.kpi_submitted_online),
            Kpi("papers_digitised", self.digitised, self.dossiers, targets.kpi_papers_digitised),
            Kpi("paid_online", self.paid, self.fee_bearing, targets.kpi_paid_online),
        )


@dataclass(frozen=True)
class CommuneRow:
    """One commune's line (or the province's, with commune_id None)."""

    commune_id: int | None
    name: str
    code: int | None
    villages: int
    register: Figures
    official_households: int | None  # summed over the villages that have an official count
    registered_with_official: int  # registered households of those villages
    helped_today: int
    helped_month: int
    dossiers: Dossiers
    open_questions: int

    @property
    def coverage_pct(self) -> float | None:
        return self.register.coverage_pct

    @property
    def registered_vs_official_pct(self) -> float | None:
        return percent(self.registered_with_official, self.official_households)

    def order(self) -> tuple[int, float, float, str]:
        """Laggards first: empty registers, then lowest coverage, then lowest online share."""
        register = self.register
        coverage = register.covered / register.households if register.households else 0.0
        online = (
            self.dossiers.submitted / self.dossiers.dossiers if self.dossiers.dossiers else 0.0
        )
        return (1 if register.households else 0), coverage, online, fold(self.name)

    def to_json(self, targets: ReportsSettings) -> dict[str, Any]:
        return {
            "id": self.commune_id,
            "name": self.name,
            "code": self.code,
            "villages": self.villages,
            **self.register.to_json(),
            "coverage_pct": self.coverage_pct,
            "official_households": self.official_households,
            "registered_vs_official_pct": self.registered_vs_official_pct,
            "helped_today": self.helped_today,
            "helped_month": self.helped_month,
            "dossiers": self.dossiers.dossiers,
            "kpis": {kpi.key: kpi.to_json() for kpi in self.dossiers.kpis(targets)},
            "open_questions": self.open_questions,
        }


@dataclass(frozen=True)
class ProvinceReport:
    day: date
    month: Month
    targets: ReportsSettings
    communes: list[CommuneRow]  # laggards first
    total: CommuneRow

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "month": self.month.key,
            "coverage_target_pct": self.targets.coverage_target,
            "communes": [row.to_json(self.targets) for row in self.communes],
            "total": self.total.to_json(self.targets),
        }


async def province_report(
    session: AsyncSession, today: date, *, targets: ReportsSettings
) -> ProvinceReport:
    """Every commune's line, laggards first, and the province's total."""
    month = Month.of(today)
    registers = await _registers(session)
    helped = await _helped(session, month.first, today)
    questions = await _open_questions(session)
    rows = [
        CommuneRow(
            commune_id,
            name,
            code,
            *registers.get(commune_id, (0, Figures(), None, 0)),
            *helped.get(commune_id, (0, 0, Dossiers())),
            questions.get(commune_id, 0),
        )
        for commune_id, name, code in await session.execute(
            select(Commune.id, Commune.name, Commune.code)
        )
    ]
    rows.sort(key=CommuneRow.order)
    return ProvinceReport(today, month, targets, rows, _total(rows))


Register = tuple[int, Figures, int | None, int]  # villages, figures, official, with official


async def _registers(session: AsyncSession) -> dict[int, Register]:
    """Per commune: villages, summed register figures, official households (of the villages
    that have a count) and the registered households of those villages."""
    counters = VillageCounter.__table__.c
    has_official = Village.official_households.is_not(None)
    query = (
        select(
            Village.commune_id,
            func.count(),
            *(func.coalesce(func.sum(counters[name]), 0) for name in FIGURE_FIELDS),
            func.sum(Village.official_households),
            func.coalesce(func.sum(counters.households).filter(has_official), 0),
        )
        .outerjoin(VillageCounter, VillageCounter.village_id == Village.id)
        .group_by(Village.commune_id)
    )
    registers: dict[int, Register] = {}
    for commune_id, villages, *rest in (await session.execute(query)).all():
        *figures, official, registered_with_official = rest
        registers[commune_id] = (
            int(villages),
            Figures(*(int(value) for value in figures)),
            None if official is None else int(official),
            int(registered_with_official),
        )
    return registers


async def _helped(
    session: AsyncSession, first: date, today: date
) -> dict[int, tuple[int, int, Dossiers]]:
    """Per commune: distinct households helped today and from `first` (the first day of a
    calendar month) to today, and the dossiers of that span, from the kept village days."""
    query = (
        select(
            Village.commune_id,
            func.sum(VillageDay.commune_households).filter(VillageDay.day == today),
            func.sum(VillageDay.commune_month_households),
            *dossier_counts(),
        )
        .join(Village, Village.id == VillageDay.village_id)
        .where(VillageDay.day >= first, VillageDay.day <= today)
        .group_by(Village.commune_id)
    )
    return {
        commune_id: (
            int(today_count or 0),
            int(month_count or 0),
            Dossiers(*(int(d or 0) for d in dossiers)),
        )
        for commune_id, today_count, month_count, *dossiers in (await session.execute(query)).all()
    }


async def _open_questions(session: AsyncSession) -> dict[int, int]:
    query = (
        select(Question.commune_id, func.count())
        .where(Question.status == QuestionStatus.OPEN)
        .group_by(Question.commune_id)
    )
    return {commune_id: int(count) for commune_id, count in await session.execute(query)}


def _total(rows: list[CommuneRow]) -> CommuneRow:
    """The province's line: the sum of the communes' lines."""
    officials = [row.official_households for row in rows if row.official_households is not None]
    dossiers = Dossiers()
    for row in rows:
        dossiers += row.dossiers
    return CommuneRow(
        commune_id=None,
        name="",
        code=None,
        villages=sum(row.villages for row in rows),
        register=Figures.total(row.register for row in rows),
        official_households=sum(officials) if officials else None,
        registered_with_official=sum(row.registered_with_official for row in rows),
        helped_today=sum(row.helped_today for row in rows),
        helped_month=sum(row.helped_month for row in rows),
        dossiers=dossiers,
        open_questions=sum(row.open_questions for row in rows),
    )
