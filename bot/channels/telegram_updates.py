"""Reading Telegram updates: the channel-neutral Incoming, and updates PTB cannot parse."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import Bot, Message, Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.constants import ChatType
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.core.messages import Attachment, Incoming

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
GET_UPDATES = "getUpdates"
# do_api_request warns when it is asked for a method the library has: PollingBot says why.
warnings.filterwarnings("ignore", f"Please use 'Bot.{GET_UPDATES}'", PTBUserWarning)


def to_incoming(update: Update, bot_id: int) -> Incoming | None:
    """The channel-neutral view of a Telegram update, or None for updates we ignore.

    Update ids count per bot, so the idempotency key names the bot: a commune that changes its
    bot token must not have the new bot's first updates mistaken for old ones.
    """
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    base = Incoming(
        channel=CHANNEL,
        chat_id=str(chat.id),
        user_id=str(user.id),
        display_name=user.full_name,
        username=user.username,
        key=f"{CHANNEL}:{bot_id}:{update.update_id}",
        group=chat.type != ChatType.PRIVATE,
    )
    if update.callback_query is not None:
        return replace(base, payload=update.callback_query.data or "")
    message = update.message
    if message is None:
        return None
    if message.text is None:
        return replace(base, attachment=_attachment_of(message))
    return replace(base, text=message.text)


def _attachment_of(message: Message) -> Attachment:
    if message.photo:
        return Attachment.PHOTO
    if message.document is not None:
        return Attachment.DOCUMENT
    if message.sticker is not None:
        return Attachment.STICKER
    if message.voice is not None:
        return Attachment.VOICE
    return Attachment.OTHER


class PollingBot(ExtBot[Any]):
    """PTB's bot, reading each update of a getUpdates answer once, on its own (read_update).

    PTB parses a batch as a whole: one update it cannot parse fails the batch, which it then
    fetches again forever, logging the raw updates (what people wrote) each time. Checking each
    update before PTB parsed the batch again cost 5% of an update's time.
    """

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,  # noqa: ASYNC109 (PTB's signature)
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        # As PTB's own: a long poll's wait is added to the polling request's read timeout.
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._request[0].read_timeout
        waits = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout or 0
        parameters = {
            "offset": offset,
            "limit": limit,
            "timeout": timeout,
            "allowed_updates": allowed_updates,
        }
        result = await self.do_api_request(
            GET_UPDATES,
            api_kwargs={**parameters, **(api_kwargs or {})},
            read_timeout=(read_timeout or 0) + waits,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        read = (read_update(raw, self) for raw in result)
        return tuple(update for update in read if update is not None)


def read_update(raw: Any, bot: Bot | None) -> Update | None:
    """The update as PTB reads it. One it cannot read becomes an empty update with the same id,
    so polling moves past it and the channel ignores it (None without an id)."""
    try:
        return Update.de_json(raw, bot)
    except Exception as error:  # whatever PTB's parsing raises
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        # Only the id and the kind of error: the update itself may hold a password or an OTP.
        log.warning(
            "skipped update %s: python-telegram-bot cannot read it (%s)",
            update_id,
            type(error).__name__,
        )
        return Update(update_id) if isinstance(update_id, int) else None
