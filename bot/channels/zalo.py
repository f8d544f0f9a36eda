"""Zalo channel on our own client: polling or webhook in, numbered menus and links out.

Zalo has no buttons, no edits and no documents, and sends pictures only from a public URL: the
core numbers the choices, splits texts under 2,000 characters and turns pictures and files into
signed links (ChannelInfo below). Every event is deduplicated by its message id (Zalo may
deliver one again), and every event gets an answer. Replies are outbox rows until sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from bot.channels.zalo_client import TOKEN_REFUSED, ZaloClient, ZaloError
from bot.config import StartupError, ZaloSettings
from bot.core.channels import ChannelInfo
from bot.core.delivery import DeliveryError
from bot.core.dispatcher import Dispatcher
from bot.core.messages import Attachment, Incoming, Reply
from bot.core.turns import ChatTurns

log = logging.getLogger(__name__)

CHANNEL = "zalo"
INFO = ChannelInfo(
    CHANNEL,
    buttons=False,
    edits=False,
    max_text=2000,
    pictures="link",
    files="link",
    keeps_replies=True,
)
ATTACHMENTS = {
    "message.image.received": Attachment.PHOTO,
    "message.sticker.received": Attachment.STICKER,
    "message.voice.received": Attachment.VOICE,
}
EMPTY_POLL_FLOOR = 1.0  # seconds between polls that brought nothing
TYPING_AFTER = 1.0  # a reply slower than this gets the typing indicator
TYPING_EVERY = 4.0  # Zalo shows it for about 5 s
CONCURRENT_EVENTS = 32  # pushed events handled at once (polling takes one at a time)


def to_incoming(body: dict[str, Any], bot_id: str) -> Incoming | None:
    """The channel-neutral view of a Zalo event (wrapped `{ok, result}` or flat), or None."""
    event = body.get("result", body)
    if not isinstance(event, dict):
        return None
    message = event.get("message")
    if not isinstance(message, dict):
        return None
    sender, chat = message.get("from"), message.get("chat")
    if not isinstance(sender, dict) or not isinstance(chat, dict) or sender.get("is_bot"):
        return None
    user_id, chat_id = str(sender.get("id") or ""), str(chat.get("id") or "")
    message_id = str(message.get("message_id") or "")
    if not user_id or not chat_id or not message_id:
        return None
    name = str(event.get("event_name") or "")
    text = message.get("text") if name == "message.text.received" else None
    return Incoming(
        channel=CHANNEL,
        chat_id=chat_id,
        user_id=user_id,
        text=str(text) if isinstance(text, str) else None,
        display_name=str(sender.get("display_name") or "")[:200],
        attachment=None if text is not None else ATTACHMENTS.get(name, Attachment.OTHER),
        key=f"{CHANNEL}:{bot_id}:{message_id}",
        group=chat.get("chat_type") == "GROUP",
    )


class ZaloChannel:
    """Bridges the Zalo Bot API and the dispatcher; also sends proactive messages."""

    only_chats = None

    def __init__(
        self, settings: ZaloSettings, dispatcher: Dispatcher, *, webhook: bool = False
    ) -> None:
        if settings.token is None:
            raise ValueError("zalo.token is not configured")
        self.settings = settings
        self.dispatcher = dispatcher
        self.webhook = webhook  # events are pushed to `dvcbot serve` instead of polled
        self.turns = ChatTurns(CONCURRENT_EVENTS)
        self.info = INFO
        self.client = ZaloClient(settings.token.get_secret_value(), settings.base_url)
        self.bot_id = ""
        self._polling: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Check the token (getMe), then poll unless events come by webhook."""
        try:
            me = await self.client.get_me()
        except ZaloError as error:
            await self.client.close()
            raise StartupError(start_problem(error)) from None
        self.bot_id = str(me.get("id") or "")
        self.dispatcher.connect(self.info)
        if not self.webhook:
            if await self.client.get_webhook_info() is not None:
                log.warning("Zalo webhook removed: this process polls for events instead")
                await self.client.delete_webhook()
            self._polling = asyncio.create_task(self._poll())
        log.info(
            "Zalo channel %s as %s",
            "by webhook" if self.webhook else "polling",
            me.get("account_name"),
        )

    async def stop(self) -> None:
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        await self.client.close()

    async def receive(self, body: dict[str, Any]) -> None:
        """An event pushed to the webhook."""
        await self.handle(body)

    async def _poll(self) -> None:
        """One event per call; an idle answer is not an error; a refused token stops polling."""
        backoff = EMPTY_POLL_FLOOR
        while True:
            try:
                event = await self.client.get_update()
            except ZaloError as error:
                if error.code == TOKEN_REFUSED:
                    log.error("Zalo refused the bot token: the Zalo channel stops (zalo.token)")
                    return
                log.warning("Zalo polling: %s; trying again in %.0f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = EMPTY_POLL_FLOOR
            if event is None:
                await asyncio.sleep(EMPTY_POLL_FLOOR)
                continue
            try:
                await self.handle(event)
            except Exception:
                log.exception("Zalo event not handled")

    async def handle(self, body: dict[str, Any]) -> None:
        """Dispatch one event, send its replies after the commit, and settle them. A chat's
        events take turns, so its answers come in the order its messages did."""
        incoming = to_incoming(body, self.bot_id)
        if incoming is None:
            return
        async with self.turns.turn(incoming.chat_id):
            sent, problem = await self._dispatch_and_send(incoming)
        await self.dispatcher.settle(incoming, sent=sent, problem=problem)

    async def _dispatch_and_send(self, incoming: Incoming) -> tuple[int, DeliveryError | None]:
        """How many replies went out, and why the next did not."""
        async with self._typing_while_slow(incoming.chat_id):
            replies = await self.dispatcher.handle(incoming)
        sent = 0
        try:
            for reply in replies:
                await self._send_one(incoming.chat_id, reply)
                sent += 1
        except ZaloError as error:
            problem = error.as_delivery_error()
            log.warning("reply to %s not sent yet (%s)", incoming.key, problem)
            return sent, problem
        return sent, None

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send a proactive message (outbox); failures say whether to retry."""
        try:
            for reply in replies:
                await self._send_one(chat_id, reply)
        except ZaloError as error:
            raise self._delivery_error(error) from None

    def _delivery_error(self, error: ZaloError) -> DeliveryError:
        if error.code == TOKEN_REFUSED:
            log.error("Zalo refused the bot token: messages wait until it is fixed (zalo.token)")
        return error.as_delivery_error()

    async def _send_one(self, chat_id: str, reply: Reply) -> None:
        """A picture by its link (with the text as caption), else the text."""
        if reply.image_url is not None:
            await self.client.send_photo(chat_id, reply.image_url, caption=reply.text or None)
        elif reply.text:
            await self.client.send_message(chat_id, reply.text)

    @contextlib.asynccontextmanager
    async def _typing_while_slow(self, chat_id: str) -> AsyncIterator[None]:
        """Show "typing…" while a reply takes long (a chart, a workbook), every 4 s."""

        async def typing() -> None:
            await asyncio.sleep(TYPING_AFTER)
            while True:
                with contextlib.suppress(ZaloError):
                    await self.client.send_chat_action(chat_id)
                await asyncio.sleep(TYPING_EVERY)

        indicator = asyncio.create_task(typing())
        try:
            yield
        finally:
            indicator.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await indicator


def start_problem(error: ZaloError) -> str:
    """What to check when Zalo does not let the bot start; never the token."""
    if error.code == TOKEN_REFUSED:
        return (
            "Zalo refused the bot token (zalo.token or DVCBOT_ZALO__TOKEN): copy it again from "
            "the message Zalo Bot Creator sent."
        )
    return f"Zalo did not let the bot start (zalo.base_url): {error}"
