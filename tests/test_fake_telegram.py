"""The fake Telegram Bot API server, exercised over real HTTP by python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes import FakeTelegramServer

TOKEN = "123:ABC"
USER = 4242


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as fake:
        yield fake


@pytest.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=server.base_url) as client:
        yield client


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Có", callback_data="yes")],
            [InlineKeyboardButton("Không", callback_data="no")],
        ]
    )


async def test_get_me(server: FakeTelegramServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == 123
    assert me.username == "dvc_test_bot"
    assert me.can_join_groups is True
    assert server.calls["getMe"] >= 1
    assert server.base_url.startswith("http://127.0.0.1:")


async def test_send_message_records_buttons(server: FakeTelegramServer, bot: Bot) -> None:
    message = await bot.send_message(USER, "Bạn cần hỗ trợ?", reply_markup=_keyboard())
    assert message.message_id == 1
    assert message.chat.type == "private"
    assert message.from_user is not None and message.from_user.is_bot
    assert message.reply_markup == _keyboard()
    [sent] = server.messages_to(USER)
    assert sent.method == "sendMessage"
    assert sent.text == "Bạn cần hỗ trợ?"
    assert sent.buttons == [[("Có", "yes")], [("Không", "no")]]
    assert sent.button_labels == ["Có", "Không"]
    second = await bot.send_message(USER, "Tiếp")
    assert second.message_id == 2
    assert [m.text for m in server.sent] == ["Bạn cần hỗ trợ?", "Tiếp"]


async def test_group_chat_and_html(server: FakeTelegramServer, bot: Bot) -> None:
    message = await bot.send_message(-100, "<b>Hồ sơ</b> &lt;mới&gt;", parse_mode=ParseMode.HTML)
    assert message.chat.type == "group"
    assert message.text == "Hồ sơ <mới>"
    assert message.text_html == "<b>Hồ sơ</b> &lt;mới&gt;"
    assert server.sent[0].raw_text == "<b>Hồ sơ</b> &lt;mới&gt;"
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "a <b> b", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(USER, "Xong.", parse_mode=ParseMode.MARKDOWN_V2)
    ok = await bot.send_message(USER, "*Xong*\\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert ok.text == "Xong."
    assert ok.text_markdown_v2 == "*Xong*\\."


async def test_validation_errors(server: FakeTelegramServer, bot: Bot) -> None:
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="đ" * 40)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(USER, "x", reply_markup=long_data)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(USER, "x" * 4097)
    many = [[InlineKeyboardButton(f"{n}", callback_data=f"{n}")] for n in range(101)]
    with pytest.raises(BadRequest, match=r"(?i)reply markup is too long"):
        await bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup(many))
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert server.calls["noSuchMethod"] == 1
    assert server.sent == []


async def test_get_updates_offset_and_long_poll(server: FakeTelegramServer, bot: Bot) -> None:
    update_id = server.user_sends_text(USER, "/start now", first_name="Lan")
    updates = await bot.get_updates(offset=0, timeout=0)
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None and message.text == "/start now"
    assert message.from_user is not None and message.from_user.first_name == "Lan"
    assert message.parse_entities() != {}
    assert list(message.parse_entities().values()) == ["/start"]
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert server.pending_updates == 0

    async def enqueue_later() -> int:
        await asyncio.sleep(0.1)
        return server.user_sends_text(USER, "xin chào")

    started = time.monotonic()
    task = asyncio.create_task(enqueue_later())
    updates = await bot.get_updates(offset=update_id + 1, timeout=5)
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [await task]


async def test_retry_after_only_once(
    server: FakeTelegramServer, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # retry_after as timedelta, no deprecation warning
    server.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "một")
    assert info.value.retry_after == dt.timedelta(seconds=3)
    await bot.send_message(USER, "hai")
    assert [m.text for m in server.sent] == ["hai"]
    assert server.calls["sendMessage"] == 2


async def test_fail_next_for_one_chat(server: FakeTelegramServer, bot: Bot) -> None:
    server.fail_next("sendMessage", status=400, description="Bad Request: nope", chat_id=7)
    await bot.send_message(USER, "ok")
    with pytest.raises(BadRequest, match=r"(?i)nope"):
        await bot.send_message(7, "fails")


async def test_blocked_chat_is_forbidden(server: FakeTelegramServer, bot: Bot) -> None:
    server.blocked_chats.add(USER)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(USER, "xin chào")
    assert server.sent == []


async def test_502_is_network_error(server: FakeTelegramServer, bot: Bot) -> None:
    server.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")


async def test_send_photo_and_document(server: FakeTelegramServer, bot: Bot) -> None:
    photo = b"\x89PNG fake image"
    message = await bot.send_photo(USER, photo, caption="Mẫu đơn", reply_markup=_keyboard())
    assert message.caption == "Mẫu đơn"
    assert message.photo
    [sent] = server.sent
    assert sent.method == "sendPhoto"
    assert sent.photo == photo
    assert sent.text == "Mẫu đơn"
    assert sent.button_labels == ["Có", "Không"]
    again = await bot.send_photo(USER, message.photo[-1].file_id)
    assert server.sent[-1].photo == photo
    assert again.message_id == 2
    doc = await bot.send_document(USER, b"%PDF-1.4", filename="don.pdf")
    assert doc.document is not None and doc.document.file_name == "don.pdf"
    assert server.sent[-1].document == b"%PDF-1.4"
    assert server.sent[-1].filename == "don.pdf"


async def test_edit_message_text(server: FakeTelegramServer, bot: Bot) -> None:
    original = await bot.send_message(USER, "Đang xử lý", reply_markup=_keyboard())
    edited = await bot.edit_message_text("Đã xong", chat_id=USER, message_id=original.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "Đã xong"
    assert edited.reply_markup is None
    last = server.sent[-1]
    assert (last.method, last.edited_message_id, last.text) == ("editMessageText", 1, "Đã xong")
    assert len(server.messages_to(USER)) == 2
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Đã xong", chat_id=USER, message_id=original.message_id)
    with pytest.raises(BadRequest, match=r"(?i)not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)


async def test_flood_limits(
    server: FakeTelegramServer, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    server.enforce_flood_limits = True
    for i in range(3):
        await bot.send_message(USER, f"tin {i}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "quá nhanh")
    assert info.value.retry_after == dt.timedelta(seconds=1)
    assert server.flood_violations == 1
    await bot.send_message(USER + 1, "chat khác vẫn được")


async def test_wait_for_timeout_reports_what_was_sent(
    server: FakeTelegramServer, bot: Bot
) -> None:
    await bot.send_message(USER, "chỉ một tin")
    with pytest.raises(AssertionError, match="chỉ một tin"):
        await server.wait_for(USER, 2, timeout=0.05)


async def test_real_application_round_trip(server: FakeTelegramServer) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id, "Xin chào! Bạn cần gì?", reply_markup=_keyboard()
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Đã nhận")
        await query.edit_message_text(f"Bạn chọn: {query.data}")

    app = ApplicationBuilder().token(TOKEN).base_url(server.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        server.user_sends_text(USER, "/start")
        [greeting] = await server.wait_for(USER, 1, timeout=5)
        assert greeting.text == "Xin chào! Bạn cần gì?"
        assert greeting.button_labels == ["Có", "Không"]
        query_id = server.user_presses_button(USER, "yes")
        _, edit = await server.wait_for(USER, 2, timeout=5)
        assert (edit.method, edit.text, edit.edited_message_id) == (
            "editMessageText",
            "Bạn chọn: yes",
            greeting.message_id,
        )
        assert server.answered_callbacks[0]["callback_query_id"] == query_id
        assert server.answered_callbacks[0]["text"] == "Đã nhận"
        await app.updater.stop()
        await app.stop()
    assert server.calls["deleteWebhook"] == 1
    assert server.pending_updates == 0
