"""Exporting the register as an Excel workbook or a CSV file that Excel opens directly."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Household, Village
from bot.locales import t
from bot.services.household_io.headers import FIELDS, Vocabulary, vocabulary

EXPORT_COLUMN_WIDTHS = (22, 14, 28, 14, 16, 18, 22, 16, 40)


def export_header(words: Vocabulary) -> list[str]:
    """The export's headers: the first name of each field in the vocabulary."""
    return [words.labels[name] for name in FIELDS]


async def export_rows(
    session: AsyncSession, village_ids: frozenset[int] | None, words: Vocabulary
) -> list[list[object]]:
    """The register as rows in the export's column order, by village then code."""
    query = (
        select(
            Village.name,
            Household.code,
            Household.head_name,
            Household.members,
            Household.members_with_account,
            Household.submitted_online,
            Household.paid_online,
            Household.phone,
            Household.note,
        )
        .join(Village, Village.id == Household.village_id)
        .order_by(Village.folded_name, Household.code)
    )
    if village_ids is not None:
        query = query.where(Household.village_id.in_(village_ids))
    rows: list[list[object]] = []
    for name, code, head, members, accounts, submitted, paid, phone, note in await session.execute(
        query
    ):
        yes_no = (words.yes_label, words.no_label)
        rows.append(
            [
                name,
                code,
                head,
                members,
                accounts,
                yes_no[0] if submitted else yes_no[1],
                yes_no[0] if paid else yes_no[1],
                phone or "",
                note or "",
            ]
        )
    return rows


def write_excel(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """A one-sheet workbook: bold header, frozen first row, readable column widths."""
    # Deferred: openpyxl is loaded for an export, not when the bot or the CLI starts.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(t("household_io.sheet_title"))
    for letter, width in zip("ABCDEFGHI", EXPORT_COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """UTF-8 with BOM and `;`, which Excel set to Vietnamese opens with a double click."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)


async def export_households(
    session: AsyncSession, path: Path, *, village_ids: frozenset[int] | None = None
) -> int:
    """Write the register (all villages, or only `village_ids`); returns the households written.

    The file is the commune's own register, so phones are written as stored.
    """
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DomainError("household_io.unsupported_file")
    words = vocabulary()
    rows = await export_rows(session, village_ids, words)
    writer = write_excel if suffix == ".xlsx" else write_csv
    await asyncio.to_thread(writer, path, export_header(words), rows)
    return len(rows)
