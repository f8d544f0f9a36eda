"""Telegram channel on python-telegram-bot: long polling or webhook, inline keyboards, edits."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any, TypeAlias

import httpx
from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest
from telegram.warnings import PTBUserWarning

from bot.channels.telegram_errors import classify, start_problem
from bot.channels.telegram_limits import rate_limiter
from bot.channels.telegram_updates import (
    ALLOWED_UPDATES,
    CHANNEL,
    PollingBot,
    read_update,
    to_incoming,
)
from bot.config import StartupError, TelegramSettings
from bot.core.channels import ChannelInfo
from bot.core.delivery import DeliveryError
from bot.core.dispatcher import Dispatcher
from bot.core.messages import Incoming, Reply
from bot.core.rendering import split_text
from bot.core.turns import ChatTurns
from bot.locales import t

log = logging.getLogger(__name__)
# Updates PTB lets into on_update at once: each then waits for its chat's turn and one of the
# `concurrent_updates` slots (bot/core/turns.py), so a chat with many messages queued holds no
# slot while it waits. PTB fetches at most 100 updates a call.
UPDATES_IN_HAND = 1024

SEND_MESSAGE = "sendMessage"
# do_api_request warns when it is asked for a method the library has: `_send_text` says why.
warnings.filterwarnings("ignore", f"Please use 'Bot.{SEND_MESSAGE}'", PTBUserWarning)

TelegramApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    return _markup(reply) if reply.choices else None


def keyboard_json(reply: Reply) -> str | None:
    """The keyboard as the Bot API takes it, a JSON string, made once for each set of buttons:
    the same menus come again and again, and building and serialising one cost 2% of an
    update."""
    return _markup_json(Reply("", reply.choices, reply.columns)) if reply.choices else None


def _markup(reply: Reply) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(choice.label, callback_data=choice.payload) for choice in row]
            for row in reply.rows()
        ]
    )


@lru_cache(maxsize=512)
def _markup_json(buttons: Reply) -> str:
    return _markup(buttons).to_json()


async def _answer(query: CallbackQuery) -> None:
    """Stop the pressed button's spinner; a press too old to answer is still handled."""
    try:
        await query.answer()
    except TelegramError as error:
        log.info("could not answer a button press (%s)", error)


def bot_api_requests(settings: TelegramSettings) -> tuple[BaseRequest, BaseRequest]:
    """The requests for replies (one connection per update handled at once, and spares) and
    for long polling, on the HTTP client the settings name."""
    replies_pool = settings.concurrent_updates + 16
    if settings.http_client == "aiohttp":
        # Deferred: an installation that chose httpx never holds aiohttp (telegram_http.py).
        from bot.channels.telegram_http import AiohttpRequest, environment_proxy

        proxy = environment_proxy(settings.base_url)
        return (
            AiohttpRequest(replies_pool, proxy=proxy, pool_timeout=10.0),
            AiohttpRequest(1, proxy=proxy),
        )
    # One TLS context (certificate store) for both connection pools: each costs about 1 MB.
    tls = {"verify": httpx.create_ssl_context()}
    return (
        HTTPXRequest(connection_pool_size=replies_pool, pool_timeout=10.0, httpx_kwargs=tls),
        HTTPXRequest(connection_pool_size=1, httpx_kwargs=tls),
    )


class TelegramChannel:
    """Bridges python-telegram-bot and the dispatcher; also sends proactive messages."""

    only_chats = None

    def __init__(
        self, settings: TelegramSettings, dispatcher: Dispatcher, *, webhook: bool = False
    ) -> None:
        if settings.token is None:
            raise ValueError("telegram.token is not configured")
        self.settings = settings
        self.dispatcher = dispatcher
        self.webhook = webhook  # updates are pushed to `dvcbot serve` instead of polled
        self.turns = ChatTurns(settings.concurrent_updates)
        self.info = ChannelInfo(CHANNEL, max_text=MessageLimit.MAX_TEXT_LENGTH, keeps_replies=True)
        replies, updates = bot_api_requests(settings)
        bot = PollingBot(
            settings.token.get_secret_value(),
            base_url=settings.base_url,
            base_file_url=settings.base_file_url,
            request=replies,
            get_updates_request=updates,
            rate_limiter=rate_limiter(settings, dispatcher.db) if settings.rate_limit else None,
        )
        builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .bot(bot)
            .concurrent_updates(UPDATES_IN_HAND)  # the turns bound those being handled
            .job_queue(None)  # our scheduler runs the jobs; PTB's own would sit idle
        )
        if webhook:
            builder = builder.updater(None)
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
        """An update from long polling."""
        await self.handle(update)

    async def receive(self, data: dict[str, Any]) -> None:
        """An update pushed to the webhook, as JSON; one PTB cannot read is skipped."""
        update = read_update(data, self.application.bot)
        if update is not None:
            await self.handle(update)

    async def handle(self, update: Update) -> None:
        """Dispatch one update (polled or pushed), send its replies after the commit, and tell
        the dispatcher how far the sending got: what was not sent is sent by the outbox. A
        chat's updates take turns, so its answers come in the order its messages did."""
        incoming = to_incoming(update, self.application.bot.id)
        if incoming is None:
            return
        async with self.turns.turn(incoming.chat_id):
            outcome = await self._dispatch_and_send(incoming, update.callback_query)
        if outcome is not None:
            sent, problem = outcome
            await self.dispatcher.settle(incoming, sent=sent, problem=problem)

    async def _dispatch_and_send(
        self, incoming: Incoming, query: CallbackQuery | None
    ) -> tuple[int, DeliveryError | None] | None:
        """Handle and send; how many replies went out and why the next did not (None: a
        duplicate, whose kept replies belong to whoever got it first)."""
        if query is None:
            replies = await self.dispatcher.handle(incoming)
        else:  # the button stops spinning while the update is handled, not one round trip before
            _, replies = await asyncio.gather(_answer(query), self.dispatcher.handle(incoming))
        if not replies:
            return None
        pressed = query.message if query is not None else None
        edit_id = pressed.message_id if isinstance(pressed, Message) else None
        sent = 0
        try:
            for reply in replies:
                await self.send(incoming.chat_id, [reply], edit_message_id=edit_id)
                sent, edit_id = sent + 1, None  # only the first reply may replace the pressed one
        except TelegramError as error:
            problem = classify(error)
            log.warning("reply to update %s not sent yet (%s)", incoming.key, problem)
            return sent, problem
        return sent, None

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
    ) -> None:
        """Render replies: the first may replace the pressed message; long text is split."""
        for index, reply in enumerate(replies):
            if (
                index == 0
                and reply.replace
                and edit_message_id is not None
                and await self._edited(chat_id, edit_message_id, reply)
            ):
                continue
            await self._send_one(chat_id, reply)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send a proactive message (outbox); failures say whether to retry."""
        try:
            await self.send(chat_id, replies)
        except TelegramError as error:
            raise classify(error) from error

    async def _edited(self, chat_id: str, message_id: int, reply: Reply) -> bool:
        """Whether the pressed message now shows `reply` (Telegram may refuse the edit)."""
        if reply.image is not None or reply.document is not None:
            return False
        if len(reply.text) > MessageLimit.MAX_TEXT_LENGTH:
            return False
        try:
            await self.application.bot.edit_message_text(
                reply.text,
                chat_id=int(chat_id),
                message_id=message_id,
                reply_markup=keyboard(reply),
            )
        except BadRequest as exc:
            log.info("edit refused (%s); sending a new message instead", exc.message)
            return False
        return True

    async def _send_one(self, chat_id: str, reply: Reply) -> None:
        bot = self.application.bot
        target = int(chat_id)
        if reply.image is not None:
            caption_fits = len(reply.text) <= MessageLimit.CAPTION_LENGTH
            await bot.send_photo(
                target,
                InputFile(reply.image, filename="huong-dan.png"),
                caption=reply.text if caption_fits else None,
                reply_markup=keyboard(reply) if caption_fits else None,
            )
            if not caption_fits:
                await self._send_text(target, reply.text, keyboard_json(reply))
            return
        if reply.document is not None:
            await bot.send_document(
                target,
                InputFile(reply.document.content, filename=reply.document.filename),
                caption=reply.text[: MessageLimit.CAPTION_LENGTH] or None,
                reply_markup=keyboard(reply),
            )
            return
        await self._send_text(target, reply.text, keyboard_json(reply))

    async def _send_text(self, chat_id: int, text: str, buttons: str | None) -> None:
        """Text in as many messages as it needs; the buttons (JSON) under the last."""
        chunks = split_text(text, MessageLimit.MAX_TEXT_LENGTH)
        for number, chunk in enumerate(chunks, 1):
            message: dict[str, Any] = {"chat_id": chat_id, "text": chunk}
            if number == len(chunks) and buttons is not None:
                message["reply_markup"] = buttons
            # Not bot.send_message: it builds a Message from Telegram's answer, which we never
            # read (about 5% of an update); PTB's warning for this is silenced.
            await self.application.bot.do_api_request(SEND_MESSAGE, api_kwargs=message)

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
        if self.webhook:
            log.info("Telegram channel receiving by webhook as @%s", username)
            return
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=self.settings.poll_timeout,
            poll_interval=0.0,
            allowed_updates=ALLOWED_UPDATES,
        )
        await self.application.start()
        log.info("Telegram channel polling as @%s", username)

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
