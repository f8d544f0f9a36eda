"""Importing an assistance sheet: read, parse, find, then write what is new.

Natural key: a row is the help of one helper to one household on one day with the same
actions and procedure; help already in the log with that key (imported before, or logged in
chat) is counted as "already there" and not written again, so importing the same file twice
changes nothing, and a sheet that repeats what was logged in chat does not count it twice.
Imported help is marked `logged_late` when its day is before today (it counts for its own
day in every report), has no shift, and each entry is audited ("assist_import"). It records
the help only: the register's accounts and online flags are kept by the household import and
in chat, so importing a sheet never changes a household.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Assistance
from bot.locales import t
from bot.services import audit
from bot.services.assistance_io.columns import ACTIONS, REQUIRED, assistance_words
from bot.services.assistance_io.matching import Finder
from bot.services.assistance_io.rows import HelpRow, parse_rows
from bot.services.household_io import RowError
from bot.services.household_io.tables import header_warnings, read_table

Key = tuple[int, date, int, tuple[bool, ...], str | None]


@dataclass
class AssistanceImport:
    """What an import did, or would do in a dry run."""

    created: int = 0
    unchanged: int = 0  # already in the log (or twice in the file)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def accepted(self) -> int:
        return self.created + self.unchanged

    def summary(self) -> str:
        text = t(
            "assistance_io.summary",
            created=self.created,
            unchanged=self.unchanged,
            errors=len(self.errors),
        )
        return (t("assistance_io.dry_run") + text) if self.dry_run else text

    def lines(self) -> list[str]:
        lines: list[str] = []
        for heading, items in (
            ("household_io.warnings_heading", self.warnings),
            ("household_io.errors_heading", self.errors),
        ):
            if items:
                lines.append(t(heading, count=len(items)))
                lines.extend(f"  {item}" for item in items)
        return lines


async def import_assistance(
    session: AsyncSession,
    path: Path,
    *,
    procedures: Mapping[str, str],
    now: datetime,
    tz: ZoneInfo,
    dry_run: bool = False,
    commune_id: int | None = None,
) -> AssistanceImport:
    """Import a sheet; bad rows are reported and skipped, new good rows written (not in a dry
    run). `procedures` maps each procedure's title and id to its guide id. File-level problems
    (unreadable, no header, a required column missing) raise DomainError; nothing is written."""
    words = assistance_words()
    try:
        table = await asyncio.to_thread(read_table, path, words, REQUIRED)
    except DomainError as problem:
        if problem.key == "household_io.no_header":
            raise DomainError("assistance_io.no_header") from None
        raise
    today = now.astimezone(tz).date()
    rows, errors = parse_rows(table, words, today)
    report = AssistanceImport(errors=errors, warnings=header_warnings(table), dry_run=dry_run)
    finder = await Finder.load(session, procedures, commune_id)
    seen: set[Key] = set()
    for row in rows:
        try:
            entry = await _entry(session, finder, row)
        except DomainError as problem:
            report.errors.append(RowError(row.number, t(problem.key, **problem.values)))
            continue
        key = _key(entry)
        if key in seen or await _logged(session, entry):
            report.unchanged += 1
            continue
        seen.add(key)
        report.created += 1
        if not dry_run:
            await _write(session, entry, row, today=today, now=now)
    report.errors.sort(key=lambda error: error.row)
    return report


async def _entry(session: AsyncSession, finder: Finder, row: HelpRow) -> Assistance:
    """The help a row describes, not yet added to the session."""
    village_id = finder.village_id(row)
    household = await finder.household(session, row, village_id)
    helper_id = finder.helper_id(row)
    procedure = finder.procedure(row)
    return Assistance(
        household_id=household.id,
        village_id=household.village_id,
        helper_id=helper_id,
        day=row.day,
        procedure=procedure,
        fee_required=row.fee if procedure else None,
        note=row.note,
        **{action: action in row.actions for action in ACTIONS},
    )


def _key(entry: Assistance) -> Key:
    flags = tuple(bool(getattr(entry, action)) for action in ACTIONS)
    helper = entry.helper_id or 0
    return (entry.household_id, entry.day, helper, flags, entry.procedure)


async def _logged(session: AsyncSession, entry: Assistance) -> bool:
    """Whether the log already holds help with this entry's natural key."""
    query = select(Assistance.id).where(
        Assistance.household_id == entry.household_id,
        Assistance.day == entry.day,
        Assistance.helper_id == entry.helper_id,
        Assistance.procedure.is_(None)
        if entry.procedure is None
        else Assistance.procedure == entry.procedure,
        *(getattr(Assistance, action).is_(bool(getattr(entry, action))) for action in ACTIONS),
    )
    return await session.scalar(query.limit(1)) is not None


async def _write(
    session: AsyncSession, entry: Assistance, row: HelpRow, *, today: date, now: datetime
) -> None:
    entry.at = now
    entry.logged_late = entry.day < today
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        actor_id=None,
        action="assist_import",
        entity="household",
        entity_id=entry.household_id,
        after={
            "assistance_id": entry.id,
            "day": entry.day.isoformat(),
            "helper_id": entry.helper_id,
            "actions": sorted(action.value for action in row.actions),
            "procedure": entry.procedure,
            "row": row.number,
        },
    )
