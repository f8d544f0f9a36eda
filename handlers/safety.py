"""Stops messages that look like OTP codes or passwords before anything can store them."""

from __future__ import annotations

import logging

from bot.core.context import Context
from bot.core.messages import Replies, Reply
from bot.locales import t
from bot.services.safety import looks_like_secret

log = logging.getLogger(__name__)


async def warn_about_secrets(ctx: Context) -> Replies | None:
    """Answer a message that carries a secret with a warning; nothing of it is kept."""
    if not looks_like_secret(ctx.incoming.text or ""):
        return None
    log.info("message withheld: it looked like a secret (person %s)", ctx.person.id)
    return Reply(t("safety.secret_warning"))
