"""Vietnam's official administrative units after the 1 July 2025 merger: 34 provinces and their
3,321 communes, wards and special zones, with the codes of the National Statistics Office.

The list comes from the `vietnam-provinces` package (pure data, no dependencies, typed, updated
when the list changes), so "Xã Đức Hợp" in a province's report is the real one. It holds about
28 MB once loaded, so it is loaded on first use: when a commune is named, never by the idle bot.

Names are matched folded (accents and case off, bot/vntext.py), with or without the unit's
word ("Xã", "Phường", "Đặc khu"), and a typo is forgiven when one unit is clearly closest.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.vntext import fold

UNIT_WORDS = ("xa ", "phuong ", "dac khu ", "thi tran ")
PROVINCE_WORDS = ("thanh pho ", "tinh ", "tp ")
TYPO_SCORE = 85  # rapidfuzz ratio of folded names, 0-100
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Unit:
    code: int
    name: str  # "Xã Đức Hợp"
    province_code: int
    province: str  # "Hưng Yên", "Thành phố Hà Nội"

    @property
    def label(self) -> str:
        return f"{self.name}, {self.province}"


def bare_unit_name(name: str) -> str:
    """A commune's folded name without "Xã", "Phường"...: "Xã Đức Hợp" → "duc hop"."""
    return _bare(name, UNIT_WORDS)


def _bare(name: str, words: tuple[str, ...]) -> str:
    """A folded name without its leading word: "Xã Đức Hợp" → "duc hop"."""
    folded = " ".join(fold(name).split())
    for word in words:
        if folded.startswith(word):
            return folded[len(word) :]
    return folded


@cache
def all_units() -> tuple[Unit, ...]:
    from vietnam_provinces import Province, Ward

    provinces = {int(p.code): p.name for p in Province.iter_all()}
    return tuple(
        Unit(int(w.code), w.name, int(w.province_code), provinces[int(w.province_code)])
        for w in Ward.iter_all()
    )


def by_code(code: int) -> Unit | None:
    """The unit with this official code."""
    return next((unit for unit in all_units() if unit.code == code), None)


def find(name: str, province: str | None = None) -> list[Unit]:
    """Units called `name` (in `province` when given): the exact folded matches, else the
    closest few within a typo, best first. Several units share a name across provinces."""
    wanted = bare_unit_name(name)
    units = list(all_units())
    if province:
        in_province = _bare(province, PROVINCE_WORDS)
        units = [u for u in units if _bare(u.province, PROVINCE_WORDS) == in_province]
    names = [bare_unit_name(unit.name) for unit in units]
    return [units[index] for index in closest(wanted, names, TYPO_SCORE)]


def closest(wanted: str, names: list[str], cutoff: float) -> list[int]:
    """Indexes of the names equal to `wanted`, else of the few closest within `cutoff`
    (rapidfuzz ratio, 0-100), best first; names and `wanted` already bare and folded."""
    exact = [index for index, name in enumerate(names) if name == wanted]
    if exact or not wanted:
        return exact
    from rapidfuzz import fuzz, process

    scored = process.extract(
        wanted, names, scorer=fuzz.ratio, score_cutoff=cutoff, limit=MAX_CANDIDATES
    )
    return [index for _, _, index in scored]
