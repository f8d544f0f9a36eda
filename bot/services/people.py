"""People, their chat identities, roles and conversation state."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.core.messages import Incoming
from bot.db.models import (
    ChatIdentity,
    ConversationState,
    Person,
    ProcessedUpdate,
    Role,
    RoleGrant,
)
from bot.db.models.people import STAFF_ROLES
from bot.services import audit


async def identify(
    session: AsyncSession, incoming: Incoming, now: datetime
) -> tuple[Person, ChatIdentity]:
    """The person behind a chat identity, created on first contact."""
    identity = await session.scalar(
        select(ChatIdentity)
        .where(
            ChatIdentity.channel == incoming.channel,
            ChatIdentity.external_id == incoming.user_id,
        )
        .options(joinedload(ChatIdentity.person))
    )
    if identity is None:
        person = Person(display_name=incoming.display_name[:200], created_at=now)
        identity = ChatIdentity(
            person=person,
            channel=incoming.channel,
            external_id=incoming.user_id,
            chat_id=incoming.chat_id,
            username=incoming.username,
            created_at=now,
            last_seen_at=now,
        )
        session.add_all([person, identity])
        await session.flush()
        return person, identity
    if now - identity.last_seen_at > LAST_SEEN_PRECISION:
        identity.last_seen_at = now
    identity.chat_id = incoming.chat_id
    identity.username = incoming.username
    if incoming.display_name and not identity.person.display_name:
        identity.person.display_name = incoming.display_name[:200]
    return identity.person, identity


async def active_roles(session: AsyncSession, person_id: int) -> frozenset[Role]:
    """Every role a person holds now; everyone is at least a citizen."""
    names = await session.scalars(
        select(RoleGrant.role).where(
            RoleGrant.person_id == person_id, RoleGrant.revoked_at.is_(None)
        )
    )
    return frozenset({Role.CITIZEN, *(Role(name) for name in names)})


# Writing last_seen_at on every message would turn each read into a write; minutes are enough.
LAST_SEEN_PRECISION = timedelta(minutes=5)


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


async def load_state(session: AsyncSession, identity: ChatIdentity) -> ConversationState:
    state = await session.get(ConversationState, identity.id)
    if state is None:
        state = ConversationState(identity_id=identity.id, data={})
        session.add(state)
    return state


async def forget_stale_flows(session: AsyncSession, before: datetime) -> int:
    """Drop half-finished flows (and what was typed into them) last touched before `before`."""
    result = await session.execute(
        update(ConversationState)
        .where(ConversationState.flow.is_not(None), ConversationState.updated_at < before)
        .values(flow=None, step=None, data={})
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def forget_processed_updates(session: AsyncSession, before: datetime) -> int:
    """Drop idempotency keys older than any redelivery (Telegram keeps updates 24 hours)."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
