"""ORM models, one module per domain area; import them from here."""

from bot.db.models.guides import GuideProgress, NoticeSeen
from bot.db.models.households import AssistAction, Assistance, Household
from bot.db.models.people import (
    AuditEntry,
    ChatIdentity,
    ConversationState,
    FailedJoin,
    Invite,
    Person,
    ProcessedUpdate,
    Role,
    RoleGrant,
)
from bot.db.models.places import Commune, Location, LocationKind, Village

__all__ = [
    "AssistAction",
    "Assistance",
    "AuditEntry",
    "ChatIdentity",
    "Commune",
    "ConversationState",
    "FailedJoin",
    "GuideProgress",
    "Household",
    "Invite",
    "Location",
    "LocationKind",
    "NoticeSeen",
    "Person",
    "ProcessedUpdate",
    "Role",
    "RoleGrant",
    "Village",
]
