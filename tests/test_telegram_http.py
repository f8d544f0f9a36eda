"""The Telegram channel's requests on aiohttp (bot/channels/telegram_http.py), through a real
python-telegram-bot Bot against the fake Bot API server: what arrives, and what a slow, absent
or refusing server becomes."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_errors import classify
from bot.channels.telegram_http import AiohttpRequest, environment_proxy
from bot.core.delivery import FailureKind
from bot.db.models import OutboxMessage, OutboxStatus
from tests.fakes import FakeTelegramServer

TOKEN = "123:SECRET-PART-OF-THE-TOKEN"
USER = 4242
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # binary, with every byte value


def bot_on(base_url: str, request: AiohttpRequest) -> Bot:
    return Bot(TOKEN, base_url=base_url, request=request, get_updates_request=AiohttpRequest())


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as fake:
        yield fake


async def test_text_buttons_and_vietnamese_arrive_as_sent(server: FakeTelegramServer) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Đồng ý ✅", callback_data="yes")]])
    async with bot_on(server.base_url, AiohttpRequest(4)) as bot:
        message = await bot.send_message(USER, "Chào ông/bà 👋 & 100% = ?", reply_markup=markup)
    [sent] = server.messages_to(USER)
    assert sent.text == "Chào ông/bà 👋 & 100% = ?"
    assert sent.buttons == [[("Đồng ý ✅", "yes")]]
    assert message.message_id == sent.message_id


async def test_a_photo_is_uploaded_whole_with_its_caption_and_buttons(
    server: FakeTelegramServer,
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Xong", callback_data="done")]])
    async with bot_on(server.base_url, AiohttpRequest(4)) as bot:
        await bot.send_photo(
            USER, InputFile(PNG, filename="huong-dan.png"), caption="Bước 1", reply_markup=markup
        )
        await bot.send_document(USER, InputFile(b"%PDF-1.7 ...", filename="bao-cao.pdf"))
    photo, document = server.messages_to(USER)
    assert (photo.photo, photo.text, photo.button_labels) == (PNG, "Bước 1", ["Xong"])
    assert (document.document, document.filename) == (b"%PDF-1.7 ...", "bao-cao.pdf")


async def test_telegrams_refusals_keep_their_meaning(server: FakeTelegramServer) -> None:
    server.fail_next("sendMessage", status=429, retry_after=3)
    server.fail_next("sendMessage", status=502)
    async with bot_on(server.base_url, AiohttpRequest(4)) as bot:
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(USER, "một")
        with pytest.raises(NetworkError) as bad_gateway:
            await bot.send_message(USER, "hai")
        await bot.send_message(USER, "ba")
    assert classify(flood.value).kind is FailureKind.RETRY_AFTER
    assert classify(flood.value).retry_after == 3
    assert classify(bad_gateway.value).kind is FailureKind.TRANSIENT
    assert [m.text for m in server.messages_to(USER)] == ["ba"]


async def test_a_server_slower_than_the_read_timeout_is_a_timeout_to_retry(
    server: FakeTelegramServer,
) -> None:
    server.latency = 2.0
    async with bot_on(server.base_url, AiohttpRequest(4, read_timeout=0.3)) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut) as slow:
            await bot.send_message(USER, "chậm")
        waited = time.monotonic() - started
    assert waited < 1.5  # the read timeout ended it, not the server's answer
    assert classify(slow.value).kind is FailureKind.TRANSIENT


async def test_an_unreachable_server_is_a_network_error_that_never_shows_the_token() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as down:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
    assert classify(down.value).kind is FailureKind.TRANSIENT
    chain = [down.value, down.value.__cause__]
    assert all(TOKEN.split(":")[1] not in str(error) for error in chain)
    assert "aiohttp.ClientConnectorError" in str(down.value)


async def test_a_request_before_initialize_or_after_shutdown_is_refused() -> None:
    request = AiohttpRequest(1)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/x", "POST")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/x", "POST")


def test_the_environments_proxy_is_read_once_for_the_bot_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.xa.local:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert environment_proxy("https://api.telegram.org/bot") == "http://proxy.xa.local:3128"
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    assert environment_proxy("https://api.telegram.org/bot") is None


async def test_requests_go_through_the_proxy_named(server: FakeTelegramServer) -> None:
    # The fake server stands as the proxy of a Bot API host that does not exist: the request
    # only arrives if it went through the proxy.
    request = AiohttpRequest(2, proxy=server.base_url.rsplit("/", 1)[0])
    async with bot_on("http://bot-api.invalid/bot", request) as bot:
        await bot.send_message(USER, "qua proxy")
    assert [m.text for m in server.messages_to(USER)] == ["qua proxy"]


@pytest.mark.parametrize(
    ("telegram", "request_type"),
    [("aiohttp", AiohttpRequest), ("httpx", HTTPXRequest)],
    indirect=["telegram"],
)
async def test_a_channel_on_either_client_chats_and_keeps_no_reply_unsent(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer, request_type: type
) -> None:
    assert isinstance(telegram.application.bot.request, request_type)
    server = fake_telegram
    server.user_sends_text(USER, "/start", first_name="Lan")
    [greeting] = await server.wait_for(USER, 1)
    assert greeting.text is not None and "Xin chào Lan" in greeting.text
    server.user_presses_button(USER, "help")
    server.fail_next("sendMessage", status=502, chat_id=USER)  # the next reply: outbox
    server.user_sends_text(USER, "/help")
    helped = await server.wait_for(USER, 2)
    assert helped[-1].text is not None and "/cancel" in helped[-1].text
    assert len(server.answered_callbacks) == 1
    assert server.calls["getUpdates"] >= 1 and server.calls["setMyCommands"] == 1
    # The greeting and the help were sent and settled; the refused /help waits for the outbox.
    assert await reply_statuses(app) == ["pending", "sent", "sent"]


async def reply_statuses(app: App) -> list[str]:
    """The kept replies' statuses, sorted, once the channel has settled what it sent."""
    for _ in range(100):
        async with app.sessionmaker() as session:
            rows = await session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.key.like("reply:%"))
            )
            statuses = sorted(str(status) for status in rows)
        if statuses.count(OutboxStatus.SENT) >= 2:
            break
        await asyncio.sleep(0.02)
    return statuses
