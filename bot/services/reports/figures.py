"""Register figures (households, covered, accounts, submitted and paid online) of a village or
a group of villages, their change between two days, and the percentages reports show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

# The villages a report covers: None for all of them.
Scope = frozenset[int] | None
# A long list in a message: so many lines (or names on one line) shown, the rest counted.
MAX_LINES = 40
MAX_NAMES = 15
FIGURE_FIELDS = ("households", "covered", "accounts", "submitted_online", "paid_online")


def round1(value: Fraction) -> float:
    """One decimal, halves rounded away from zero (as people round by hand)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent(part: int, whole: int | None) -> float | None:
    """part / whole in percent with one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return round1(Fraction(100 * part, whole))


# Figures, Change (and coverage's VillageCoverage) are never changed once made, but not frozen:
# a frozen dataclass's __init__ costs three times as much, and a report makes thousands of them.


@dataclass(slots=True, unsafe_hash=True)
class Figures:
    """Register figures of a village or a group of villages."""

    households: int = 0
    covered: int = 0
    accounts: int = 0
    submitted_online: int = 0
    paid_online: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f) + getattr(other, f) for f in FIGURE_FIELDS))

    def __sub__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f) - getattr(other, f) for f in FIGURE_FIELDS))

    @property
    def coverage(self) -> Fraction | None:
        return Fraction(self.covered, self.households) if self.households else None

    @property
    def coverage_pct(self) -> float | None:
        return percent(self.covered, self.households)

    def to_json(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURE_FIELDS}

    def values(self) -> tuple[int, ...]:
        return (
            self.households,
            self.covered,
            self.accounts,
            self.submitted_online,
            self.paid_online,
        )

    @staticmethod
    def total(items: Iterable[Figures]) -> Figures:
        households = covered = accounts = submitted = paid = 0
        for item in items:
            households += item.households
            covered += item.covered
            accounts += item.accounts
            submitted += item.submitted_online
            paid += item.paid_online
        return Figures(households, covered, accounts, submitted, paid)


EMPTY = Figures()  # a village with no household registered


@dataclass(slots=True, unsafe_hash=True)
class Change:
    """Figures now minus the figures of the snapshot taken at the end of `since`."""

    since: date
    then: Figures
    now: Figures

    @property
    def delta(self) -> Figures:
        return self.now - self.then

    @property
    def coverage_points(self) -> float | None:
        """Percentage points gained; None if either side has no households."""
        if self.now.coverage is None or self.then.coverage is None:
            return None
        return round1(100 * (self.now.coverage - self.then.coverage))

    def to_json(self) -> dict[str, Any]:
        return {**self.delta.to_json(), "coverage_points": self.coverage_points}
