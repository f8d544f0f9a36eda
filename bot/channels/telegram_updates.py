"""Reading Telegram updates: the channel-neutral Incoming, and updates PTB cannot parse."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.request import BaseRequest, HTTPXRequest

from bot.core.messages import Attachment, Incoming

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


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


def readable_payload(payload: bytes) -> dict[str, Any]:
    """PTB's parsing of a getUpdates answer, then every update checked: one that PTB cannot
    parse becomes an empty update.

    PTB parses a batch as a whole: one bad update fails the batch, which it then fetches again
    forever, logging the raw updates (what people wrote) each time. An empty update keeps the
    id, so the offset moves past it, and the channel ignores it.
    """
    data = BaseRequest.parse_json_payload(payload)
    result = data.get("result")
    if isinstance(result, list):
        data["result"] = [readable for raw in result if (readable := readable_update(raw))]
    return data


class UpdatesRequest(HTTPXRequest):
    """Fetches updates (readable_payload says how a bad one is skipped)."""

    parse_json_payload = staticmethod(readable_payload)


def readable_update(raw: Any) -> dict[str, Any] | None:
    """The update if PTB can parse it, else an empty one with its id (None without an id)."""
    try:
        Update.de_json(raw, None)
    except Exception as error:  # whatever PTB's parsing raises
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        # Only the id and the kind of error: the update itself may hold a password or an OTP.
        log.warning(
            "skipped update %s: python-telegram-bot cannot read it (%s)",
            update_id,
            type(error).__name__,
        )
        return {"update_id": update_id} if isinstance(update_id, int) else None
    assert isinstance(raw, dict)
    return raw
