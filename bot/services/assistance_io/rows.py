"""Parsing the rows of an assistance sheet, each checked on its own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.errors import DomainError
from bot.db.models import AssistAction
from bot.locales import t
from bot.services.assistance_io.columns import ACTIONS
from bot.services.household_io import RowError, Vocabulary
from bot.services.household_io.cells import Cells, cell_text, is_blank
from bot.services.household_io.headers import HeaderMap
from bot.services.household_io.tables import Table
from bot.services.reports.tallies import FIRST_DAY

ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
VN_DAY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: .*)?$")


@dataclass(frozen=True)
class HelpRow:
    """A row whose cells are valid on their own; village, household and helper not yet found."""

    number: int
    day: date
    village: str
    code: str | None
    head: str | None
    helper: str
    actions: frozenset[AssistAction]
    procedure: str | None  # as written
    fee: bool
    note: str | None


def parse_day(value: object, today: date) -> date:
    """A date cell (Excel's own, or '15/06/2026' or '2026-06-15'), not in the future."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = cell_text(value)
        if not text:
            raise DomainError("assistance_io.missing_day")
        try:
            if found := ISO_DAY.match(text):
                day = date(*(int(found.group(n)) for n in (1, 2, 3)))
            elif found := VN_DAY.match(text):
                day = date(*(int(found.group(n)) for n in (3, 2, 1)))
            else:
                raise ValueError(text)
        except ValueError:
            raise DomainError("assistance_io.bad_day", value=text[:30]) from None
    if day > today:
        raise DomainError("assistance_io.future_day", day=f"{day:%d/%m/%Y}")
    if day < FIRST_DAY:
        raise DomainError("assistance_io.day_too_early", first=f"{FIRST_DAY:%d/%m/%Y}")
    return day


def parse_row(
    number: int, cells: Cells, header: HeaderMap, words: Vocabulary, today: date
) -> HelpRow:
    """Convert and check one row on its own; DomainError says what is wrong."""

    def cell(name: str) -> object:
        index = header.columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    def text(name: str) -> str:
        return " ".join(cell_text(cell(name)).split())

    def yes(name: str) -> bool:
        answer = words.yes_no(cell(name))
        if answer is None:
            raise DomainError(
                "household_io.not_yes_no", column=words.labels[name], value=text(name)[:30]
            )
        return answer

    day = parse_day(cell("day"), today)
    if not text("village"):
        raise DomainError("household_io.missing_village")
    if not text("code") and not text("head_name"):
        raise DomainError("assistance_io.missing_household")
    if not text("helper"):
        raise DomainError("assistance_io.missing_helper")
    actions = frozenset(AssistAction(name) for name in ACTIONS if yes(name))
    procedure = text("procedure") or None
    if not actions and procedure is None:
        raise DomainError("assistance_io.nothing_done")
    return HelpRow(
        number=number,
        day=day,
        village=text("village"),
        code=text("code") or None,
        head=text("head_name") or None,
        helper=text("helper"),
        actions=actions,
        procedure=procedure,
        fee=yes("fee"),
        note=cell_text(cell("note"))[:500] or None,
    )


def parse_rows(
    table: Table, words: Vocabulary, today: date
) -> tuple[list[HelpRow], list[RowError]]:
    """Every non-blank row parsed, or reported with its reason."""
    parsed: list[HelpRow] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        if is_blank(cells):
            continue
        try:
            parsed.append(parse_row(number, cells, table.header, words, today))
        except DomainError as error:
            errors.append(RowError(number, t(error.key, **error.values)))
    return parsed, errors
