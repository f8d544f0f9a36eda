"""People: roles granted and revoked, and which villages their roles cover."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Person,
    Role,
    RoleGrant,
)
from bot.db.models.people import STAFF_ROLES
from bot.services import audit


async def village_scope(
    session: AsyncSession, person_id: int, roles: Collection[Role] = STAFF_ROLES
) -> frozenset[int] | None:
    """Villages a person may work in through `roles`; None means the whole commune.

    Pass only the editing roles to get where someone may change data: an official for the
    whole commune who volunteers in one village may read everywhere but edit only there.
    """
    grants = (
        await session.execute(
            select(RoleGrant.role, RoleGrant.village_id).where(
                RoleGrant.person_id == person_id,
                RoleGrant.revoked_at.is_(None),
                RoleGrant.role.in_([Role(role).value for role in roles]),
            )
        )
    ).all()
    if any(role == Role.ADMIN or village_id is None for role, village_id in grants):
        return None
    return frozenset(village_id for _, village_id in grants if village_id is not None)


async def grant_role(
    session: AsyncSession,
    person: Person,
    role: Role,
    *,
    granted_by_id: int | None,
    now: datetime,
    village_id: int | None = None,
) -> RoleGrant:
    """Give a role (for one village, or the whole commune); an identical active grant is reused."""
    existing = await session.scalar(
        select(RoleGrant).where(
            RoleGrant.person_id == person.id,
            RoleGrant.role == role,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.village_id.is_(None)
            if village_id is None
            else RoleGrant.village_id == village_id,
        )
    )
    if existing is not None:
        return existing
    grant = RoleGrant(
        person_id=person.id,
        role=role,
        village_id=village_id,
        granted_by_id=granted_by_id,
        granted_at=now,
    )
    session.add(grant)
    await session.flush()
    await audit.record(
        session,
        actor_id=granted_by_id,
        action="grant",
        entity="role",
        entity_id=grant.id,
        after={"person_id": person.id, "role": role.value, "village_id": village_id},
    )
    return grant


async def revoke_role(
    session: AsyncSession, person_id: int, role: Role, *, revoked_by_id: int | None, now: datetime
) -> int:
    """Revoke every active grant of `role`; returns how many were revoked."""
    grants = list(
        await session.scalars(
            select(RoleGrant).where(
                RoleGrant.person_id == person_id,
                RoleGrant.role == role,
                RoleGrant.revoked_at.is_(None),
            )
        )
    )
    for grant in grants:
        grant.revoked_at = now
        await audit.record(
            session,
            actor_id=revoked_by_id,
            action="revoke",
            entity="role",
            entity_id=grant.id,
            before={"person_id": person_id, "role": role.value},
        )
    await session.flush()
    return len(grants)


async def set_own_phone(session: AsyncSession, person: Person, phone: str | None) -> None:
    """Keep (or, with None, remove) the number a person left themselves; audited, masked."""
    if person.phone == phone:
        return
    before, person.phone = person.phone, phone
    await audit.record(
        session,
        actor_id=person.id,
        action="update",
        entity="person",
        entity_id=person.id,
        before={"phone": before},
        after={"phone": phone},
    )
