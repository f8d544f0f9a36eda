"""People: roles granted and revoked, and which villages their roles cover."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Commune, Person, Role, RoleGrant, Village
from bot.db.models.people import PROVINCE_ROLES, STAFF_ROLES
from bot.services import audit


async def village_scope(
    session: AsyncSession, person_id: int, roles: Collection[Role] = STAFF_ROLES
) -> frozenset[int] | None:
    """Villages a person may work in through `roles`; None means everywhere there is (the
    installation's one commune).

    A role for the whole commune covers that commune's villages: with several communes in the
    installation, the set of them, so nothing of another commune is ever in scope. Pass only
    the editing roles to get where someone may change data: an official for the whole commune
    who volunteers in one village may read everywhere but edit only there.
    """
    grants = (
        await session.execute(
            select(RoleGrant.role, RoleGrant.commune_id, RoleGrant.village_id).where(
                RoleGrant.person_id == person_id,
                RoleGrant.revoked_at.is_(None),
                RoleGrant.role.in_([Role(role).value for role in roles]),
            )
        )
    ).all()
    villages = frozenset(village_id for _, _, village_id in grants if village_id is not None)
    whole = {commune_id for role, commune_id, village_id in grants
             if role == Role.ADMIN or village_id is None}  # fmt: skip
    if not whole:
        return villages
    if int(await session.scalar(select(func.count()).select_from(Commune)) or 0) <= 1:
        return None
    in_communes = await session.scalars(select(Village.id).where(Village.commune_id.in_(whole)))
    return villages | frozenset(in_communes)


def check_place(role: Role, commune_id: int | None) -> None:
    """A province role is held in no commune; every other role in one."""
    if (role in PROVINCE_ROLES) != (commune_id is None):
        raise ValueError(f"{role} is held {'in no' if role in PROVINCE_ROLES else 'in a'} commune")


async def grant_role(
    session: AsyncSession,
    person: Person,
    role: Role,
    *,
    commune_id: int | None,
    granted_by_id: int | None,
    now: datetime,
    village_id: int | None = None,
) -> RoleGrant:
    """Give a role in a commune (for one village, or all of it), or a province role (in no
    commune); an identical active grant is reused."""
    check_place(role, commune_id)
    existing = await session.scalar(
        select(RoleGrant).where(
            RoleGrant.person_id == person.id,
            RoleGrant.role == role,
            RoleGrant.commune_id.is_(None)
            if commune_id is None
            else RoleGrant.commune_id == commune_id,
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
        commune_id=commune_id,
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
        after={
            "person_id": person.id,
            "role": role.value,
            "commune_id": commune_id,
            "village_id": village_id,
        },
    )
    return grant


async def staff_commune(session: AsyncSession, person_id: int) -> int | None:
    """The commune where a person holds a role (the oldest such grant); None for none."""
    found = await session.scalar(
        select(RoleGrant.commune_id)
        .where(
            RoleGrant.person_id == person_id,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.commune_id.is_not(None),
        )
        .order_by(RoleGrant.id)
        .limit(1)
    )
    return None if found is None else int(found)


async def communes_of(
    session: AsyncSession, person_id: int, roles: Collection[Role]
) -> frozenset[int]:
    """The communes where a person holds one of `roles` now."""
    found = await session.scalars(
        select(RoleGrant.commune_id).where(
            RoleGrant.person_id == person_id,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.commune_id.is_not(None),
            RoleGrant.role.in_([Role(role).value for role in roles]),
        )
    )
    return frozenset(int(commune_id) for commune_id in found if commune_id is not None)


async def roles_in(session: AsyncSession, person_id: int, commune_id: int) -> frozenset[Role]:
    """The roles a person holds now in one commune."""
    found = await session.scalars(
        select(RoleGrant.role).where(
            RoleGrant.person_id == person_id,
            RoleGrant.commune_id == commune_id,
            RoleGrant.revoked_at.is_(None),
        )
    )
    return frozenset(Role(role) for role in found)


async def revoke_role(
    session: AsyncSession,
    person_id: int,
    role: Role,
    *,
    commune_id: int | None,
    revoked_by_id: int | None,
    now: datetime,
) -> int:
    """Revoke every active grant of `role` in a commune (None: a province role); returns how
    many were revoked."""
    grants = list(
        await session.scalars(
            select(RoleGrant).where(
                RoleGrant.person_id == person_id,
                RoleGrant.role == role,
                RoleGrant.commune_id.is_(None)
                if commune_id is None
                else RoleGrant.commune_id == commune_id,
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
