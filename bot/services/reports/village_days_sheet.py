"""The sheet officials build by hand and send up: villages × days, in the monthly workbook.

"Tổng hợp theo ngày": one row per village in scope (by name, villages without help too), one
column per day of the month (or period), and in each cell the DISTINCT households of that
village helped that day. Then:
- the row total: distinct households of the village helped over the whole period: a household
  helped on two days counts once, so it can be less than the sum of the row's cells (the sheet
  says so in a note under the table; officials report households reached, not visits);
- the coverage column: the village's households with an account as a share of its registered
  households at the end of the month (as of the workbook's moment: a past period's last day from
  its snapshot, the current one now; blank when that past period has no snapshot);
- the last row: distinct households per day over all villages, the grand total (distinct over
  the period and villages) and the commune's coverage.
A visit counts for the village the household was in when it was logged (assistances.village_id),
as in every tally. Empty cells are 0, so the sheet sums and charts in Excel as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from bot.locales import t
from bot.services.reports.coverage import CoverageReport, villages_in
from bot.services.reports.figures import Scope
from bot.services.reports.sheets import append_row
from bot.services.reports.tallies import DayRow, range_tally


@dataclass(frozen=True)
class VillageDays:
    first: date
    last: date
    villages: list[tuple[int, str]]  # (id, name) in the order of the rows
    cells: dict[tuple[int, date], int]  # (village id, day) -> distinct households
    village_totals: dict[int, int]  # distinct households over the period per village
    day_totals: dict[date, int]  # distinct households per day over all villages
    grand_total: int  # distinct households over the period and all villages

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


async def gather(
    session: AsyncSession,
    scope: Scope,
    first: date,
    last: date,
    day_villages: list[DayRow],
    days: list[DayRow],
) -> VillageDays:
    """The table's figures; the per-day rows come from tallies.day_rows, already read."""
    villages = await villages_in(session, scope)
    tally = await range_tally(session, scope, first, last, villages, helpers=False)
    return VillageDays(
        first=first,
        last=last,
        villages=[(village.id, village.name) for village in villages],
        cells={(row.village_id or 0, row.day): row.households for row in day_villages},
        village_totals={row.village_id: row.households for row in tally.villages},
        day_totals={row.day: row.households for row in days},
        grand_total=tally.households,
    )


def day_header(day: date, table: VillageDays) -> int | str:
    """The day's number within one month (as officials head it), else dd/mm."""
    same_month = (table.first.year, table.first.month) == (table.last.year, table.last.month)
    return day.day if same_month else f"{day:%d/%m}"


def write(
    workbook: Workbook,
    table: VillageDays,
    coverage: CoverageReport | None,
    *,
    heading: str,
    coverage_source: str,
    month_end: bool,
) -> None:
    """Add the sheet; `month_end` picks "cuối tháng" or "cuối kỳ" for the coverage column."""
    sheet: Any = workbook.create_sheet(t("periods.sheet_village_days"))
    days = table.days
    sheet.column_dimensions["A"].width = 24
    for index in range(len(days)):
        sheet.column_dimensions[get_column_letter(index + 2)].width = 6
    sheet.column_dimensions[get_column_letter(len(days) + 2)].width = 14
    sheet.column_dimensions[get_column_letter(len(days) + 3)].width = 16

    def row(values: list[Any], *, bold: bool = False) -> None:
        append_row(sheet, values, bold=bold)

    row([heading], bold=True)
    column = t("periods.col_coverage_month_end" if month_end else "periods.col_coverage_end")
    header = [t("reports.col_village"), *(day_header(day, table) for day in days)]
    row([*header, t("periods.col_distinct_total"), column], bold=True)
    by_village = {v.village_id: v.coverage_pct for v in coverage.villages} if coverage else {}
    for village_id, name in table.villages:
        cells = [table.cells.get((village_id, day), 0) for day in days]
        total = table.village_totals.get(village_id, 0)
        row([name, *cells, total, by_village.get(village_id)])
    totals = [table.day_totals.get(day, 0) for day in days]
    commune = coverage.coverage_pct if coverage else None
    row([t("reports.whole_area"), *totals, table.grand_total, commune], bold=True)
    row([])
    row([t("periods.village_days_note")])
    if coverage is None:
        row([coverage_source])
