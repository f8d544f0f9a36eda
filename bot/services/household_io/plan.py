"""Comparing parsed rows with the register: what to create, update or leave unchanged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Household
from bot.locales import t
from bot.services.household_io.codes import CodeMaker, taken_codes
from bot.services.household_io.merge import Merged, merge
from bot.services.household_io.report import FieldDiff, ImportReport, RowError
from bot.services.household_io.rows import NEW_HOUSEHOLD_DEFAULTS, ParsedRow
from bot.services.household_io.villages import (
    VillageEntry,
    VillageResolver,
    load_villages,
    resolve_village,
)
from bot.services.households import AUDITED, check_values, lock_codes


@dataclass(frozen=True)
class Existing:
    """A household already in the register: its id, audited values and last imported values."""

    id: int
    values: dict[str, Any]
    imported: dict[str, Any] | None


@dataclass(frozen=True)
class Update:
    """A stored household and the row merged into it."""

    found: Existing
    merged: Merged


@dataclass
class Plan:
    """What the import will write.

    `updates` change household data; `remembered` only record what the file said, for
    households whose data the file leaves as it is.
    """

    creates: list[tuple[VillageEntry, str, dict[str, Any]]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    remembered: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    new_villages: list[VillageEntry] = field(default_factory=list)


async def load_existing(
    session: AsyncSession, village_ids: Iterable[int]
) -> dict[tuple[int, str], Existing]:
    """Existing households of these villages by (village id, code), in one query."""
    ids = sorted(set(village_ids))
    if not ids:
        return {}
    columns = [getattr(Household, name) for name in AUDITED]
    result = await session.execute(
        select(Household.id, Household.imported_values, *columns).where(
            Household.village_id.in_(ids)
        )
    )
    existing: dict[tuple[int, str], Existing] = {}
    for row in result:
        values = dict(zip(AUDITED, row[2:], strict=True))
        existing[(values["village_id"], values["code"])] = Existing(row[0], values, row[1])
    return existing


async def existing_by_village(
    session: AsyncSession, resolver: VillageResolver, villages: Iterable[VillageEntry]
) -> dict[tuple[str, str], Existing]:
    """Households already stored in these villages, by (folded village name, code)."""
    names = {village.id: village.folded for village in resolver.by_folded.values()}
    existing = await load_existing(session, (v.id for v in villages if v.id is not None))
    return {(names[village_id], code): found for (village_id, code), found in existing.items()}


def checked(merged: Merged, prefer_file: bool) -> Merged:
    """The merged values if valid; a value kept from chat that makes them invalid says so."""
    try:
        check_values(merged.values)
    except DomainError as error:
        if merged.conflicts and not prefer_file:
            raise DomainError(
                "household_io.kept_value_invalid", reason=t(error.key, **error.values)
            ) from error
        raise
    return merged


def place_rows(
    resolver: VillageResolver,
    rows: list[ParsedRow],
    report: ImportReport,
    *,
    create_villages: bool,
) -> list[tuple[ParsedRow, VillageEntry]]:
    """Each row with its village; rows naming an unknown village go to the errors."""
    placed: list[tuple[ParsedRow, VillageEntry]] = []
    for row in rows:
        try:
            placed.append((row, resolve_village(resolver, row, create_villages)))
        except DomainError as error:
            report.errors.append(RowError(row.number, t(error.key, **error.values)))
    return placed


async def plan_import(
    session: AsyncSession,
    rows: list[ParsedRow],
    report: ImportReport,
    *,
    create_villages: bool,
    prefer_file: bool = False,
    commune_id: int | None = None,
) -> Plan:
    """Match rows to villages (one commune's when given) and households; changes, conflicts,
    errors go into the report."""
    resolver = VillageResolver(await load_villages(session, commune_id))
    placed = place_rows(resolver, rows, report, create_villages=create_villages)
    # Codes are read and chosen under the villages' locks, as a chat save chooses its own.
    await lock_codes(session, (village.id for _, village in placed if village.id is not None))
    existing = await existing_by_village(session, resolver, (village for _, village in placed))
    codes = CodeMaker(taken_codes(existing, placed))
    plan = Plan()
    seen: dict[tuple[str, str], int] = {}
    for row, village in placed:
        code = row.code
        if code is None:
            code = codes.make(village)
            report.warnings.append(
                RowError(row.number, t("household_io.generated_code", code=code))
            )
        key = (village.folded, code)
        try:
            if key in seen:
                raise DomainError(
                    "household_io.duplicate_code", code=code, village=village.name, row=seen[key]
                )
            seen[key] = row.number
            found = existing.get(key)
            if found is None:
                plan.creates.append((village, code, {**NEW_HOUSEHOLD_DEFAULTS, **row.values}))
            else:
                _plan_update(plan, report, found, village, row.values, prefer_file=prefer_file)
        except DomainError as error:
            report.errors.append(RowError(row.number, t(error.key, **error.values)))
    # Only villages that receive a household are created: a bad row writes nothing at all.
    receiving = {village.folded for village, _, _ in plan.creates}
    plan.new_villages = [
        village
        for village in resolver.by_folded.values()
        if village.id is None and village.folded in receiving
    ]
    return plan


def _plan_update(
    plan: Plan,
    report: ImportReport,
    found: Existing,
    village: VillageEntry,
    values: dict[str, Any],
    *,
    prefer_file: bool,
) -> None:
    """Merge a valid row into its stored household; report each field changed or kept."""
    merged = checked(
        merge(found.values, found.imported, values, prefer_file=prefer_file), prefer_file
    )

    def diff(name: str) -> FieldDiff:
        stored = found.values
        return FieldDiff(
            village.name, stored["code"], stored["head_name"], name, stored[name], values[name]
        )

    report.changes.extend(diff(name) for name in merged.written)
    report.conflicts.extend(diff(name) for name in merged.conflicts)
    if merged.written:
        plan.updates.append(Update(found, merged))
        return
    plan.unchanged += 1
    if merged.imported != found.imported:
        plan.remembered.append((found.id, merged.imported))
