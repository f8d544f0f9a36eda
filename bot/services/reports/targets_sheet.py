"""The "Đánh giá cá nhân" sheet of the monthly workbook: personal targets against what was done.

One row per person and field with a target in the month (by name, then field): for each of the
three measures (submitted online, papers digitised, paid online) the target, the dossiers done
(as bot/services/targets.py defines them), the percentage (a number, blank when the target is 0)
and whether it is met; then whether all three are. A period longer than a month sums the
targets of its months. Targets are per person for the whole commune, so a workbook limited to
some villages says the sheet is only in the commune's workbook rather than showing figures
that would mix villages in and out of scope; a commune's own workbook in an installation of
several communes lists its own staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.catalog import ProcedureField, load_catalog
from bot.locales import t
from bot.services.reports.area import whole_commune
from bot.services.reports.figures import Scope
from bot.services.reports.kpis import Month, Period
from bot.services.reports.sheets import append_row
from bot.services.targets import MEASURES, Progress, field_label, progress

WIDTHS = [28, 18, *([12] * (4 * len(MEASURES))), 12]
Fields = Mapping[str, ProcedureField]  # guide id -> field (Catalog.procedure_fields)


@dataclass(frozen=True)
class Personal:
    period: str  # "tháng 11/2026", or a period's dates
    rows: list[Progress] | None  # None: a workbook limited to some villages


@cache
def builtin_fields() -> dict[str, ProcedureField]:
    """Fields of the built-in guides, for callers that do not pass the app's catalog."""
    return load_catalog().procedure_fields()


async def gather(
    session: AsyncSession, scope: Scope, wanted: Month | Period, fields_of: Fields | None = None
) -> Personal:
    """The sheet's rows for a month (or period): None for a workbook of some villages."""
    monthly = isinstance(wanted, Month)
    period = t("targets.period_month", month=wanted.label) if monthly else wanted.label
    commune = await whole_commune(session, scope)
    if scope is not None and commune is None:
        return Personal(period, None)
    fields = builtin_fields() if fields_of is None else fields_of
    staff_of = commune.id if commune is not None else None
    rows = await progress(session, wanted.first, wanted.last, fields, commune_id=staff_of)
    return Personal(period, rows)


def yes_no(met: bool) -> str:
    return t("targets.yes") if met else t("targets.no")


def header() -> list[str]:
    columns = [t("targets.col_person"), t("targets.col_field")]
    for name in MEASURES:
        measure = t(f"targets.measure_{name}")
        columns += [
            t(f"targets.col_{part}", measure=measure) for part in ("target", "done", "pct", "met")
        ]
    return [*columns, t("targets.col_all_met")]


def values(item: Progress) -> list[Any]:
    row: list[Any] = [item.name, field_label(item.field)]
    for measure in item.measures:
        row += [measure.target, measure.done, measure.pct, yes_no(measure.met)]
    return [*row, yes_no(item.met)]


def write(workbook: Workbook, personal: Personal | None, *, area: str, moment: str) -> None:
    """Add the sheet; `area` and `moment` as the other sheets' headings print them."""
    if personal is None:
        return
    sheet: Any = workbook.create_sheet(t("targets.sheet_title"))
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    title = t("targets.sheet_heading", period=personal.period)
    append_row(
        sheet, [t("reports.sheet_heading", title=title, area=area, moment=moment)], bold=True
    )
    if personal.rows is None:
        append_row(sheet, [t("targets.not_in_scope")])
        return
    append_row(sheet, [t("targets.sheet_rule")])
    if not personal.rows:
        append_row(sheet, [t("targets.sheet_none")])
        return
    append_row(sheet, header(), bold=True)
    for item in personal.rows:
        append_row(sheet, values(item))
