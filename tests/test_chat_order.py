"""A person's messages are answered one at a time, in the order they were written.

Someone who types several messages in a row must read the answers in that order, and their
updates must not race each other for the same person and state: on PostgreSQL two first
contacts of one person at once made one of them fail and start again.
"""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.config import Settings, TelegramSettings
from bot.core.turns import ChatTurns
from bot.locales import t
from tests.fakes import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer
from tests.test_zalo_webhook import CITIZEN, HEADER, SECRET, event, serving, zalo_settings

USER = 555301
OTHER = 555302
ACCOUNT_GUIDE = "làm vneid thế nào"  # a first account guide: the scam warning, then the guide


async def test_messages_typed_in_a_row_are_answered_in_that_order(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.user_sends_text(USER, ACCOUNT_GUIDE, first_name="Lan")
    fake_telegram.user_sends_text(USER, "/help")
    fake_telegram.user_sends_text(USER, "/start")
    messages = await fake_telegram.wait_for(USER, 4)
    texts = [message.text or "" for message in messages]
    assert texts[0].startswith("⚠️")  # the scam warning comes before its guide
    assert texts[1].startswith("📘 Đăng ký tài khoản VNeID")
    assert texts[2].startswith(t("help.text")[:30])
    assert texts[3].startswith("Xin chào Lan")
    assert len(texts) == 4  # nothing answered twice
    assert t("errors.apology") not in texts


async def test_zalo_events_pushed_while_one_is_answered_wait_their_turn(
    app: App, settings: Settings, fake_zalo: FakeZaloServer
) -> None:
    fake_zalo.send_latency = 0.1
    headers = {HEADER: SECRET}
    async with serving(zalo_settings(settings, fake_zalo)) as client:
        first = asyncio.create_task(
            client.post("/zalo", json=event(ACCOUNT_GUIDE, "o1"), headers=headers)
        )
        await asyncio.sleep(0.05)  # the first is being answered: its scam warning is on its way
        second = await client.post("/zalo", json=event("/help", "o2"), headers=headers)
        assert second.status_code == (await first).status_code == 200
    texts = [sent.text or "" for sent in fake_zalo.messages_to(CITIZEN)]
    assert len(texts) == 3
    assert texts[0].startswith("⚠️")
    assert texts[1].startswith("📘 Đăng ký tài khoản VNeID")
    assert texts[2].startswith(t("help.text")[:30])


async def test_someone_sending_many_messages_does_not_hold_up_the_others(
    app: App, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.latency = 0.03  # each reply takes a moment to send
    settings = TelegramSettings(
        token=SecretStr("123456:TEST-TOKEN"),
        base_url=fake_telegram.base_url,
        base_file_url=fake_telegram.base_file_url,
        poll_timeout=1,
        concurrent_updates=2,
    )
    channel = TelegramChannel(settings, app.dispatcher)
    await channel.start()
    try:
        for number in range(20):
            fake_telegram.user_sends_text(USER, f"/help {number}")
        fake_telegram.user_sends_text(OTHER, "/start", first_name="Bình")
        [greeting] = await fake_telegram.wait_for(OTHER, 1)
        assert (greeting.text or "").startswith("Xin chào Bình")
        assert len(fake_telegram.messages_to(USER)) < 10  # not behind all twenty
        assert len(await fake_telegram.wait_for(USER, 20)) == 20
    finally:
        await channel.stop()


async def test_other_people_are_not_held_up_by_one_persons_turn() -> None:
    turns = ChatTurns(slots=4)
    order: list[str] = []
    first_holds = asyncio.Event()

    async def first_of_lan() -> None:
        async with turns.turn("lan"):
            order.append("lan 1 starts")
            first_holds.set()
            await asyncio.sleep(0.05)
            order.append("lan 1 ends")

    async def second_of_lan() -> None:
        await first_holds.wait()
        async with turns.turn("lan"):
            order.append("lan 2")

    async def binh() -> None:
        await first_holds.wait()
        async with turns.turn("binh"):
            order.append("binh")

    await asyncio.gather(first_of_lan(), second_of_lan(), binh())
    assert order == ["lan 1 starts", "binh", "lan 1 ends", "lan 2"]
    assert turns.waiting() == 0  # nothing kept for chats with no update in hand


async def test_a_failed_turn_lets_the_next_message_through() -> None:
    turns = ChatTurns(slots=4)
    with pytest.raises(RuntimeError):
        async with turns.turn("lan"):
            raise RuntimeError("the send failed")
    async with asyncio.timeout(1), turns.turn("lan"):
        pass
    assert turns.waiting() == 0
