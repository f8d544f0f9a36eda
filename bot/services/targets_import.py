"""Importing a month's personal targets from a sheet (.xlsx or .csv).

The file is read like a household register (bot/services/household_io/tables.py: the header
row is found among the first rows, headers matched forgivingly with the words of
bot/content/target_headers.toml). Each row names a person (name or phone), a field and three
numbers (an empty number cell is 0). Good rows are saved (as `set_target`, audited); bad rows
are skipped and reported with their row number and the reason. Importing the same file again
changes nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.catalog import ProcedureField
from bot.core.errors import DomainError
from bot.db.models import Person
from bot.locales import t
from bot.services.household_io import RowError, Vocabulary
from bot.services.household_io.cells import Cells, cell_text, is_blank
from bot.services.household_io.headers import load_vocabulary
from bot.services.household_io.tables import Table, read_table
from bot.services.reports.kpis import Month
from bot.services.targets import (
    MEASURES,
    Numbers,
    find_person,
    parse_count,
    parse_field,
    set_target,
)

HEADERS_FILE = Path(__file__).resolve().parents[1] / "content" / "target_headers.toml"
COLUMNS = ("person", "field", *MEASURES)


@cache
def target_words(path: Path = HEADERS_FILE) -> Vocabulary:
    """The header words of a targets sheet (no yes/no columns)."""
    return load_vocabulary(path, COLUMNS)


@dataclass
class TargetImport:
    month: Month
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return t(
            "targets.import_summary",
            month=self.month.label,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            errors=len(self.errors),
        )

    def lines(self) -> list[str]:
        if not self.errors:
            return []
        return [t("targets.errors_heading", count=len(self.errors)), *map(str, self.errors)]


def read_targets_table(path: Path) -> Table:
    try:
        return read_table(path, target_words(), required=COLUMNS)
    except DomainError as problem:
        if problem.key == "household_io.no_header":
            raise DomainError("targets.no_header") from None
        raise


@dataclass(frozen=True)
class Row:
    person: Person
    field: ProcedureField
    numbers: Numbers


async def read_row(
    session: AsyncSession, table: Table, cells: Cells, commune_id: int | None = None
) -> Row:
    """One row of the sheet (its person of one commune when given); a problem raises
    DomainError with the reason."""

    def cell(name: str) -> object:
        index = table.header.columns[name]
        return cells[index] if index < len(cells) else None

    who, what = cell_text(cell("person")), cell_text(cell("field"))
    if not who:
        raise DomainError("targets.missing_person")
    if not what:
        raise DomainError("targets.missing_field")
    person = await find_person(session, who, commune_id)
    chosen = parse_field(what)
    counts = [0 if not cell_text(cell(name)) else parse_count(cell(name)) for name in MEASURES]
    return Row(person, chosen, Numbers(*counts))


async def import_targets(
    session: AsyncSession,
    path: Path,
    month: Month,
    *,
    actor_id: int | None,
    now: datetime,
    commune_id: int | None = None,
) -> TargetImport:
    """Save the sheet's targets for `month`; rows that cannot be read are skipped and listed."""
    table = await asyncio.to_thread(read_targets_table, path)
    report = TargetImport(month)
    seen: dict[tuple[int, ProcedureField], int] = {}
    for number, cells in table.rows:
        if is_blank(cells):
            continue
        try:
            row = await read_row(session, table, cells, commune_id)
        except DomainError as problem:
            report.errors.append(RowError(number, t(problem.key, **problem.values)))
            continue
        key = (row.person.id, row.field)
        if key in seen:
            report.errors.append(RowError(number, t("targets.duplicate_row", row=seen[key])))
            continue
        seen[key] = number
        outcome = await set_target(
            session,
            row.person,
            row.field,
            month,
            row.numbers,
            actor_id=actor_id,
            now=now,
            note=f"import {path.name}"[:200],
        )
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
