"""Reading .xlsx and .csv registers: finding the header row and the rows below it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from zipfile import BadZipFile

from bot.core.errors import DomainError
from bot.locales import t
from bot.services.household_io.cells import Cells
from bot.services.household_io.headers import HeaderMap, Vocabulary
from bot.services.household_io.report import RowError

HEADER_SEARCH_ROWS = 10
MIN_KNOWN_COLUMNS = 3
REQUIRED_FIELDS = ("village", "head_name", "members")
CSV_DELIMITERS = (",", ";", "\t")
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})


@dataclass(frozen=True)
class Table:
    """The rows under the header, each with its row number as the user sees it."""

    header_row: int
    header: HeaderMap
    rows: list[tuple[int, Cells]]


def find_header(rows: Iterable[Cells], words: Vocabulary) -> tuple[int, HeaderMap] | None:
    """The first of the first rows that names enough known columns."""
    for number, cells in enumerate(islice(rows, HEADER_SEARCH_ROWS), start=1):
        mapped = words.map_header(cells)
        if len(mapped.columns) >= MIN_KNOWN_COLUMNS:
            return number, mapped
    return None


def read_table(
    path: Path, words: Vocabulary, required: tuple[str, ...] = REQUIRED_FIELDS
) -> Table:
    """Read an .xlsx or .csv file into a Table; file-level problems raise DomainError.

    `words` and `required` name the columns of other tables read the same way (targets).
    """
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _table_from_rows(_excel_rows(path), words, required)
    if suffix in CSV_SUFFIXES:
        text = _csv_text(path)
        return _table_from_rows(_csv_rows(text, _csv_delimiter(text, words)), words, required)
    raise DomainError("household_io.unsupported_file")


def header_warnings(table: Table) -> list[RowError]:
    """Columns the import leaves aside, reported on the header row."""
    warnings = [
        RowError(table.header_row, t("household_io.duplicate_column", header=header, first=first))
        for header, first in table.header.duplicates
    ]
    if table.header.unknown:
        columns = ", ".join(f"«{header}»" for header in table.header.unknown)
        warnings.append(
            RowError(table.header_row, t("household_io.ignored_columns", columns=columns))
        )
    return warnings


def _table_from_rows(
    rows: Iterable[Cells], words: Vocabulary, required: tuple[str, ...] = REQUIRED_FIELDS
) -> Table:
    """Find the header, check the required columns, keep the numbered rows below it."""
    numbered = list(enumerate(rows, start=1))
    found = find_header((cells for _, cells in numbered), words)
    if found is None:
        raise DomainError("household_io.no_header")
    header_row, header = found
    missing = [words.labels[name] for name in required if name not in header.columns]
    if missing:
        raise DomainError("household_io.missing_columns", columns=", ".join(missing))
    return Table(header_row, header, numbered[header_row:])


def _excel_rows(path: Path) -> Iterator[Cells]:
    """Every row of the first sheet, empty rows included so numbers match Excel's."""
    # Deferred: openpyxl is loaded for an import, not when the bot or the CLI starts.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise DomainError("household_io.unreadable", name=path.name) from error
    try:
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            # Some programs write a wrong sheet size; read-only mode would cut rows to it.
            sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_text(path: Path) -> str:
    """The file's text; UTF-8 with or without the BOM that Excel writes."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError("household_io.bad_encoding") from error
    except OSError as error:
        raise DomainError("household_io.unreadable", name=path.name) from error


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    """The rows of CSV text split on one delimiter."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _csv_delimiter(text: str, words: Vocabulary) -> str:
    """The delimiter under which a header row names the most known columns.

    Excel in Vietnamese writes `;` (the comma is the decimal mark there), others write `,`.
    """

    def known_columns(delimiter: str) -> int:
        rows = islice(_csv_rows(text, delimiter), HEADER_SEARCH_ROWS)
        return max((len(words.map_header(row).columns) for row in rows), default=0)

    return max(CSV_DELIMITERS, key=known_columns)
