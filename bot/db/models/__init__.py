"""ORM models, one module per domain area; import them from here."""

from bot.db.models.guides import GuideProgress, NoticeSeen
from bot.db.models.households import AssistAction, Assistance, Household
from bot.db.models.outbox import OutboxMessage, OutboxStatus
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
from bot.db.models.reports import CoverageSnapshot, ReportKind, ReportSubscription

__all__ = [
    "AssistAction",
    "Assistance",
    "AuditEntry",
    "ChatIdentity",
    "Commune",
    "ConversationState",
    "CoverageSnapshot",
    "FailedJoin",
    "GuideProgress",
    "Household",
    "Invite",
    "Location",
    "LocationKind",
    "NoticeSeen",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "ProcessedUpdate",
    "ReportKind",
    "ReportSubscription",
    "Role",
    "RoleGrant",
    "Village",
]
