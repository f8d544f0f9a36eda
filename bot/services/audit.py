"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry
from bot.services.privacy import mask_phone

PHONE_KEYS = frozenset({"phone"})


async def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=_masked(before),
        after=_masked(after),
        note=note,
    )
    session.add(entry)
    await session.flush()
    return entry


def _masked(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The audit keeps that a phone changed, not the number: it is masked like in chat."""
    if values is None or not any(key in values for key in PHONE_KEYS):
        return values
    return {
        key: mask_phone(value) if key in PHONE_KEYS and value else value
        for key, value in values.items()
    }
