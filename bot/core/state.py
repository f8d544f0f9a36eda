"""Who is writing and where they are: chat identity, person, roles and conversation state.

The dispatcher loads these for every update; the outbox uses the menu half of the state when it
sends a numbered menu to a channel without buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from bot.core import menus, newcomers
from bot.core.messages import Incoming
from bot.db.base import UtcDateTime
from bot.db.loaded import Columns
from bot.db.models import (
    ChatIdentity,
    Commune,
    ConversationState,
    Person,
    ProcessedUpdate,
    Role,
    RoleGrant,
)

# Takes an update's key before any work: a duplicate fails on the primary key (IntegrityError)
# and is skipped, so nothing is done twice.
CLAIM = insert(ProcessedUpdate).values(
    key=bindparam("key"), processed_at=bindparam("now", type_=UtcDateTime)
)


async def claim(session: AsyncSession, key: str, now: datetime) -> None:
    """Take an update's key on its own (see CLAIM); `load_chat` takes it with the load."""
    await (await session.connection()).execute(CLAIM, {"key": key, "now": now})


async def identify(
    session: AsyncSession, incoming: Incoming, now: datetime
) -> tuple[Person, ChatIdentity]:
    """The person behind a chat identity, created on first contact.

    Only a private chat becomes the identity's chat (where notifications go) and counts as
    the person's latest use of the channel: a group is never a place for personal messages.
    """
    found = (
        select(ChatIdentity)
        .where(
            ChatIdentity.channel == incoming.channel,
            ChatIdentity.external_id == incoming.user_id,
        )
        .options(joinedload(ChatIdentity.person))
    )
    identity = await session.scalar(found)
    if identity is None:
        await newcomers.write(session, incoming, now)
        identity = await session.scalar(found)
        assert identity is not None  # written just now, in this transaction
        return identity.person, identity
    return _seen(identity, incoming, now), identity


def _seen(identity: ChatIdentity, incoming: Incoming, now: datetime) -> Person:
    """Note what changed about a known identity. Only a change is assigned: assigning an equal
    value writes nothing either, but marks the identity modified, and every later query of the
    update then runs a flush to find out that nothing changed."""
    if not incoming.group:
        if now - identity.last_seen_at > LAST_SEEN_PRECISION:
            identity.last_seen_at = now
        if identity.chat_id != incoming.chat_id:
            identity.chat_id = incoming.chat_id
    if identity.username != incoming.username:
        identity.username = incoming.username
    if incoming.display_name and not identity.person.display_name:
        identity.person.display_name = incoming.display_name[:200]
    return identity.person


@dataclass(frozen=True, slots=True)
class Chat:
    """Everything the dispatcher needs about who is writing, loaded together."""

    person: Person
    identity: ChatIdentity
    roles: frozenset[Role]
    state: ConversationState
    newcomer: bool = False  # first contact: created just now


# Who is writing, with their person, state and active roles (a row for each role): built once,
# run for every update, read with Core (bot/db/loaded.py says why).
IDENTITY = Columns(ChatIdentity)
PERSON = Columns(Person, IDENTITY.end)
STATE = Columns(ConversationState, PERSON.end)
ROLE = STATE.end
COMMUNE = Columns(Commune, ROLE + 1)  # a newcomer's, which the greeting names
_identities, _people = ChatIdentity.__table__, Person.__table__
_states, _grants, _communes = ConversationState.__table__, RoleGrant.__table__, Commune.__table__
CHAT = (
    select(*IDENTITY.columns, *PERSON.columns, *STATE.columns, _grants.c.role)
    .select_from(_identities)
    .join(_people, _people.c.id == _identities.c.person_id)
    .outerjoin(_states, _states.c.identity_id == _identities.c.id)
    .outerjoin(
        _grants, (_grants.c.person_id == _identities.c.person_id) & _grants.c.revoked_at.is_(None)
    )
    .where(
        _identities.c.channel == bindparam("channel"),
        _identities.c.external_id == bindparam("user_id"),
    )
)
NEWCOMER = CHAT.add_columns(*COMMUNE.columns).outerjoin(
    _communes, _communes.c.id == _people.c.commune_id
)
# On PostgreSQL the update's claim rides in the load (a data-modifying CTE, which SQLite lacks):
# a round trip less for every update. A duplicate still fails before any work.
CLAIM_AND_CHAT = CHAT.add_cte(CLAIM.cte("claim"))


async def load_chat(session: AsyncSession, incoming: Incoming, now: datetime) -> Chat:
    """Claim the update (CLAIM), then identity, person, active roles and conversation state in
    one query (a returning person); first contact creates the person. Nothing is written when
    nothing changed."""
    who: dict[str, object] = {"channel": incoming.channel, "user_id": incoming.user_id}
    loading = CHAT
    connection = await session.connection()
    if incoming.key is not None:
        if connection.dialect.name == "postgresql":
            loading, who = CLAIM_AND_CHAT, {**who, "key": incoming.key, "now": now}
        else:
            await claim(session, incoming.key, now)
    rows = (await connection.execute(loading, who)).all()
    newcomer = not rows
    if newcomer:
        await newcomers.write(session, incoming, now)
        rows = (await connection.execute(NEWCOMER, who)).all()
    chat = _attach(session, rows, newcomer)
    if not newcomer:
        _seen(chat.identity, incoming, now)
    return chat


def _attach(session: AsyncSession, rows: Sequence[Sequence[Any]], newcomer: bool) -> Chat:
    """The chat's objects, from its rows, in the session as if the ORM had loaded them."""
    first = rows[0]
    identity, person = IDENTITY.attach(session, first), PERSON.attach(session, first)
    set_committed_value(identity, "person", person)
    if newcomer:  # the greeting then finds the commune in the session
        commune = COMMUNE.attach(session, first) if COMMUNE.found(first) else None
        set_committed_value(person, "commune", commune)
    if STATE.found(first):
        state = STATE.attach(session, first)
    else:
        state = ConversationState(identity_id=identity.id, data={})
        session.add(state)
    names = {row[ROLE] for row in rows if row[ROLE] is not None}
    roles = frozenset({Role.CITIZEN, *(Role(name) for name in names)})
    return Chat(person, identity, roles, state, newcomer=newcomer)


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


async def forget_stale_flows(session: AsyncSession, before: datetime) -> int:
    """Forget half-finished flows and menus (and what was typed into them) left before `before`."""
    result = await session.execute(
        update(ConversationState)
        .where(
            ConversationState.flow.is_not(None) | ConversationState.menu.is_not(None),
            ConversationState.updated_at < before,
        )
        .values(flow=None, step=None, data={}, menu=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def forget_processed_updates(session: AsyncSession, before: datetime) -> int:
    """Drop idempotency keys older than any redelivery (Telegram keeps updates 24 hours)."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def remember_menu(
    session: AsyncSession, channel: str, chat_id: str, menu: menus.Menu
) -> None:
    """Keep the numbered menu just sent to a chat, so a typed number answers it."""
    identities = await session.scalars(
        select(ChatIdentity.id).where(
            ChatIdentity.channel == channel, ChatIdentity.chat_id == chat_id
        )
    )
    for identity_id in identities:
        state = await session.get(ConversationState, identity_id)
        if state is None:
            state = ConversationState(identity_id=identity_id, data={})
            session.add(state)
        state.menu = menu.to_state()
