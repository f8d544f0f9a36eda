"""Importing a register file: read, parse, plan, then write unless it is a dry run."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.locales import t
from bot.services.household_io.apply import commune_for_new_villages, write_plan
from bot.services.household_io.headers import vocabulary
from bot.services.household_io.plan import plan_import
from bot.services.household_io.report import ImportReport, RowError
from bot.services.household_io.rows import parse_rows
from bot.services.household_io.tables import header_warnings, read_table


async def import_households(
    session: AsyncSession,
    path: Path,
    *,
    actor_id: int | None,
    now: datetime,
    dry_run: bool = False,
    create_villages: bool = False,
    prefer_file: bool = False,
    commune_id: int | None = None,
) -> ImportReport:
    """Import a register file; bad rows are reported and skipped, good rows are written.

    A value changed in chat since the last import is kept and reported as a conflict, unless
    `prefer_file` (merge.py). File-level problems (unreadable file, no header, a required
    column missing) raise DomainError and nothing is written.
    """
    words = vocabulary()
    table = await asyncio.to_thread(read_table, path, words)
    rows, errors = parse_rows(table, words)
    report = ImportReport(
        errors=errors, warnings=header_warnings(table), dry_run=dry_run, prefer_file=prefer_file
    )
    plan = await plan_import(
        session,
        rows,
        report,
        create_villages=create_villages,
        prefer_file=prefer_file,
        commune_id=commune_id,
    )
    report.warnings.extend(
        RowError(village.first_row, t("household_io.new_village", name=village.name))
        for village in plan.new_villages
    )
    report.created, report.updated, report.unchanged = (
        len(plan.creates),
        len(plan.updates),
        plan.unchanged,
    )
    report.errors.sort(key=lambda error: error.row)
    report.warnings.sort(key=lambda warning: warning.row)
    commune = await commune_for_new_villages(session, plan, commune_id)
    if not dry_run:
        await write_plan(session, plan, commune, actor_id=actor_id, now=now)
    return report
