"""Household codes for rows that have none: village initials and the next free number."""

from __future__ import annotations

from collections.abc import Iterable

from bot.services.household_io.rows import ParsedRow
from bot.services.household_io.villages import VillageEntry
from bot.vntext import fold


def village_initials(name: str) -> str:
    """'Thôn Đức An' -> 'TDA', as households.next_code does."""
    return "".join(word[0] for word in fold(name).split()).upper() or "H"


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


class CodeMaker:
    """Codes for rows without one: village initials and the next free number."""

    def __init__(self, taken: dict[str, set[str]]) -> None:
        self.taken = taken
        self.next_number: dict[str, int] = {}

    def make(self, village: VillageEntry) -> str:
        """The next code free in the village, marked as taken."""
        codes = self.taken.setdefault(village.folded, set())
        number = self.next_number.get(village.folded, len(codes) + 1)
        initials = village_initials(village.name)
        while f"{initials}-{number:04d}" in codes:
            number += 1
        code = f"{initials}-{number:04d}"
        codes.add(code)
        self.next_number[village.folded] = number + 1
        return code
