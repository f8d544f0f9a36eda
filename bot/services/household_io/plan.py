"""Comparing parsed rows with the register: what to create, update or leave unchanged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Household
from bot.locales import t
from bot.services.household_io.codes import CodeMaker, taken_codes
from bot.services.household_io.report import ImportReport, RowError
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
    """A household already in the register: its id and audited values."""

    id: int
    values: dict[str, Any]


@dataclass
class Plan:
    """What the import will write."""

    creates: list[tuple[VillageEntry, str, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[Existing, dict[str, Any]]] = field(default_factory=list)
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
        select(Household.id, *columns).where(Household.village_id.in_(ids))
    )
    existing: dict[tuple[int, str], Existing] = {}
    for row in result:
        values = dict(zip(AUDITED, row[1:], strict=True))
        existing[(values["village_id"], values["code"])] = Existing(row[0], values)
    return existing


async def existing_by_village(
    session: AsyncSession, resolver: VillageResolver, villages: Iterable[VillageEntry]
) -> dict[tuple[str, str], Existing]:
    """Households already stored in these villages, by (folded village name, code)."""
    names = {village.id: village.folded for village in resolver.by_folded.values()}
    existing = await load_existing(session, (v.id for v in villages if v.id is not None))
    return {(names[village_id], code): found for (village_id, code), found in existing.items()}


def merge(existing: Existing, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """The household's values after the row, or None when the row changes nothing."""
    merged = {**existing.values, **values}
    check_values(merged)
    return None if merged == existing.values else merged


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
) -> Plan:
    """Match rows to villages and households; errors and warnings go into the report."""
    resolver = VillageResolver(await load_villages(session))
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
            _plan_row(plan, existing.get(key), village, code, row.values)
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


def _plan_row(
    plan: Plan, found: Existing | None, village: VillageEntry, code: str, values: dict[str, Any]
) -> None:
    """Add one valid row to the plan as a create, an update or an unchanged household."""
    if found is None:
        plan.creates.append((village, code, {**NEW_HOUSEHOLD_DEFAULTS, **values}))
        return
    merged = merge(found, values)
    if merged is None:
        plan.unchanged += 1
    else:
        plan.updates.append((found, merged))
