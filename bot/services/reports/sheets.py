"""What every sheet of the report workbooks writes the same way: rows, bold rows, dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

BOLD = Font(bold=True)


def append_row(sheet: Any, values: list[Any], *, bold: bool = False) -> None:
    """One row of a write-only sheet; dates shown as dd/mm/yyyy, the whole row bold if asked."""
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


def new_sheet(workbook: Workbook, title: str, widths: list[int]) -> Any:
    """A write-only sheet with these column widths (typed Any: the stubs lack its
    column_dimensions)."""
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet
