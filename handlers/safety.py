"""Stops messages that look like OTP codes or passwords before anything can store them."""

from __future__ import annotations

import logging

from bot.core.context import Context
from bot.core.messages import Replies, Reply
from bot.db.models import Role
from bot.locales import t
from bot.services.safety import looks_like_secret, looks_like_work_value

log = logging.getLogger(__name__)


async def warn_about_secrets(ctx: Context) -> Replies | None:
    """Answer a message that carries a secret with a warning; nothing of it is kept.

    Staff answering their own flows may type codes, counts, dates and phone numbers that look
    like secrets (household MK-0123, 100000 households); everything else, and everything a
    citizen types, is checked as always.
    """
    text = ctx.incoming.text or ""
    if at_work(ctx) and looks_like_work_value(text):
        return None
    if not looks_like_secret(text):
        return None
    log.info("message withheld: it looked like a secret (person %s)", ctx.person.id)
    return Reply(t("safety.secret_warning"))


def at_work(ctx: Context) -> bool:
    """Staff in one of their own flows: one that citizens cannot use, allowed by their roles."""
    if ctx.incoming.group or not ctx.is_staff:
        return False
    route = ctx.registry.flows.get(ctx.state.flow or "")
    return (
        route is not None
        and route.roles is not None
        and Role.CITIZEN not in route.roles
        and route.allows(ctx.roles)
    )
