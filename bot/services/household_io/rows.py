"""Parsing register rows into household values, each row checked on its own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.errors import DomainError
from bot.locales import t
from bot.services.household_io.cells import Cells, cell_text, is_blank
from bot.services.household_io.headers import FIELDS, HeaderMap, Vocabulary
from bot.services.household_io.report import RowError
from bot.services.household_io.tables import Table
from bot.services.households import check_values, normalize_phone

YES_NO_FIELDS = frozenset({"submitted_online", "paid_online"})
NEW_HOUSEHOLD_DEFAULTS: dict[str, Any] = {
    "members_with_account": 0,
    "submitted_online": False,
    "paid_online": False,
    "phone": None,
    "note": None,
}


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
