"""ORM models, one module per domain area; import them from here."""

from bot.db.models.guides import GuideProgress, NoticeSeen
from bot.db.models.people import (
    AuditEntry,
    ChatIdentity,
    ConversationState,
    Person,
    ProcessedUpdate,
    Role,
    RoleGrant,
)

__all__ = [
    "AuditEntry",
    "ChatIdentity",
    "ConversationState",
    "GuideProgress",
    "NoticeSeen",
    "Person",
    "ProcessedUpdate",
    "Role",
    "RoleGrant",
]
