"""People and their chat identities, roles, conversation state, idempotency, audit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, utcnow

if TYPE_CHECKING:
    from bot.db.models.places import Commune


class Role(StrEnum):
    CITIZEN = "citizen"
    VOLUNTEER = "volunteer"
    OFFICER = "officer"
    OFFICIAL = "official"
    ADMIN = "admin"
    # Held for the whole province, in no commune: sees every commune's reports / adds communes.
    PROVINCE_OFFICIAL = "province_official"
    PROVINCE_ADMIN = "province_admin"


STAFF_ROLES = frozenset({Role.VOLUNTEER, Role.OFFICER, Role.OFFICIAL, Role.ADMIN})
PROVINCE_ROLES = frozenset({Role.PROVINCE_OFFICIAL, Role.PROVINCE_ADMIN})


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The channel their reminders and pushes go to (None: the chat they used most recently).
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    # The commune whose desk serves them, as they chose it (None: not chosen; with one commune
    # in the installation, that one).
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id", ondelete="SET NULL"))

    commune: Mapped[Commune | None] = relationship(lazy="raise")
    identities: Mapped[list[ChatIdentity]] = relationship(back_populates="person", lazy="raise")
    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="person", lazy="raise", foreign_keys="RoleGrant.person_id"
    )


class ChatIdentity(Base):
    """One person's account on one channel; ids are strings because Zalo's are."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    # The private chat with the person (None until they write privately); never a group.
    chat_id: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="identities", lazy="raise")


class RoleGrant(Base):
    """A role given to a person; revoked grants stay for the record."""

    __tablename__ = "role_grants"
    __table_args__ = (
        Index("ix_role_grants_active", "person_id", "revoked_at"),
        Index("ix_role_grants_commune_role", "commune_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    # The commune the role is held in (None: a province role, held in no commune).
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    # None: the whole commune; otherwise the role covers only this village.
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(
        back_populates="roles", lazy="raise", foreign_keys=[person_id]
    )


class ConversationState(Base):
    """Where a chat is in a multi-step flow, kept in our own table so restarts lose nothing."""

    __tablename__ = "conversation_states"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("chat_identities.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The numbered menu last shown on a channel without buttons (bot/core/menus.py).
    menu: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    identity: Mapped[ChatIdentity] = relationship(lazy="raise")


class ProcessedUpdate(Base):
    """Idempotency keys of updates already handled, written in the handler's transaction."""

    __tablename__ = "processed_updates"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    note: Mapped[str | None] = mapped_column(Text)


class Invite(Base):
    """A single-use, expiring code that gives a role (optionally for one village)."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    # Where the role is given (None: a province role).
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class FailedJoin(Base):
    """A wrong invite code tried from a chat, to slow down guessing."""

    __tablename__ = "failed_joins"
    __table_args__ = (Index("ix_failed_joins_identity_at", "identity_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCode(Base):
    """A single-use, short-lived code that links a chat on another channel to the same person."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The chat that asked for it; its person is looked up when the code is used.
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("chat_identities.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_identities.id", ondelete="SET NULL")
    )
