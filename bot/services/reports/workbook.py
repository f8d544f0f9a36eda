"""The monthly report workbook (.xlsx): coverage, daily tallies, KPIs and one sheet per helper.

Sheets (Vietnamese titles): "Độ phủ" (coverage per village, with the commune row last), "Theo
ngày" (each day of the month with assistance: one row per village and one row for all villages
together), "Tổng hợp theo ngày" (villages × days, the table officials send up:
village_days_sheet.py), "Chỉ tiêu" (the KPIs against their targets) and "Người hỗ trợ" (per
helper: households, visits, dossiers, shifts served, no-shows), then "Đánh giá cá nhân"
(personal targets per person and field: targets_sheet.py). Any period (kpis.Period, e.g. a
quarter) gives the same workbook over its days; "month" below reads "period" then.
Percentages are numbers (72.5), so they can be summed and charted in Excel. Written with
openpyxl in write-only mode, so a province-sized month stays small in memory.

One moment for the whole workbook, printed in every sheet's heading, so figures from different
sheets can be passed upward together:
- the current month is as of now: coverage and the coverage KPI from the register now, the
  tallies and shifts so far;
- a past month is as of the end of its last day: coverage and the coverage KPI from the coverage
  snapshot of that day (coverage.py explains why a snapshot and not a recomputation: the register
  keeps no history), the month's tallies, and shifts served by then. If the bot was off that
  evening, the newest snapshot of the month is used and the coverage sheet names its day; with
  none in the month, the sheet says there are no coverage figures rather than showing today's.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ReportsSettings
from bot.locales import t
from bot.services.reports import targets_sheet, village_days_sheet
from bot.services.reports.coverage import CoverageReport, coverage, snapshot_coverage, villages_in
from bot.services.reports.figures import Scope
from bot.services.reports.kpis import (
    KpiReport,
    Month,
    Period,
    check_not_future,
    is_current,
    kpi_report,
)
from bot.services.reports.sheets import append_row, new_sheet
from bot.services.reports.snapshots import last_snapshot_day
from bot.services.reports.survey import SurveyReport, survey_report
from bot.services.reports.survey_view import SHEET_WIDTHS, survey_rows
from bot.services.reports.tallies import ACTIONS, DayRow, day_rows
from bot.services.reports.text import day_label, pct


@dataclass(frozen=True)
class MonthData:
    month: Month | Period
    area: str
    moment: str  # when every sheet's figures are as of, as the headings print it
    coverage: CoverageReport | None  # None: no snapshot of that past month
    coverage_source: str  # where the coverage figures come from, for the coverage sheet
    village_names: dict[int, str]
    day_villages: list[DayRow]
    days: list[DayRow]
    kpis: KpiReport
    village_days: village_days_sheet.VillageDays | None = None  # villages × days, see there
    survey: SurveyReport | None = None  # the satisfaction survey (survey_view.py)
    personal: targets_sheet.Personal | None = None  # personal targets (targets_sheet.py)


async def gather(
    session: AsyncSession,
    scope: Scope,
    month: Month | Period,
    *,
    now: datetime,
    tz: ZoneInfo,
    targets: ReportsSettings,
    area: str,
) -> MonthData:
    """Everything the workbook shows, as of one moment, read in the caller's transaction."""
    local = now.astimezone(tz)
    today = local.date()
    check_not_future(month, today)
    if is_current(month, today):
        at = now
        moment = t("reports.moment_now", time=f"{local:%H:%M}", day=day_label(today))
        report: CoverageReport | None = await coverage(
            session,
            scope,
            today,
            target_pct=targets.coverage_target,
            register_complete_pct=targets.register_complete_pct,
            record=False,
        )
        source = t("reports.coverage_source_register", time=f"{local:%H:%M}", day=day_label(today))
    else:
        at = datetime.combine(month.last + timedelta(days=1), time.min, tz)
        moment = t("reports.moment_end", day=day_label(month.last))
        report, source = await _past_coverage(session, scope, month, targets)
    kpis = await kpi_report(session, scope, month, today=today, targets=targets, now=at)
    villages, days = await day_rows(session, scope, month.first, month.last)
    names = {v.id: v.name for v in await villages_in(session, scope)}
    table = await village_days_sheet.gather(
        session, scope, month.first, month.last, villages, days
    )
    return MonthData(
        month, area, moment, report, source, names, villages, days, kpis, village_days=table
    )


async def _past_coverage(
    session: AsyncSession, scope: Scope, month: Month | Period, targets: ReportsSettings
) -> tuple[CoverageReport | None, str]:
    """Coverage at the end of a past month from its snapshot, and a line saying which."""
    day = await last_snapshot_day(session, scope, month.first, month.last)
    if day is None:
        snapshot_time = targets.snapshot_time.strftime("%H:%M")
        section = "reports" if isinstance(month, Month) else "periods"
        return None, t(f"{section}.coverage_no_snapshot", month=month.label, time=snapshot_time)
    report = await snapshot_coverage(
        session,
        scope,
        day,
        target_pct=targets.coverage_target,
        register_complete_pct=targets.register_complete_pct,
    )
    if day == month.last:
        return report, t("reports.coverage_source_snapshot", day=day_label(day))
    wanted = day_label(month.last)
    return report, t("reports.coverage_source_earlier", day=day_label(day), wanted=wanted)


async def monthly_workbook(
    session: AsyncSession,
    scope: Scope,
    month: Month | Period,
    *,
    now: datetime,
    tz: ZoneInfo,
    targets: ReportsSettings,
    area: str,
    fields_of: targets_sheet.Fields | None = None,
) -> bytes:
    """The workbook of `month` as of one moment: now for this month, else its last day's end."""
    data = await gather(session, scope, month, now=now, tz=tz, targets=targets, area=area)
    data = replace(data, survey=await survey_report(session, scope, month.first, month.last))
    data = replace(data, personal=await targets_sheet.gather(session, scope, month, fields_of))
    return await asyncio.to_thread(render, data)


def render(data: MonthData) -> bytes:
    workbook = Workbook(write_only=True)
    _coverage_sheet(workbook, data)
    _daily_sheet(workbook, data)
    _village_days_sheet(workbook, data)
    _kpi_sheet(workbook, data)
    _helper_sheet(workbook, data)
    _survey_sheet(workbook, data)
    targets_sheet.write(workbook, data.personal, area=data.area, moment=data.moment)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _village_days_sheet(workbook: Workbook, data: MonthData) -> None:
    """Villages × days, the table officials send up (village_days_sheet.py)."""
    if data.village_days is None:
        return
    title = t("periods.sheet_village_days_title", period=data.month.label)
    village_days_sheet.write(
        workbook,
        data.village_days,
        data.coverage,
        heading=t("reports.sheet_heading", title=title, area=data.area, moment=data.moment),
        coverage_source=data.coverage_source,
        month_end=isinstance(data.month, Month),
    )


def _heading(sheet: Any, title: str, data: MonthData) -> None:
    """The sheet's first row: what, where, and the moment its figures are as of."""
    text = t("reports.sheet_heading", title=title, area=data.area, moment=data.moment)
    append_row(sheet, [text], bold=True)


def _coverage_sheet(workbook: Workbook, data: MonthData) -> None:
    report = data.coverage
    sheet = new_sheet(
        workbook, t("reports.sheet_coverage"), [26, 12, 14, 14, 14, 16, 18, 14, 16, 14, 16]
    )
    _heading(sheet, t("reports.chart_title"), data)
    if report is None:
        append_row(sheet, [data.coverage_source])
        return
    rules = t(
        "reports.coverage_rules",
        source=data.coverage_source,
        target=pct(report.target_pct),
        complete=pct(report.register_complete_pct),
    )
    append_row(sheet, [rules])
    header = ["village", "households", "covered", "coverage", "accounts", "submitted", "paid",
              "official", "ratio", "status", "change"]  # fmt: skip
    append_row(sheet, [t(f"reports.col_{name}") for name in header], bold=True)
    for village in report.villages:
        figures = village.figures
        append_row(
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
    append_row(
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
    sheet = new_sheet(workbook, t("reports.sheet_daily"), [12, 26, 14, 12, *([14] * len(ACTIONS))])
    _heading(sheet, t("reports.sheet_daily"), data)
    columns = ["day", "village", "helped", "visits", *ACTIONS]
    header = [t(f"reports.col_{name}") for name in columns]
    append_row(sheet, header, bold=True)
    by_day: dict[date, list[DayRow]] = {}
    for row in data.day_villages:
        by_day.setdefault(row.day, []).append(row)
    for total in data.days:
        rows = sorted(
            by_day.get(total.day, []), key=lambda r: data.village_names.get(r.village_id or 0, "")
        )
        for row in rows:
            append_row(sheet, _day_values(row, data.village_names.get(row.village_id or 0, "?")))
        append_row(sheet, _day_values(total, t("reports.whole_area")), bold=True)


def _day_values(row: DayRow, name: str) -> list[Any]:
    return [row.day, name, row.households, *row.work.values()]


def _kpi_sheet(workbook: Workbook, data: MonthData) -> None:
    report = data.kpis
    sheet = new_sheet(workbook, t("reports.sheet_kpi"), [40, 12, 14, 12, 14, 10])
    section = "reports" if isinstance(report.month, Month) else "periods"
    _heading(sheet, t(f"{section}.heading_kpi", month=report.month.label), data)
    append_row(sheet, [t("reports.heading_dossiers", count=report.dossiers)])
    header = ["kpi", "numerator", "denominator", "share", "target", "met"]
    append_row(sheet, [t(f"reports.col_{name}") for name in header], bold=True)
    for kpi in report.kpis:
        met = None if kpi.met is None else t("reports.yes") if kpi.met else t("reports.no")
        append_row(
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
        append_row(
            sheet, [t("reports.kpi_coverage_as_of", day=day_label(report.coverage_as_of)).strip()]
        )


def _helper_sheet(workbook: Workbook, data: MonthData) -> None:
    report = data.kpis
    sheet = new_sheet(workbook, t("reports.sheet_helpers"), [28, 10, 12, 10, 24, 24])
    _heading(sheet, t("reports.sheet_helpers"), data)
    header = ["name", "helped", "visits", "dossiers", "shifts", "no_shows"]
    append_row(sheet, [t(f"reports.col_{name}") for name in header], bold=True)
    no_shift = t("reports.no_shift_cell")
    for helper in report.helpers:
        append_row(
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


def _survey_sheet(workbook: Workbook, data: MonthData) -> None:
    """ "Khảo sát hài lòng": the satisfaction survey's figures and comments (survey_view.py)."""
    if data.survey is None:
        return
    sheet = new_sheet(workbook, t("survey.sheet_title"), SHEET_WIDTHS)
    _heading(sheet, t("survey.sheet_title"), data)
    for values, bold in survey_rows(data.survey):
        append_row(sheet, values, bold=bold)
