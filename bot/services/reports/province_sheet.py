"""The province's report as the workbook sheet "Toàn tỉnh theo xã" (province.py): every
commune, laggards first, percentages as numbers so they sum and chart in Excel, the province
last. Loaded only when a workbook is asked for (openpyxl stays out of the idle bot)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from bot.locales import t
from bot.services.reports.province import CommuneRow, ProvinceReport
from bot.services.reports.sheets import append_row, new_sheet
from bot.services.reports.text import day_label

SHEET_WIDTHS = [26, 11, 9, 12, 12, 14, 14, 14, 14, 14, 12, 12, 12, 12, 12]
COLUMNS = ("commune", "code", "villages", "households", "covered", "coverage", "official",
           "register", "today", "month", "dossiers", "submitted_online", "papers_digitised",
           "paid_online", "questions")  # fmt: skip


def _sheet_row(row: CommuneRow, report: ProvinceReport, name: str) -> list[object]:
    submitted, digitised, paid = row.dossiers.kpis(report.targets)
    return [
        name,
        row.code,
        row.villages,
        row.register.households,
        row.register.covered,
        row.coverage_pct,
        row.official_households,
        row.registered_vs_official_pct,
        row.helped_today,
        row.helped_month,
        row.dossiers.dossiers,
        submitted.pct,
        digitised.pct,
        paid.pct,
        row.open_questions,
    ]


def province_workbook(report: ProvinceReport) -> bytes:
    """A workbook with the sheet "Toàn tỉnh theo xã" (every commune, the province last)."""
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, t("province.sheet_title"), SHEET_WIDTHS)
    append_row(sheet, [t("province.title", day=day_label(report.day))], bold=True)
    append_row(sheet, [t(f"province.col_{name}") for name in COLUMNS], bold=True)
    for row in report.communes:
        append_row(sheet, _sheet_row(row, report, row.name))
    append_row(sheet, _sheet_row(report.total, report, t("province.sheet_total")), bold=True)
    append_row(sheet, [])
    append_row(sheet, [t("province.sheet_note")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
