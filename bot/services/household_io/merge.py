"""A register row against a stored household, field by field, so chat work is never undone.

Volunteers keep households up to date in chat; communes keep re-importing their own sheet,
which may be older. Comparing only the file with the database cannot tell "the file changed"
from "the chat changed": both look like a difference. So each field is compared three ways:

- the file's value now;
- the file's value at the last import that had the column (`households.imported_values`);
- the value in the database.

When the database still holds what the file said last time, nobody changed it in chat and the
file's new value is taken. When it holds something else, it was changed in chat since the last
import: the chat's value is kept and reported as a conflict, unless the import prefers the file.
A field the file never gave (a household created in chat, or a column a file lacked) counts as
changed in chat. After every import the file's values become the new "last imported" ones, so
a value kept from chat stays protected at the next import of the same sheet.

Why a JSON column of the values as last imported rather than the alternatives:

- Per-field timestamps ("last changed in chat", "last came from a file") would make every
  writer (chat edits, assistance logging, future ones) stamp them, and a time cannot say
  whether the value came back to what the file says. Here chat code need not know anything:
  "changed in chat" is simply "no longer what the file said".
- Reading the audit log at import time would cost a query over every household's history for
  a 100,000-row import, and the log keeps phones masked, so it cannot give the old value.
- A separate snapshot table (household × field) would add a join and up to seven rows per
  household for what is one small value read with the row the import loads anyway and written
  in the same UPDATE.

The column is bookkeeping of the import, not household data: writing it alone (when a file
confirms values already stored) adds no audit row and leaves `updated_at` alone; every change
to the household's data goes through the audit log as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.services.households import AUDITED

# What a register row carries besides the keys that find its household (village and code).
IMPORTED_FIELDS = tuple(name for name in AUDITED if name not in ("village_id", "code"))


@dataclass(frozen=True)
class Merged:
    """A row merged into a stored household."""

    values: dict[str, Any]
    written: tuple[str, ...]
    conflicts: tuple[str, ...]
    imported: dict[str, Any]


def changed_in_chat(name: str, stored: Any, imported: Mapping[str, Any] | None) -> bool:
    """Whether a field no longer holds what a file said for it at the last import."""
    if imported is None or name not in imported:
        return True
    return bool(imported[name] != stored)


def merge(
    stored: Mapping[str, Any],
    imported: Mapping[str, Any] | None,
    row: Mapping[str, Any],
    *,
    prefer_file: bool,
) -> Merged:
    """The household after the row: file values taken where the chat left the field alone."""
    values = dict(stored)
    written: list[str] = []
    conflicts: list[str] = []
    for name, from_file in row.items():
        if from_file == stored[name]:
            continue
        if changed_in_chat(name, stored[name], imported):
            conflicts.append(name)
            if not prefer_file:
                continue
        values[name] = from_file
        written.append(name)
    remembered = {**(imported or {}), **row}
    return Merged(values, tuple(written), tuple(conflicts), remembered)


def imported_from(values: Mapping[str, Any]) -> dict[str, Any]:
    """What a new household remembers as imported: every field the import wrote.

    A column the file lacked was filled with its default by this import, so a later file that
    has the column may set it, as long as the chat has not changed it in between.
    """
    return {name: values[name] for name in IMPORTED_FIELDS}
