"""Every feature's handlers, registered explicitly in one place; order matters for the menu."""

from bot.core.registry import Registry
from handlers import (
    admin,
    admin_roles,
    assistance_log,
    guides,
    handoff,
    household_create,
    household_edit,
    households,
    reports,
    safety,
    shifts,
    start,
)


def register_all(registry: Registry) -> None:
    """Fill the registry; free text goes to the guide matcher."""
    safety.register(registry)
    guides.register(registry)
    households.register(registry)
    household_create.register(registry)
    household_edit.register(registry)
    assistance_log.register(registry)
    admin.register(registry)
    admin_roles.register(registry)
    reports.register(registry)
    shifts.register(registry)
    handoff.register(registry)
    start.register(registry)
    registry.text(guides.answer_question)
