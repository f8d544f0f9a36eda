"""The Zalo channel over HTTP: our client polling the fake Zalo Bot API server."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.zalo import ZaloChannel
from bot.db.models import OutboxMessage
from bot.locales import t
from scheduler import delivery
from tests.bot_process import BotProcess, bot_env
from tests.fakes.zalo_api import TOKEN, FakeZaloServer, ZaloSent
from tests.test_outbox import FakeClock

CITIZEN = "6ede9afa66b88fe6d6a9"


def number_of(message: ZaloSent, label: str) -> str:
    """The number printed beside a label in a numbered menu."""
    found = re.search(rf"^\s*(\d+)\. {re.escape(label)}", message.text or "", re.MULTILINE)
    assert found, f"{label!r} not in:\n{message.text}"
    return found.group(1)


async def says(
    fake: FakeZaloServer, user: str, text: str, *, answers: int = 1, **options: str
) -> ZaloSent:
    """Type a message and wait for the bot's `answers` messages; the last one."""
    before = len(fake.messages_to(user))
    fake.user_sends(user, text, **options)
    return (await fake.wait_for(user, before + answers))[-1]


async def test_a_citizen_walks_a_guide_by_typing_numbers(
    zalo: ZaloChannel, fake_zalo: FakeZaloServer
) -> None:
    intro = await says(fake_zalo, CITIZEN, "lam giay khai sinh cho con", name="Lan")
    assert "Đăng ký khai sinh" in (intro.text or "")
    step = await says(fake_zalo, CITIZEN, number_of(intro, t("guides.start_button", count=1)[:6]))
    assert "Bước 1/" in (step.text or "")
    following = await says(fake_zalo, CITIZEN, number_of(step, t("guides.next")))
    assert "Bước 2/" in (following.text or "")
    again = await says(fake_zalo, CITIZEN, "99", answers=2)
    assert t("menus.not_on_list", number=99) in "".join(
        m.text or "" for m in fake_zalo.messages_to(CITIZEN)[-2:]
    )
    assert "Bước 2/" in (again.text or "")
    assert all(len(message.text or "") <= 2000 for message in fake_zalo.sent)


async def test_an_event_delivered_twice_is_answered_once(
    zalo: ZaloChannel, fake_zalo: FakeZaloServer
) -> None:
    fake_zalo.user_sends(CITIZEN, "/help", message_id="dup-1")
    fake_zalo.user_sends(CITIZEN, "/help", message_id="dup-1")
    fake_zalo.user_sends(CITIZEN, "/menu", message_id="dup-2")
    messages = await fake_zalo.wait_for(CITIZEN, 2)
    assert ["/cancel" in (m.text or "") for m in messages] == [True, False]


@pytest.mark.parametrize(
    ("event", "answer"),
    [
        ("message.image.received", "errors.photo_not_kept"),
        ("message.sticker.received", "errors.sticker"),
        ("message.voice.received", "errors.voice"),
        ("message.unsupported.received", "errors.unsupported"),
    ],
)
async def test_every_kind_of_event_gets_a_kind_answer(
    zalo: ZaloChannel, fake_zalo: FakeZaloServer, event: str, answer: str
) -> None:
    fake_zalo.user_sends(CITIZEN, event=event, photo_url="https://zdn.vn/cccd.jpg")
    [reply] = await fake_zalo.wait_for(CITIZEN, 1)
    assert (reply.text or "").startswith(t(answer))


async def test_the_token_is_in_no_log_line_even_at_debug(
    fake_zalo: FakeZaloServer, tmp_path: Path
) -> None:
    fake_zalo.fail_next("sendMessage", error_code=500, http_status=502)
    env = bot_env(
        tmp_path,
        DVCBOT_ZALO__TOKEN=TOKEN,
        DVCBOT_ZALO__BASE_URL=fake_zalo.base_url,
        DVCBOT_BOT__LOG_LEVEL="DEBUG",
    )
    bot = await BotProcess(tmp_path, env).start()
    try:
        fake_zalo.user_sends(CITIZEN, "Mật khẩu của tôi là abc123, mã OTP 482913")
        fake_zalo.user_sends(CITIZEN, "/help")
        await fake_zalo.wait_for(CITIZEN, 2, seconds=30)
    finally:
        await bot.stop()
    secret = TOKEN.split(":", 1)[1]
    assert secret not in bot.stderr and secret.lower() not in bot.stderr.lower()
    assert "482913" not in bot.stderr  # nor what people wrote


async def test_a_zalo_group_gets_only_public_answers(
    zalo: ZaloChannel, fake_zalo: FakeZaloServer
) -> None:
    group = "g0000000000000000001"
    fake_zalo.user_sends(CITIZEN, "/households", chat_id=group)
    fake_zalo.user_sends(CITIZEN, "lam giay khai sinh cho con", chat_id=group)
    refused, guide = await fake_zalo.wait_for(group, 2)
    assert (refused.text or "").startswith(t("groups.private_only"))
    assert "Đăng ký khai sinh" in (guide.text or "")
    assert fake_zalo.messages_to(CITIZEN) == []  # nothing went to the private chat


async def test_a_quota_refusal_is_sent_again_later_not_lost(
    app: App, zalo: ZaloChannel, fake_zalo: FakeZaloServer
) -> None:
    fake_zalo.fail_next("sendMessage", error_code=429)
    fake_zalo.user_sends(CITIZEN, "/help")
    for _ in range(200):  # until the channel has tried and settled the reply
        async with app.sessionmaker() as session:
            tried = await session.scalar(select(OutboxMessage.attempts))
        if tried:
            break
        await asyncio.sleep(0.02)
    assert fake_zalo.messages_to(CITIZEN) == []
    soon = FakeClock(datetime.now(UTC) + timedelta(minutes=5))
    assert (await delivery.drain(app.db, {"zalo": zalo}, soon)).sent == 0  # Zalo said later
    later = FakeClock(datetime.now(UTC) + timedelta(hours=2))
    assert (await delivery.drain(app.db, {"zalo": zalo}, later)).sent == 1
    [answer] = fake_zalo.messages_to(CITIZEN)
    assert "/cancel" in (answer.text or "")


async def test_zalo_shows_typing_while_a_slow_reply_is_prepared(
    zalo: ZaloChannel, fake_zalo: FakeZaloServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels import zalo as zalo_module

    intro = await says(fake_zalo, CITIZEN, "lam giay khai sinh cho con")
    monkeypatch.setattr(zalo_module, "TYPING_AFTER", 0.0)  # the picture counts as slow here
    await says(fake_zalo, CITIZEN, number_of(intro, t("guides.picture_button")))
    assert fake_zalo.chat_actions[:1] == [CITIZEN]
    typed_before = len(fake_zalo.chat_actions)
    await asyncio.sleep(zalo_module.TYPING_EVERY + 0.5)
    assert len(fake_zalo.chat_actions) == typed_before  # and it stops once the reply is sent
