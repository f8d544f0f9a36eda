"""The monthly report workbook (.xlsx): coverage, daily tallies, KPIs and one sheet per helper.

Sheets (Vietnamese titles): "Độ phủ" (coverage per village as of the day it is made, with the
commune row last), "Theo ngày" (each day of the month with assistance: one row per village and
one row for all villages together), "Chỉ tiêu" (the KPIs against their targets) and "Người hỗ
trợ" (per helper: households, visits, dossiers, shifts served, no-shows). Percentages are
numbers (72.5), so they can be summed and charted in Excel. Written with openpyxl in write-only
mode, so a province-sized month stays small in memory.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ReportsSettings
from bot.locales import t
from bot.services.reports.coverage import CoverageReport, Scope, coverage, villages_in
from bot.services.reports.kpis import KpiReport, Month, kpi_report
from bot.services.reports.tallies import ACTIONS, DayRow, day_rows
from bot.services.reports.text import day_label, pct

BOLD = Font(bold=True)


@dataclass(frozen=True)
class MonthData:
    month: Month
    area: str
    coverage: CoverageReport
    village_names: dict[int, str]
    day_villages: list[DayRow]
    days: list[DayRow]
    kpis: KpiReport


async def gather(
    session: AsyncSession,
    scope: Scope,
    month: Month,
    *,
    today: date,
    targets: ReportsSettings,
    area: str,
    now: datetime | None = None,
) -> MonthData:
    """Everything the workbook shows, read in the caller's transaction."""
    kpis = await kpi_report(session, scope, month, today=today, targets=targets, now=now)
    report = await coverage(
        session, scope, today, target_pct=targets.coverage_target, record=False
    )
    villages, days = await day_rows(session, scope, month.first, month.last)
    names = {v.id: v.name for v in await villages_in(session, scope)}
    return MonthData(month, area, report, names, villages, days, kpis)


async def monthly_workbook(
    session: AsyncSession,
    scope: Scope,
    month: Month,
    *,
    today: date,
    targets: ReportsSettings,
    area: str,
    now: datetime | None = None,
) -> bytes:
    data = await gather(session, scope, month, today=today, targets=targets, area=area, now=now)
    return await asyncio.to_thread(render, data)


def _row(sheet: Any, values: list[Any], *, bold: bool = False) -> None:
    """One row; dates shown as dd/mm/yyyy, the whole row bold if asked."""
    if not bold and not any(isinstance(value, date) for value in values):
        sheet.append(values)
        return
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, date):
            cell.number_format = "DD/MM/YYYY"
        if bold:
            cell.font = BOLD
        cells.append(cell)
    sheet.append(cells)


def _sheet(workbook: Workbook, title: str, widths: list[int]) -> Any:
    """A write-only sheet (typed Any: the stubs lack its column_dimensions)."""
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    return sheet


def render(data: MonthData) -> bytes:
    workbook = Workbook(write_only=True)
    _coverage_sheet(workbook, data)
    _daily_sheet(workbook, data)
    _kpi_sheet(workbook, data)
    _helper_sheet(workbook, data)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _coverage_sheet(workbook: Workbook, data: MonthData) -> None:
    report = data.coverage
    sheet = _sheet(
        workbook, t("reports.sheet_coverage"), [26, 12, 14, 14, 14, 16, 18, 14, 16, 14, 16]
    )
    _row(
        sheet,
        [t("reports.sheet_heading", title=t("reports.chart_title"), area=data.area)],
        bold=True,
    )
    _row(sheet, [t("reports.as_of", day=day_label(report.day), target=pct(report.target_pct))])
    header = ["village", "households", "covered", "coverage", "accounts", "submitted", "paid",
              "official", "ratio", "status", "change"]  # fmt: skip
    _row(sheet, [t(f"reports.col_{name}") for name in header], bold=True)
    for village in report.villages:
        figures = village.figures
        _row(
            sheet,
            [
                village.name,
                figures.households,
                figures.covered,
                village.coverage_pct,
                figures.accounts,
                figures.submitted_online,
                figures.paid_online,
                village.official_households,
                village.registered_vs_official_pct,
                t(f"reports.status_{village.status}"),
                village.change.delta.covered if village.change else None,
            ],
        )
    total = report.total
    _row(
        sheet,
        [
            t("reports.whole_area"),
            total.households,
            total.covered,
            report.coverage_pct,
            total.accounts,
            total.submitted_online,
            total.paid_online,
            report.official_households,
            report.registered_vs_official_pct,
            None,
            report.change.delta.covered if report.change else None,
        ],
        bold=True,
    )


def _daily_sheet(workbook: Workbook, data: MonthData) -> None:
    sheet = _sheet(workbook, t("reports.sheet_daily"), [12, 26, 14, 12, *([14] * len(ACTIONS))])
    _row(
        sheet,
        [t("reports.sheet_heading", title=t("reports.sheet_daily"), area=data.area)],
        bold=True,
    )
    columns = ["day", "village", "helped", "visits", *ACTIONS]
    header = [t(f"reports.col_{name}") for name in columns]
    _row(sheet, header, bold=True)
    by_day: dict[date, list[DayRow]] = {}
    for row in data.day_villages:
        by_day.setdefault(row.day, []).append(row)
    for total in data.days:
        rows = sorted(
            by_day.get(total.day, []), key=lambda r: data.village_names.get(r.village_id or 0, "")
        )
        for row in rows:
            _row(sheet, _day_values(row, data.village_names.get(row.village_id or 0, "?")))
        _row(sheet, _day_values(total, t("reports.whole_area")), bold=True)


def _day_values(row: DayRow, name: str) -> list[Any]:
    return [row.day, name, row.households, *row.work.values()]


def _kpi_sheet(workbook: Workbook, data: MonthData) -> None:
    report = data.kpis
    sheet = _sheet(workbook, t("reports.sheet_kpi"), [40, 12, 14, 12, 14, 10])
    title = t("reports.heading_kpi", month=report.month.label)
    _row(sheet, [t("reports.sheet_heading", title=title, area=data.area)], bold=True)
    _row(sheet, [t("reports.heading_dossiers", count=report.dossiers)])
    header = ["kpi", "numerator", "denominator", "share", "target", "met"]
    _row(sheet, [t(f"reports.col_{name}") for name in header], bold=True)
    for kpi in report.kpis:
        met = None if kpi.met is None else t("reports.yes") if kpi.met else t("reports.no")
        _row(
            sheet,
            [
                t(f"reports.kpi_{kpi.key}"),
                kpi.numerator,
                kpi.denominator,
                kpi.pct,
                kpi.target_pct,
                met if met is not None else t("reports.no_data"),
            ],
        )
    if report.coverage_as_of is not None:
        _row(
            sheet, [t("reports.kpi_coverage_as_of", day=day_label(report.coverage_as_of)).strip()]
        )


def _helper_sheet(workbook: Workbook, data: MonthData) -> None:
    report = data.kpis
    sheet = _sheet(workbook, t("reports.sheet_helpers"), [28, 10, 12, 10, 24, 24])
    _row(
        sheet,
        [t("reports.sheet_heading", title=t("reports.sheet_helpers"), area=data.area)],
        bold=True,
    )
    header = ["name", "helped", "visits", "dossiers", "shifts", "no_shows"]
    _row(sheet, [t(f"reports.col_{name}") for name in header], bold=True)
    no_shift = t("reports.no_shift_cell")
    for helper in report.helpers:
        _row(
            sheet,
            [
                helper.name or t("reports.unknown_helper"),
                helper.households,
                helper.visits,
                helper.dossiers,
                helper.shifts_served if helper.shifts_served is not None else no_shift,
                helper.no_shows if helper.no_shows is not None else no_shift,
            ],
        )
