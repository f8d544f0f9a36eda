"""End to end over HTTP: the real PTB Application against the fake Bot API server."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.app import App, build_app
from bot.channels.telegram import TelegramChannel
from bot.core.actions import Action
from bot.core.context import Context
from bot.core.messages import Choice, Replies, Reply
from bot.locales import t
from tests.fakes import FakeTelegramServer, SentMessage
from tests.fakes.telegram_api import text_update

USER = 555001


async def test_start_shows_greeting_and_menu_buttons(
    telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.user_sends_text(USER, "/start", first_name="Lan")
    [greeting] = await fake_telegram.wait_for(USER, 1)
    assert greeting.text is not None and "Xin chào Lan" in greeting.text
    assert greeting.button_labels[:3] == ["📘 Hướng dẫn từng bước", "🙋 Gặp cán bộ", "❓ Trợ giúp"]
    assert fake_telegram.calls["setMyCommands"] == 1


async def test_pressing_a_button_answers_the_callback_and_replies(
    telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.user_sends_text(USER, "/start")
    await fake_telegram.wait_for(USER, 1)
    fake_telegram.user_presses_button(USER, "help")
    messages = await fake_telegram.wait_for(USER, 2)
    assert messages[-1].text is not None and "/cancel" in messages[-1].text
    assert len(fake_telegram.answered_callbacks) == 1


async def test_forged_button_payload_gets_a_polite_reply(
    telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.user_sends_text(USER, "/start")
    await fake_telegram.wait_for(USER, 1)
    fake_telegram.user_presses_button(USER, "admin:drop:all")
    messages = await fake_telegram.wait_for(USER, 2)
    assert messages[-1].text == t("errors.bad_button")


async def test_duplicate_update_delivered_twice_is_answered_once(
    telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    update = text_update(900, USER, "/help")
    fake_telegram.enqueue_raw_update(update)
    await fake_telegram.wait_for(USER, 1)
    # Telegram may deliver an update again (e.g. after a crash before the offset was confirmed).
    await telegram.application.update_queue.put(Update.de_json(update, telegram.application.bot))
    fake_telegram.user_sends_text(USER, "/menu")
    messages = await fake_telegram.wait_for(USER, 2)
    assert len(messages) == 2
    await asyncio.sleep(0.2)
    assert len(fake_telegram.messages_to(USER)) == 2
    assert messages[-1].text is not None and t("start.menu_prompt") in messages[-1].text


async def test_handler_failure_is_answered_with_an_apology(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    async def broken(ctx: Context) -> Replies:
        raise ValueError("bug")

    app.registry.command("broken", broken)
    fake_telegram.user_sends_text(USER, "/broken")
    [message] = await fake_telegram.wait_for(USER, 1)
    assert message.text == t("errors.apology")


async def test_long_replies_are_split_and_buttons_go_last(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    paragraph = "Bước hướng dẫn rất dài. " * 40

    async def long_answer(ctx: Context) -> Replies:
        return Reply("\n\n".join([paragraph] * 10), choices=(Choice("OK", "menu"),))

    app.registry.command("long", long_answer)
    fake_telegram.user_sends_text(USER, "/long")
    messages = await fake_telegram.wait_for(USER, 3)
    assert all(m.text is not None and len(m.text) <= 4096 for m in messages)
    assert [bool(m.buttons) for m in messages] == [False, False, True]


async def test_the_same_buttons_in_another_layout_keep_that_layout(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    # A keyboard is made once for each set of buttons and reused; its rows are part of it.
    choices = (Choice("Một", "menu"), Choice("Hai", "help"), Choice("Ba", "guides"))

    async def layout(ctx: Context) -> Replies:
        return Reply(f"Kiểu {ctx.args[0]}", choices=choices, columns=int(ctx.args[0]))

    app.registry.command("layout", layout)
    for columns in ("1", "2", "1"):
        fake_telegram.user_sends_text(USER, f"/layout {columns}")
    messages = await fake_telegram.wait_for(USER, 3)
    assert [m.text for m in messages] == ["Kiểu 1", "Kiểu 2", "Kiểu 1"]
    one_a_row = [[("Một", "menu")], [("Hai", "help")], [("Ba", "guides")]]
    assert [m.buttons for m in messages] == [
        one_a_row,
        [[("Một", "menu"), ("Hai", "help")], [("Ba", "guides")]],
        one_a_row,
    ]


async def test_replace_edits_the_pressed_message(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    class Page(Action, prefix="page"):
        number: int

    async def page(ctx: Context, pressed: Page) -> Replies:
        following = Page(pressed.number + 1).button("Tiếp")
        return Reply(f"Trang {pressed.number}", choices=(following,), replace=True)

    app.registry.action(Page, page)

    async def first(ctx: Context) -> Replies:
        return Reply("Trang 0", choices=(Page(1).button("Tiếp"),))

    app.registry.command("pages", first)
    fake_telegram.user_sends_text(USER, "/pages")
    [shown] = await fake_telegram.wait_for(USER, 1)
    fake_telegram.user_presses_button(USER, "page:1")
    edited = (await fake_telegram.wait_for(USER, 2))[-1]
    assert edited.method == "editMessageText"
    assert edited.edited_message_id == shown.message_id and edited.text == "Trang 1"


async def test_photo_from_user_is_not_kept(
    telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.enqueue_raw_update(
        {
            "message": {
                "message_id": 7,
                "date": 1_700_000_000,
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "Lan"},
                "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 9, "height": 9}],
            }
        }
    )
    [message] = await fake_telegram.wait_for(USER, 1)
    assert message.text == t("errors.photo_not_kept")


async def test_citizen_walks_a_guide_and_resumes_after_a_restart(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    guide = app.services.catalog.get("birth-registration")
    assert guide is not None
    total = len(guide.steps)
    talk = Conversation(fake_telegram)
    intro = await talk.says("lam giay khai sinh cho con", expect="Đăng ký khai sinh")
    assert f"▶️ Bắt đầu ({total} bước)" in intro.button_labels
    await talk.presses("gs:birth-registration:1", expect=f"Bước 1/{total}")
    for number in (2, 3, 2):
        await talk.presses(f"gs:birth-registration:{number}", expect=f"Bước {number}/{total}")

    # Restart: a new application and channel on the same database.
    await telegram.stop()
    await app.close()
    restarted = build_app(app.settings)
    channel = TelegramChannel(telegram.settings, restarted.dispatcher)
    await channel.start()
    try:
        menu = await talk.says("/start", expect="Xin chào")
        assert "▶️ Tiếp tục: Đăng ký khai sinh (bước 2)" in menu.button_labels
        for number in range(2, total + 1):
            await talk.presses(f"gs:birth-registration:{number}", expect=f"Bước {number}/{total}")
        await talk.presses("gd:birth-registration", expect="đã giải quyết được chưa")
        await talk.says("thời tiết hôm nay thế nào", expect="chỉ hỗ trợ các việc về dịch vụ công")
    finally:
        await channel.stop()
        await restarted.close()


class Conversation:
    """One user acting, each time waiting for the bot's next message with a given text."""

    def __init__(self, server: FakeTelegramServer, user: int = USER) -> None:
        self.server = server
        self.user = user

    async def says(self, text: str, *, expect: str) -> SentMessage:
        seen = len(self.server.sent)
        self.server.user_sends_text(self.user, text)
        return await self._wait(seen, expect)

    async def presses(self, payload: str, *, expect: str) -> SentMessage:
        seen = len(self.server.sent)
        self.server.user_presses_button(self.user, payload)
        return await self._wait(seen, expect)

    async def _wait(self, seen: int, fragment: str) -> SentMessage:
        for _ in range(250):
            for message in self.server.sent[seen:]:
                if message.chat_id == self.user and message.text and fragment in message.text:
                    return message
            await asyncio.sleep(0.02)
        recent = [m.text for m in self.server.sent[seen:]]
        raise AssertionError(f"no message with {fragment!r} after the action: {recent}")
