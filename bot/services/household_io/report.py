"""What an import did: counts, and the rows skipped or imported with a caveat."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.locales import t


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
