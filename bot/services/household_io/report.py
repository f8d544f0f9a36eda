"""What an import did: counts, each field changed or kept, and the rows skipped or warned about."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.locales import t
from bot.services.household_io.headers import vocabulary
from bot.services.privacy import mask_phone


@dataclass(frozen=True)
class RowError:
    """A row that was skipped (or, among warnings, imported with a caveat), and why."""

    row: int
    reason: str

    def __str__(self) -> str:
        return t("household_io.row", row=self.row, reason=self.reason)


@dataclass(frozen=True)
class FieldDiff:
    """One field of one household where the register and the file differ."""

    village: str
    code: str
    head: str
    field: str
    stored: Any
    in_file: Any


def shown(name: str, value: Any) -> str:
    """A field's value as people read it: có/không, (trống), phones masked as in chat."""
    words = vocabulary()
    if isinstance(value, bool):
        return words.yes_label if value else words.no_label
    if value is None or value == "":
        return t("household_io.empty_value")
    if name == "phone":
        return mask_phone(str(value))
    return str(value)


def change_line(diff: FieldDiff) -> str:
    """'DA-002 – Trần Thị Bình (Thôn Đức An): Số tài khoản DVC: 0 → 3'."""
    return t(
        "household_io.change",
        code=diff.code,
        head=diff.head,
        village=diff.village,
        field=vocabulary().labels[diff.field],
        old=shown(diff.field, diff.stored),
        new=shown(diff.field, diff.in_file),
    )


def conflict_line(diff: FieldDiff) -> str:
    """'… Số tài khoản DVC: trong chat là 2, trong tệp là 0'."""
    return t(
        "household_io.conflict",
        code=diff.code,
        head=diff.head,
        village=diff.village,
        field=vocabulary().labels[diff.field],
        in_chat=shown(diff.field, diff.stored),
        in_file=shown(diff.field, diff.in_file),
    )


@dataclass
class ImportReport:
    """What an import did, or would do in a dry run."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    changes: list[FieldDiff] = field(default_factory=list)
    conflicts: list[FieldDiff] = field(default_factory=list)
    dry_run: bool = False
    prefer_file: bool = False

    @property
    def accepted(self) -> int:
        """Rows that were imported: created, updated or found unchanged."""
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        """One Vietnamese sentence: created, updated, unchanged, errors (and the rest)."""
        text = t(
            "household_io.summary",
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            errors=len(self.errors),
        )
        if self.warnings:
            text += t("household_io.summary_warnings", warnings=len(self.warnings))
        if self.conflicts and self.prefer_file:
            text += t("household_io.summary_overwritten", count=len(self.conflicts))
        elif self.conflicts:
            text += t("household_io.summary_conflicts", count=len(self.conflicts))
        return (t("household_io.dry_run") + text) if self.dry_run else text

    def lines(self) -> list[str]:
        """The details under the summary: changes, values kept from chat, warnings, errors."""
        kept = (
            "household_io.overwritten_heading" if self.prefer_file else "household_io.kept_heading"
        )
        sections = (
            ("household_io.changes_heading", [change_line(diff) for diff in self.changes]),
            (kept, [conflict_line(diff) for diff in self.conflicts]),
            ("household_io.warnings_heading", [str(warning) for warning in self.warnings]),
            ("household_io.errors_heading", [str(error) for error in self.errors]),
        )
        lines: list[str] = []
        for heading, items in sections:
            if items:
                lines.append(t(heading, count=len(items)))
                lines.extend(f"  {item}" for item in items)
        return lines
