"""Import and export of the household register as Excel (.xlsx) or CSV files.

Imports are matched on (village, household code): the same file imported twice changes
nothing. Rows are validated in Python and written with Core executemany in batches, because
the ORM's one INSERT per row is far too slow for a commune's whole register on SQLite.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

from bot.db.models import AuditEntry, Commune, Household, Village
from bot.locales import t
from bot.services import places
from bot.services.errors import DomainError
from bot.services.households import AUDITED, check_values, normalize_phone
from bot.services.vntext import fold

HEADERS_FILE = Path(__file__).resolve().parent.parent / "content" / "import_headers.toml"
HEADER_SEARCH_ROWS = 10
MIN_KNOWN_COLUMNS = 3
REQUIRED_FIELDS = ("village", "head_name", "members")
FIELDS = (
    "village",
    "code",
    "head_name",
    "members",
    "members_with_account",
    "submitted_online",
    "paid_online",
    "phone",
    "note",
)
YES_NO_FIELDS = frozenset({"submitted_online", "paid_online"})
NEW_HOUSEHOLD_DEFAULTS: dict[str, Any] = {
    "members_with_account": 0,
    "submitted_online": False,
    "paid_online": False,
    "phone": None,
    "note": None,
}
CSV_DELIMITERS = (",", ";", "\t")
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
WRITE_BATCH = 5_000
EXPORT_COLUMN_WIDTHS = (22, 14, 28, 14, 16, 18, 22, 16, 40)

Cells = Sequence[object]


@dataclass(frozen=True)
class RowError:
    """A row that was skipped (or, among warnings, imported with a caveat), and why."""

    row: int
    reason: str


@dataclass
class ImportReport:
    """What an import did, or would do in a dry run."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        """One Vietnamese sentence: created, updated, unchanged, errors (and warnings)."""
        text = t(
            "household_io.summary",
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            errors=len(self.errors),
        )
        if self.warnings:
            text += t("household_io.summary_warnings", warnings=len(self.warnings))
        return (t("household_io.dry_run") + text) if self.dry_run else text


# --- the header vocabulary (data in bot/content/import_headers.toml) -------------------------


@dataclass(frozen=True)
class HeaderMap:
    """Which column holds which field, and the headers left aside."""

    columns: dict[str, int]
    unknown: list[str]
    duplicates: list[tuple[str, str]]


@dataclass(frozen=True)
class Vocabulary:
    """Header synonyms, yes/no words and village name prefixes, all in folded form."""

    synonyms: dict[str, str]
    labels: dict[str, str]
    ignored: frozenset[str]
    true_words: frozenset[str]
    false_words: frozenset[str]
    yes_label: str
    no_label: str
    village_prefixes: tuple[str, ...]

    def field_for(self, header: str) -> str | None:
        """The field a header names: the same words, or the longest synonym it starts with."""
        folded = fold(header)
        if folded in self.synonyms:
            return self.synonyms[folded]
        words = folded.split()
        for length in range(len(words) - 1, 0, -1):
            found = self.synonyms.get(" ".join(words[:length]))
            if found is not None:
                return found
        return None

    def map_header(self, cells: Cells) -> HeaderMap:
        """Map a candidate header row; the first column naming a field wins."""
        columns: dict[str, int] = {}
        unknown: list[str] = []
        duplicates: list[tuple[str, str]] = []
        for index, cell in enumerate(cells):
            header = cell_text(cell)
            folded = fold(header)
            if not folded or folded in self.ignored:
                continue
            name = self.field_for(header)
            if name is None:
                unknown.append(header)
            elif name in columns:
                duplicates.append((header, cell_text(cells[columns[name]])))
            else:
                columns[name] = index
        return HeaderMap(columns, unknown, duplicates)

    def yes_no(self, value: object) -> bool | None:
        """True or False for a yes/no cell; None when the value means neither."""
        if isinstance(value, bool):
            return value
        text = cell_text(value)
        if not text:
            return False
        forms = (text.lower(), fold(text))
        if any(form in self.true_words for form in forms):
            return True
        if any(form in self.false_words for form in forms):
            return False
        return None


def _word_forms(words: Iterable[str]) -> frozenset[str]:
    """Each word as written (lower case) and folded; symbols fold to nothing, so keep both."""
    forms = {form for word in words for form in (word.strip().lower(), fold(word))}
    forms.discard("")
    return frozenset(forms)


@cache
def vocabulary(path: Path = HEADERS_FILE) -> Vocabulary:
    """Load the header vocabulary once; a synonym naming two fields is a data error."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    columns: dict[str, list[str]] = data["columns"]
    synonyms: dict[str, str] = {}
    for name, names in columns.items():
        if name not in FIELDS:
            raise ValueError(f"{path.name}: unknown field {name!r}")
        for header in names:
            folded = fold(header)
            if synonyms.get(folded, name) != name:
                raise ValueError(f"{path.name}: {header!r} names two fields")
            synonyms[folded] = name
    booleans = data["booleans"]
    prefixes = sorted({fold(word) for word in data["village_prefixes"]["words"]}, key=len)
    return Vocabulary(
        synonyms=synonyms,
        labels={name: names[0] for name, names in columns.items()},
        ignored=frozenset(fold(header) for header in data["ignore"]["headers"]),
        true_words=_word_forms(booleans["true"]),
        false_words=_word_forms(booleans["false"]),
        yes_label=booleans["true"][0],
        no_label=booleans["false"][0],
        village_prefixes=tuple(reversed(prefixes)),
    )


# --- reading files -------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell as trimmed text; Excel's 4.0 for a typed 4 reads as "4"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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


def read_table(path: Path, words: Vocabulary) -> Table:
    """Read an .xlsx or .csv file into a Table; file-level problems raise DomainError."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _table_from_rows(_excel_rows(path), words)
    if suffix in CSV_SUFFIXES:
        text = _csv_text(path)
        return _table_from_rows(_csv_rows(text, _csv_delimiter(text, words)), words)
    raise DomainError("household_io.unsupported_file")


def _table_from_rows(rows: Iterable[Cells], words: Vocabulary) -> Table:
    """Find the header, check the required columns, keep the numbered rows below it."""
    numbered = list(enumerate(rows, start=1))
    found = find_header((cells for _, cells in numbered), words)
    if found is None:
        raise DomainError("household_io.no_header")
    header_row, header = found
    missing = [words.labels[name] for name in REQUIRED_FIELDS if name not in header.columns]
    if missing:
        raise DomainError("household_io.missing_columns", columns=", ".join(missing))
    return Table(header_row, header, numbered[header_row:])


def _excel_rows(path: Path) -> Iterator[Cells]:
    """Every row of the first sheet, empty rows included so numbers match Excel's."""
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
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _csv_delimiter(text: str, words: Vocabulary) -> str:
    """The delimiter under which a header row names the most known columns.

    Excel in Vietnamese writes `;` (the comma is the decimal mark there), others write `,`.
    """

    def known_columns(delimiter: str) -> int:
        rows = islice(_csv_rows(text, delimiter), HEADER_SEARCH_ROWS)
        return max((len(words.map_header(row).columns) for row in rows), default=0)

    return max(CSV_DELIMITERS, key=known_columns)


# --- parsing rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedRow:
    """A row whose cells are valid on their own; village and code not yet resolved."""

    number: int
    village: str
    code: str | None
    values: dict[str, Any]


def parse_count(value: object, label: str) -> int | None:
    """A whole number from a cell; None for an empty cell."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = re.fullmatch(r"(-?\d+)(?:[.,]0+)?", text)
    if match is None:
        raise DomainError("household_io.not_a_number", column=label, value=text)
    return int(match.group(1))


def parse_phone(value: object) -> str | None:
    """A phone number; Excel drops the leading 0 of numbers typed as numbers, so restore it."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = cell_text(value)
        if len(digits) in (9, 10) and not digits.startswith("0"):
            digits = "0" + digits
        return normalize_phone(digits)
    return normalize_phone(cell_text(value))


def _field_value(name: str, value: object, words: Vocabulary) -> Any:
    """One cell converted to the household field it belongs to; empty means the default."""
    label = words.labels[name]
    if name == "head_name":
        return " ".join(cell_text(value).split())
    if name in ("members", "members_with_account"):
        count = parse_count(value, label)
        return NEW_HOUSEHOLD_DEFAULTS.get(name) if count is None else count
    if name in YES_NO_FIELDS:
        answer = words.yes_no(value)
        if answer is None:
            raise DomainError("household_io.not_yes_no", column=label, value=cell_text(value))
        return answer
    if name == "phone":
        return parse_phone(value)
    return cell_text(value) or None


def parse_row(number: int, cells: Cells, header: HeaderMap, words: Vocabulary) -> ParsedRow:
    """Convert and check one row on its own; DomainError says what is wrong."""

    def cell(name: str) -> object:
        index = header.columns[name]
        return cells[index] if index < len(cells) else None

    village = " ".join(cell_text(cell("village")).split())
    if not village:
        raise DomainError("household_io.missing_village")
    values = {
        name: _field_value(name, cell(name), words)
        for name in FIELDS
        if name in header.columns and name not in ("village", "code")
    }
    if not values["head_name"]:
        raise DomainError("household_io.missing_head")
    if values["members"] is None:
        raise DomainError("household_io.missing_value", column=words.labels["members"])
    code = cell_text(cell("code")) if "code" in header.columns else ""
    check_values({**values, "code": code or None})
    return ParsedRow(number, village, code or None, values)


def is_blank(cells: Cells) -> bool:
    return all(not cell_text(value) for value in cells)


def parse_rows(table: Table, words: Vocabulary) -> tuple[list[ParsedRow], list[RowError]]:
    """Every non-blank row parsed, or reported with its reason."""
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        if is_blank(cells):
            continue
        try:
            parsed.append(parse_row(number, cells, table.header, words))
        except DomainError as error:
            errors.append(RowError(number, t(error.key, **error.values)))
    return parsed, errors


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


# --- resolving villages and matching existing households -----------------------------------


@dataclass
class VillageEntry:
    """A village a row may name: an existing one (with id) or one the import would add."""

    name: str
    folded: str
    id: int | None = None
    first_row: int = 0


class VillageResolver:
    """Finds villages by name with or without accents and with or without "Thôn"."""

    def __init__(self, villages: Iterable[VillageEntry], prefixes: Sequence[str]) -> None:
        self.prefixes = prefixes
        self.by_folded = {village.folded: village for village in villages}
        short: dict[str, list[VillageEntry]] = {}
        for village in self.by_folded.values():
            short.setdefault(self.without_prefix(village.folded), []).append(village)
        self.by_short = {name: found[0] for name, found in short.items() if len(found) == 1}
        # A register names a few villages thousands of times: remember each spelling.
        self.by_written: dict[str, VillageEntry] = {}

    def without_prefix(self, folded: str) -> str:
        """'thon duc an' -> 'duc an'; prefixes are tried longest first."""
        for prefix in self.prefixes:
            if folded.startswith(prefix + " "):
                return folded[len(prefix) + 1 :]
        return folded

    def find(self, name: str) -> VillageEntry | None:
        if name in self.by_written:
            return self.by_written[name]
        folded = fold(name)
        found = self.by_folded.get(folded) or self.by_short.get(self.without_prefix(folded))
        if found is not None:
            self.by_written[name] = found
        return found

    def add(self, name: str, row: int) -> VillageEntry:
        """A village the import will create; later rows naming it find it."""
        village = VillageEntry(name=name, folded=fold(name), first_row=row)
        self.by_folded[village.folded] = village
        return village


@dataclass(frozen=True)
class Existing:
    """A household already in the register: its id and audited values."""

    id: int
    values: dict[str, Any]


@dataclass
class Plan:
    """What the import will write."""

    creates: list[tuple[VillageEntry, str, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[Existing, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    new_villages: list[VillageEntry] = field(default_factory=list)


async def load_villages(session: AsyncSession) -> list[VillageEntry]:
    rows = await session.execute(select(Village.id, Village.name, Village.folded_name))
    return [VillageEntry(name=name, folded=folded, id=id_) for id_, name, folded in rows]


async def load_existing(
    session: AsyncSession, village_ids: Iterable[int]
) -> dict[tuple[int, str], Existing]:
    """Existing households of these villages by (village id, code), in one query."""
    ids = sorted(set(village_ids))
    if not ids:
        return {}
    columns = [getattr(Household, name) for name in AUDITED]
    result = await session.execute(
        select(Household.id, *columns).where(Household.village_id.in_(ids))
    )
    existing: dict[tuple[int, str], Existing] = {}
    for row in result:
        values = dict(zip(AUDITED, row[1:], strict=True))
        existing[(values["village_id"], values["code"])] = Existing(row[0], values)
    return existing


def resolve_village(
    resolver: VillageResolver, row: ParsedRow, create_villages: bool
) -> VillageEntry:
    """The village a row names; a new one only when allowed and the name is valid."""
    village = resolver.find(row.village)
    if village is not None:
        return village
    if not create_villages:
        raise DomainError("household_io.unknown_village", name=row.village)
    if not fold(row.village) or len(row.village) > 120:
        raise DomainError("places.bad_name")
    return resolver.add(row.village, row.number)


def village_initials(name: str) -> str:
    """'Thôn Đức An' -> 'TDA', as households.next_code does."""
    return "".join(word[0] for word in fold(name).split()).upper() or "H"


class CodeMaker:
    """Codes for rows without one: village initials and the next free number."""

    def __init__(self, taken: dict[str, set[str]]) -> None:
        self.taken = taken
        self.next_number: dict[str, int] = {}

    def make(self, village: VillageEntry) -> str:
        codes = self.taken.setdefault(village.folded, set())
        number = self.next_number.get(village.folded, len(codes) + 1)
        initials = village_initials(village.name)
        while f"{initials}-{number:04d}" in codes:
            number += 1
        code = f"{initials}-{number:04d}"
        codes.add(code)
        self.next_number[village.folded] = number + 1
        return code


def merge(existing: Existing, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """The household's values after the row, or None when the row changes nothing."""
    merged = {**existing.values, **values}
    check_values(merged)
    return None if merged == existing.values else merged


def place_rows(
    resolver: VillageResolver,
    rows: list[ParsedRow],
    report: ImportReport,
    *,
    create_villages: bool,
) -> list[tuple[ParsedRow, VillageEntry]]:
    """Each row with its village; rows naming an unknown village go to the errors."""
    placed: list[tuple[ParsedRow, VillageEntry]] = []
    for row in rows:
        try:
            placed.append((row, resolve_village(resolver, row, create_villages)))
        except DomainError as error:
            report.errors.append(RowError(row.number, t(error.key, **error.values)))
    return placed


async def existing_by_village(
    session: AsyncSession, resolver: VillageResolver, villages: Iterable[VillageEntry]
) -> dict[tuple[str, str], Existing]:
    """Households already stored in these villages, by (folded village name, code)."""
    names = {village.id: village.folded for village in resolver.by_folded.values()}
    existing = await load_existing(session, (v.id for v in villages if v.id is not None))
    return {(names[village_id], code): found for (village_id, code), found in existing.items()}


def taken_codes(
    existing: Iterable[tuple[str, str]], placed: Iterable[tuple[ParsedRow, VillageEntry]]
) -> dict[str, set[str]]:
    """Codes in use per village, stored or written in the file, so new ones avoid them."""
    taken: dict[str, set[str]] = {}
    for village_folded, code in existing:
        taken.setdefault(village_folded, set()).add(code)
    for row, village in placed:
        codes = taken.setdefault(village.folded, set())
        if row.code is not None:
            codes.add(row.code)
    return taken


async def plan_import(
    session: AsyncSession,
    rows: list[ParsedRow],
    words: Vocabulary,
    report: ImportReport,
    *,
    create_villages: bool,
) -> Plan:
    """Match rows to villages and households; errors and warnings go into the report."""
    resolver = VillageResolver(await load_villages(session), words.village_prefixes)
    placed = place_rows(resolver, rows, report, create_villages=create_villages)
    existing = await existing_by_village(session, resolver, (village for _, village in placed))
    codes = CodeMaker(taken_codes(existing, placed))
    plan = Plan()
    seen: dict[tuple[str, str], int] = {}
    for row, village in placed:
        code = row.code
        if code is None:
            code = codes.make(village)
            report.warnings.append(
                RowError(row.number, t("household_io.generated_code", code=code))
            )
        key = (village.folded, code)
        try:
            if key in seen:
                raise DomainError(
                    "household_io.duplicate_code", code=code, village=village.name, row=seen[key]
                )
            seen[key] = row.number
            _plan_row(plan, existing.get(key), village, code, row.values)
        except DomainError as error:
            report.errors.append(RowError(row.number, t(error.key, **error.values)))
    # Only villages that receive a household are created: a bad row writes nothing at all.
    receiving = {village.folded for village, _, _ in plan.creates}
    plan.new_villages = [
        village
        for village in resolver.by_folded.values()
        if village.id is None and village.folded in receiving
    ]
    return plan


def _plan_row(
    plan: Plan, found: Existing | None, village: VillageEntry, code: str, values: dict[str, Any]
) -> None:
    """Add one valid row to the plan as a create, an update or an unchanged household."""
    if found is None:
        plan.creates.append((village, code, {**NEW_HOUSEHOLD_DEFAULTS, **values}))
        return
    merged = merge(found, values)
    if merged is None:
        plan.unchanged += 1
    else:
        plan.updates.append((found, merged))


# --- writing -------------------------------------------------------------------------------


def batches(items: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(items), WRITE_BATCH):
        yield items[start : start + WRITE_BATCH]


async def execute_many(
    connection: AsyncConnection, statement: Executable, parameters: Sequence[dict[str, Any]]
) -> None:
    """Run one statement for many parameter sets, a batch at a time."""
    for batch in batches(parameters):
        await connection.execute(statement, list(batch))


def audit_row(
    household_id: int,
    *,
    actor_id: int | None,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> dict[str, Any]:
    return {
        "at": now,
        "actor_id": actor_id,
        "action": "import",
        "entity": "household",
        "entity_id": str(household_id),
        "before": before,
        "after": after,
        "note": None,
    }


async def create_villages_for(
    session: AsyncSession, commune: Commune, villages: list[VillageEntry], actor_id: int | None
) -> None:
    """Add the villages the import names for the first time (audited, like any new village)."""
    for village in villages:
        added = await places.add_village(session, commune, village.name, actor_id=actor_id)
        village.id = added.id


async def write_creates(
    session: AsyncSession, plan: Plan, *, actor_id: int | None, now: datetime
) -> None:
    """Insert the new households, then one audit row each with the values stored."""
    if not plan.creates:
        return
    connection = await session.connection()
    rows = [
        {
            "village_id": village.id,
            "code": code,
            "folded_head": fold(values["head_name"]),
            "consent_at": None,
            "created_at": now,
            "updated_at": now,
            "updated_by_id": actor_id,
            **values,
        }
        for village, code, values in plan.creates
    ]
    await execute_many(connection, insert(Household), rows)
    village_ids = {row["village_id"] for row in rows}
    result = await connection.execute(
        select(Household.id, Household.village_id, Household.code).where(
            Household.village_id.in_(village_ids)
        )
    )
    ids = {(village_id, code): id_ for id_, village_id, code in result}
    audits = [
        audit_row(
            ids[(row["village_id"], row["code"])],
            actor_id=actor_id,
            now=now,
            before=None,
            after={name: row[name] for name in AUDITED},
        )
        for row in rows
    ]
    await execute_many(connection, insert(AuditEntry), audits)


async def write_updates(
    session: AsyncSession, plan: Plan, *, actor_id: int | None, now: datetime
) -> None:
    """Update the changed households, then one audit row each with the changed fields."""
    if not plan.updates:
        return
    connection = await session.connection()
    rows: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for found, merged in plan.updates:
        changed = [name for name in AUDITED if merged[name] != found.values[name]]
        rows.append(
            {
                "row_id": found.id,
                **{name: merged[name] for name in AUDITED if name not in ("village_id", "code")},
                "folded_head": fold(merged["head_name"]),
                "updated_at": now,
                "updated_by_id": actor_id,
            }
        )
        audits.append(
            audit_row(
                found.id,
                actor_id=actor_id,
                now=now,
                before={name: found.values[name] for name in changed},
                after={name: merged[name] for name in changed},
            )
        )
    statement = update(Household).where(Household.id == bindparam("row_id"))
    await execute_many(connection, statement, rows)
    await execute_many(connection, insert(AuditEntry), audits)


async def commune_for_new_villages(session: AsyncSession, plan: Plan) -> Commune | None:
    """The commune new villages would join; None when the file names only known villages."""
    if not plan.new_villages:
        return None
    commune = await places.get_commune(session)
    if commune is None:
        raise DomainError("household_io.no_commune")
    return commune


async def write_plan(
    session: AsyncSession,
    plan: Plan,
    commune: Commune | None,
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """New villages first (households refer to them), then new and changed households."""
    if commune is not None:
        await create_villages_for(session, commune, plan.new_villages, actor_id)
    await write_creates(session, plan, actor_id=actor_id, now=now)
    await write_updates(session, plan, actor_id=actor_id, now=now)
    await session.flush()


async def import_households(
    session: AsyncSession,
    path: Path,
    *,
    actor_id: int | None,
    now: datetime,
    dry_run: bool = False,
    create_villages: bool = False,
) -> ImportReport:
    """Import a register file; bad rows are reported and skipped, good rows are written.

    File-level problems (unreadable file, no header, a required column missing) raise
    DomainError and nothing is written.
    """
    words = vocabulary()
    table = await asyncio.to_thread(read_table, path, words)
    rows, errors = parse_rows(table, words)
    report = ImportReport(errors=errors, warnings=header_warnings(table), dry_run=dry_run)
    plan = await plan_import(session, rows, words, report, create_villages=create_villages)
    report.warnings.extend(
        RowError(village.first_row, t("household_io.new_village", name=village.name))
        for village in plan.new_villages
    )
    report.created, report.updated, report.unchanged = (
        len(plan.creates),
        len(plan.updates),
        plan.unchanged,
    )
    report.errors.sort(key=lambda error: error.row)
    report.warnings.sort(key=lambda warning: warning.row)
    commune = await commune_for_new_villages(session, plan)
    if not dry_run:
        await write_plan(session, plan, commune, actor_id=actor_id, now=now)
    return report


# --- export --------------------------------------------------------------------------------


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
