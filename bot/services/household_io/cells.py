"""Spreadsheet cells as the importer sees them."""

from __future__ import annotations

from collections.abc import Sequence

Cells = Sequence[object]


def cell_text(value: object) -> str:
    """A cell as trimmed text; Excel's 4.0 for a typed 4 reads as "4"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_blank(cells: Cells) -> bool:
    """Whether every cell of a row is empty or blank."""
    return all(not cell_text(value) for value in cells)
