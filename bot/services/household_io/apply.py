"""Writing a plan: new villages, then households in bulk with Core, each with an audit row.

Each household also gets what the file said (`imported_values`, see merge.py) in the same
statement; households the file leaves as they are get only that, without an audit row, since
it is the import's bookkeeping and not household data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

from bot.core.errors import DomainError
from bot.db.models import AuditEntry, Commune, Household
from bot.services import places, village_counters
from bot.services.household_io.merge import imported_from
from bot.services.household_io.plan import Plan
from bot.services.household_io.villages import VillageEntry
from bot.services.households import AUDITED
from bot.services.privacy import mask_phone
from bot.vntext import fold

WRITE_BATCH = 5_000


def batches(items: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    """The items in slices of WRITE_BATCH."""
    for start in range(0, len(items), WRITE_BATCH):
        yield items[start : start + WRITE_BATCH]


async def execute_many(
    connection: AsyncConnection, statement: Executable, parameters: Sequence[dict[str, Any]]
) -> None:
    """Run one statement for many parameter sets, a batch at a time."""
    for batch in batches(parameters):
        await connection.execute(statement, list(batch))


def masked(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Audited values with the phone masked, as every other audit row keeps it."""
    if values is None or not values.get("phone"):
        return values
    return {**values, "phone": mask_phone(values["phone"])}


def audit_row(
    household_id: int,
    *,
    actor_id: int | None,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> dict[str, Any]:
    """The audit entry recording that an import created or changed a household."""
    return {
        "at": now,
        "actor_id": actor_id,
        "action": "import",
        "entity": "household",
        "entity_id": str(household_id),
        "before": masked(before),
        "after": masked(after),
        "note": None,
    }


async def create_villages_for(
    session: AsyncSession, commune: Commune, villages: list[VillageEntry], actor_id: int | None
) -> None:
    """Add the villages the import names for the first time (audited, like any new village)."""
    for village in villages:
        added = await places.add_village(session, commune, village.name, actor_id=actor_id)
        village.id = added.id


async def write_creates(
    session: AsyncSession, plan: Plan, *, actor_id: int | None, now: datetime
) -> None:
    """Insert the new households, then one audit row each with the values stored."""
    if not plan.creates:
        return
    connection = await session.connection()
    rows = [
        {
            "village_id": village.id,
            "code": code,
            "folded_head": fold(values["head_name"]),
            "consent_at": None,
            "created_at": now,
            "updated_at": now,
            "updated_by_id": actor_id,
            "imported_values": imported_from(values),
            **values,
        }
        for village, code, values in plan.creates
    ]
    await execute_many(connection, insert(Household), rows)
    village_ids = {row["village_id"] for row in rows}
    result = await connection.execute(
        select(Household.id, Household.village_id, Household.code).where(
            Household.village_id.in_(village_ids)
        )
    )
    ids = {(village_id, code): id_ for id_, village_id, code in result}
    audits = [
        audit_row(
            ids[(row["village_id"], row["code"])],
            actor_id=actor_id,
            now=now,
            before=None,
            after={name: row[name] for name in AUDITED},
        )
        for row in rows
    ]
    await execute_many(connection, insert(AuditEntry), audits)


async def write_updates(
    session: AsyncSession, plan: Plan, *, actor_id: int | None, now: datetime
) -> None:
    """Update the changed households, then one audit row each with the changed fields."""
    if not plan.updates:
        return
    connection = await session.connection()
    rows: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for update_ in plan.updates:
        found, merged = update_.found, update_.merged
        rows.append(
            {
                "row_id": found.id,
                **{
                    name: merged.values[name]
                    for name in AUDITED
                    if name not in ("village_id", "code")
                },
                "folded_head": fold(merged.values["head_name"]),
                "imported_values": merged.imported,
                "updated_at": now,
                "updated_by_id": actor_id,
            }
        )
        audits.append(
            audit_row(
                found.id,
                actor_id=actor_id,
                now=now,
                before={name: found.values[name] for name in merged.written},
                after={name: merged.values[name] for name in merged.written},
            )
        )
    statement = update(Household).where(Household.id == bindparam("row_id"))
    await execute_many(connection, statement, rows)
    await execute_many(connection, insert(AuditEntry), audits)


async def write_remembered(session: AsyncSession, plan: Plan) -> None:
    """Record what the file said for households whose data it leaves as it is."""
    if not plan.remembered:
        return
    connection = await session.connection()
    rows = [{"row_id": id_, "imported_values": values} for id_, values in plan.remembered]
    statement = update(Household).where(Household.id == bindparam("row_id"))
    await execute_many(connection, statement, rows)


async def commune_for_new_villages(
    session: AsyncSession, plan: Plan, commune_id: int | None = None
) -> Commune | None:
    """The commune new villages would join (the one imported into, else the installation's);
    None when the file names only known villages."""
    if not plan.new_villages:
        return None
    if commune_id is not None:
        return await session.get(Commune, commune_id)
    commune = await places.get_commune(session)
    if commune is None:
        raise DomainError("household_io.no_commune")
    return commune


async def write_plan(
    session: AsyncSession,
    plan: Plan,
    commune: Commune | None,
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """New villages first (households refer to them), then new and changed households; the
    touched villages' counters are locked before and recounted after (village_counters)."""
    if commune is not None:
        await create_villages_for(session, commune, plan.new_villages, actor_id)
    touched = {village.id for village, _, _ in plan.creates if village.id is not None}
    touched.update(update_.found.values["village_id"] for update_ in plan.updates)
    await village_counters.lock(session, touched)
    await write_creates(session, plan, actor_id=actor_id, now=now)
    await write_updates(session, plan, actor_id=actor_id, now=now)
    await write_remembered(session, plan)
    await village_counters.refresh(session, touched)
    await session.flush()
