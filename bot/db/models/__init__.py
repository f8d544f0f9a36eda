"""ORM models, one module per domain area; import them from here."""

from bot.db.models.counters import VillageCounter
from bot.db.models.guides import GuideProgress, NoticeSeen
from bot.db.models.handoff import HelpRequest, HelpStatus
from bot.db.models.households import AssistAction, Assistance, Household
from bot.db.models.outbox import OutboxMessage, OutboxStatus, SendSlot
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
from bot.db.models.questions import Faq, Question, QuestionStatus
from bot.db.models.reports import CoverageSnapshot, ReportKind, ReportSubscription
from bot.db.models.shifts import (
    AssignmentSource,
    AssignmentStatus,
    DayOverride,
    Shift,
    ShiftAssignment,
    ShiftStatus,
    ShiftTemplate,
    StandinRequest,
    StandinStatus,
    Unavailability,
)
from bot.db.models.survey import Survey, SurveySource, SurveyStatus
from bot.db.models.targets import PersonalTarget
from bot.db.models.visit_totals import HelperDay, VillageDay, VillageWeek

# Registers the flush hook that keeps them (after the models it reads).
import bot.db.models.visit_credits  # noqa: F401  isort: skip

__all__ = [
    "AssignmentSource",
    "AssignmentStatus",
    "AssistAction",
    "Assistance",
    "AuditEntry",
    "ChatIdentity",
    "Commune",
    "ConversationState",
    "CoverageSnapshot",
    "DayOverride",
    "FailedJoin",
    "Faq",
    "GuideProgress",
    "HelpRequest",
    "HelpStatus",
    "HelperDay",
    "Household",
    "Invite",
    "Location",
    "LocationKind",
    "NoticeSeen",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PersonalTarget",
    "ProcessedUpdate",
    "Question",
    "QuestionStatus",
    "ReportKind",
    "ReportSubscription",
    "Role",
    "RoleGrant",
    "SendSlot",
    "Shift",
    "ShiftAssignment",
    "ShiftStatus",
    "ShiftTemplate",
    "StandinRequest",
    "StandinStatus",
    "Survey",
    "SurveySource",
    "SurveyStatus",
    "Unavailability",
    "Village",
    "VillageCounter",
    "VillageDay",
    "VillageWeek",
]
