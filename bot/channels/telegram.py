"""Telegram channel on python-telegram-bot: long polling, inline keyboards, split messages."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeAlias
from urllib.parse import urlsplit

# Opt in to PTB's coming behaviour (time periods as timedelta) so no deprecation path runs.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.config import StartupError, TelegramSettings
from bot.core.channels import ChannelInfo
from bot.core.delivery import DeliveryError, FailureKind
from bot.core.dispatcher import Dispatcher
from bot.core.messages import Attachment, Incoming, Reply
from bot.core.rendering import split_text
from bot.locales import t
from bot.logs import redact, token_secrets

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TelegramApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


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


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(choice.label, callback_data=choice.payload) for choice in row]
            for row in reply.rows()
        ]
    )


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB may give an int or a timedelta)."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(error: TelegramError) -> DeliveryError:
    """Map a Bot API failure to what the outbox should do about it."""
    if isinstance(error, RetryAfter):
        return DeliveryError(FailureKind.RETRY_AFTER, str(error), retry_after_seconds(error))
    if isinstance(error, Forbidden):
        return DeliveryError(FailureKind.BLOCKED, error.message)
    if isinstance(error, (BadRequest, ChatMigrated, InvalidToken)):
        return DeliveryError(FailureKind.REJECTED, str(error))
    if isinstance(error, NetworkError):  # 5xx, TimedOut, connection errors
        return DeliveryError(FailureKind.TRANSIENT, str(error) or type(error).__name__)
    return DeliveryError(FailureKind.TRANSIENT, str(error))


class _FloodHandedOn(logging.Filter):
    """Drops the limiter's ERROR and traceback for a flood wait it hands on (max_retries=0):
    the sender deals with it, and the outbox logs one warning line and retries that row."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], RetryAfter))


FLOOD_HANDED_ON = _FloodHandedOn()


def even_rate_limiter(settings: TelegramSettings) -> AIORateLimiter:
    """PTB's limiter with bucket sizes of one, so it paces evenly instead of bursting.

    aiolimiter lets a full bucket go at once: with 30/s that is up to 60 messages in the first
    second, and Telegram answers 429. One message per 1/30 s never goes over. Flood errors are
    not retried here (max_retries=0): the outbox retries that one row after its retry_after.
    """
    logging.getLogger("telegram.ext.AIORateLimiter").addFilter(FLOOD_HANDED_ON)  # not added twice
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / settings.messages_per_second,
        group_max_rate=1,
        group_time_period=60 / settings.group_messages_per_minute,
        max_retries=0,
    )


class UpdatesRequest(HTTPXRequest):
    """Fetches updates; one that python-telegram-bot cannot parse becomes an empty update.

    PTB parses a batch as a whole: one bad update fails the batch, which it then fetches again
    forever, logging the raw updates (what people wrote) each time. An empty update keeps the
    id, so the offset moves past it, and the channel ignores it.
    """

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """PTB's parsing of a response, then every update checked (the result of getUpdates)."""
        data = HTTPXRequest.parse_json_payload(payload)
        result = data.get("result")
        if isinstance(result, list):
            data["result"] = [readable for raw in result if (readable := _readable(raw))]
        return data


def _readable(raw: Any) -> dict[str, Any] | None:
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


def start_problem(error: TelegramError, settings: TelegramSettings) -> str:
    """What to check when Telegram does not let the bot start; never any part of the token."""
    if isinstance(error, InvalidToken):
        return (
            "Telegram refused the bot token (telegram.token or DVCBOT_TELEGRAM__TOKEN): "
            "copy it again from @BotFather."
        )
    address = urlsplit(settings.base_url)
    server = f"{address.hostname}:{address.port}" if address.port else address.hostname
    token = settings.token.get_secret_value() if settings.token else None
    reason = redact(str(error), token_secrets(token))
    if isinstance(error, NetworkError):
        return (
            f"Cannot reach the Telegram Bot API at {server} (telegram.base_url): check the "
            f"internet connection, proxy or firewall ({reason})."
        )
    return f"Telegram at {server} did not let the bot start (telegram.base_url): {reason}"


class TelegramChannel:
    """Bridges python-telegram-bot and the dispatcher; also sends proactive messages."""

    only_chats = None

    def __init__(self, settings: TelegramSettings, dispatcher: Dispatcher) -> None:
        if settings.token is None:
            raise ValueError("telegram.token is not configured")
        self.settings = settings
        self.dispatcher = dispatcher
        self.info = ChannelInfo(CHANNEL, max_text=MessageLimit.MAX_TEXT_LENGTH)
        builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.token.get_secret_value())
            .base_url(settings.base_url)
            .base_file_url(settings.base_file_url)
            .concurrent_updates(settings.concurrent_updates)
            .connection_pool_size(settings.concurrent_updates + 16)
            .pool_timeout(10.0)
            .job_queue(None)  # our scheduler runs the jobs; PTB's own would sit idle
            .get_updates_request(UpdatesRequest(connection_pool_size=1))
        )
        if settings.rate_limit:
            builder = builder.rate_limiter(even_rate_limiter(settings))
        self.application: TelegramApp = builder.build()
        self.application.add_handler(TypeHandler(Update, self.on_update))
        self.application.add_error_handler(self.on_error)

    async def _publish_commands(self) -> None:
        commands = [
            BotCommand(name, description)
            for name, description in self.dispatcher.registry.public_commands()
        ]
        try:
            await self.application.bot.set_my_commands(commands)
        except TelegramError as exc:
            log.warning("could not set the command list: %s", exc)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update goes through the dispatcher; replies are sent after its commit."""
        incoming = to_incoming(update, context.bot.id)
        if incoming is None:
            return
        query = update.callback_query
        if query is not None:
            await query.answer()
        replies = await self.dispatcher.handle(incoming)
        pressed = query.message if query is not None else None
        edit_id = pressed.message_id if isinstance(pressed, Message) else None
        await self.send(incoming.chat_id, replies, edit_message_id=edit_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log every exception and apologise to the person, if we know who they are."""
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, t("errors.apology"))
            except TelegramError:
                log.exception("could not send the apology")

    async def send(
        self, chat_id: str, replies: Sequence[Reply], *, edit_message_id: int | None = None
    ) -> list[Message]:
        """Render replies: the first may replace the pressed message; long text is split."""
        sent: list[Message] = []
        for index, reply in enumerate(replies):
            if index == 0 and reply.replace and edit_message_id is not None:
                edited = await self._try_edit(chat_id, edit_message_id, reply)
                if edited is not None:
                    sent.append(edited)
                    continue
            sent.extend(await self._send_one(chat_id, reply))
        return sent

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send a proactive message (outbox); failures say whether to retry."""
        try:
            await self.send(chat_id, replies)
        except TelegramError as error:
            raise classify(error) from error

    async def _try_edit(self, chat_id: str, message_id: int, reply: Reply) -> Message | None:
        if reply.image is not None or reply.document is not None:
            return None
        if len(reply.text) > MessageLimit.MAX_TEXT_LENGTH:
            return None
        try:
            result = await self.application.bot.edit_message_text(
                reply.text,
                chat_id=int(chat_id),
                message_id=message_id,
                reply_markup=keyboard(reply),
            )
        except BadRequest as exc:
            log.info("edit refused (%s); sending a new message instead", exc.message)
            return None
        return result if isinstance(result, Message) else None

    async def _send_one(self, chat_id: str, reply: Reply) -> list[Message]:
        bot = self.application.bot
        markup = keyboard(reply)
        target = int(chat_id)
        if reply.image is not None:
            caption_fits = len(reply.text) <= MessageLimit.CAPTION_LENGTH
            photo = await bot.send_photo(
                target,
                InputFile(reply.image, filename="huong-dan.png"),
                caption=reply.text if caption_fits else None,
                reply_markup=markup if caption_fits else None,
            )
            if caption_fits:
                return [photo]
            return [photo, *await self._send_text(target, reply.text, markup)]
        if reply.document is not None:
            document = await bot.send_document(
                target,
                InputFile(reply.document.content, filename=reply.document.filename),
                caption=reply.text[: MessageLimit.CAPTION_LENGTH] or None,
                reply_markup=markup,
            )
            return [document]
        return await self._send_text(target, reply.text, markup)

    async def _send_text(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> list[Message]:
        chunks = split_text(text, MessageLimit.MAX_TEXT_LENGTH)
        messages = []
        for number, chunk in enumerate(chunks, 1):
            last = number == len(chunks)
            messages.append(
                await self.application.bot.send_message(
                    chat_id, chunk, reply_markup=markup if last else None
                )
            )
        return messages

    async def start(self) -> None:
        """Initialise (Telegram checks the token), start long polling and the processing."""
        try:
            await self.application.initialize()
        except TelegramError as error:
            raise StartupError(start_problem(error, self.settings)) from None
        username = self.application.bot.username
        link = f"https://t.me/{username}"
        self.info = replace(self.info, chat_link=link, start_link=f"{link}?start=")
        self.dispatcher.connect(self.info)
        await self._publish_commands()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=self.settings.poll_timeout,
            poll_interval=0.0,
            allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
        )
        await self.application.start()
        log.info("Telegram channel polling as @%s", self.application.bot.username)

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
