"""The outbox over the real Telegram channel and the fake Bot API: once per key, per-row retry."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.core import delivery as core_delivery
from bot.core import state
from bot.core.channels import ChannelInfo
from bot.core.messages import Incoming, Reply
from bot.db.models import OutboxMessage, OutboxStatus
from bot.services import outbox
from scheduler import delivery
from tests.fakes import FakeTelegramServer

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def queue(app: App, key: str, chat: int, text: str, **options: datetime) -> bool:
    async with app.db.transaction() as session:
        return await outbox.enqueue_to_chat(
            session, key, "telegram", str(chat), Reply(text), now=START, **options
        )


async def rows(app: App) -> dict[str, OutboxMessage]:
    async with app.sessionmaker() as session:
        return {row.key: row for row in await session.scalars(select(OutboxMessage))}


async def test_a_key_is_queued_and_sent_once(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    clock = FakeClock()
    assert await queue(app, "reminder:1:eve", 101, "Nhắc ca trực")
    assert not await queue(app, "reminder:1:eve", 101, "Nhắc ca trực")
    senders = {"telegram": telegram}
    first = await delivery.drain(app.db, senders, clock)
    second = await delivery.drain(app.db, senders, clock)
    assert (first.sent, second.sent) == (1, 0)
    assert [m.text for m in fake_telegram.messages_to(101)] == ["Nhắc ca trực"]
    assert (await rows(app))["reminder:1:eve"].status == OutboxStatus.SENT


async def test_retry_after_delays_only_that_row(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    clock = FakeClock()
    await queue(app, "a", 201, "cho A")
    await queue(app, "b", 202, "cho B")
    fake_telegram.fail_next("sendMessage", status=429, retry_after=7, chat_id=201)
    stats = await delivery.drain(app.db, {"telegram": telegram}, clock)
    assert (stats.sent, stats.retried) == (1, 1)
    state = await rows(app)
    assert state["b"].status == OutboxStatus.SENT
    assert state["a"].status == OutboxStatus.PENDING
    assert timedelta(seconds=7) <= state["a"].next_attempt_at - START <= timedelta(seconds=8)
    clock.advance(seconds=3)
    assert (await delivery.drain(app.db, {"telegram": telegram}, clock)).sent == 0
    clock.advance(seconds=6)
    assert (await delivery.drain(app.db, {"telegram": telegram}, clock)).sent == 1
    assert len(fake_telegram.messages_to(201)) == 1 and len(fake_telegram.messages_to(202)) == 1


async def test_blocked_chat_goes_dead_with_a_reason(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.blocked_chats.add(301)
    await queue(app, "x", 301, "không tới được")
    stats = await delivery.drain(app.db, {"telegram": telegram}, FakeClock())
    assert stats.dead == 1
    row = (await rows(app))["x"]
    assert row.status == OutboxStatus.DEAD and row.last_error is not None
    assert "blocked" in row.last_error


async def test_a_token_refused_while_sending_is_not_retried(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    # The token was revoked at @BotFather after the bot started: nothing would ever get through.
    fake_telegram.fail_next("sendMessage", status=401, description="Unauthorized", chat_id=302)
    await queue(app, "revoked", 302, "không gửi được")
    stats = await delivery.drain(app.db, {"telegram": telegram}, FakeClock())
    assert (stats.dead, stats.retried) == (1, 0)
    assert (await rows(app))["revoked"].status == OutboxStatus.DEAD
    assert fake_telegram.messages_to(302) == []


async def test_server_errors_back_off_then_give_up(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    clock = FakeClock()
    await queue(app, "flaky", 401, "thử lại")
    fake_telegram.fail_next("sendMessage", status=502, count=2, chat_id=401)
    await delivery.drain(app.db, {"telegram": telegram}, clock)
    first_wait = (await rows(app))["flaky"].next_attempt_at - clock.now
    assert timedelta(seconds=0.9) <= first_wait <= timedelta(seconds=3.1)
    clock.advance(seconds=4)
    await delivery.drain(app.db, {"telegram": telegram}, clock)
    clock.advance(seconds=10)
    await delivery.drain(app.db, {"telegram": telegram}, clock)
    row = (await rows(app))["flaky"]
    assert row.status == OutboxStatus.SENT and row.attempts == 3

    await queue(app, "hopeless", 402, "không bao giờ tới")
    fake_telegram.fail_next("sendMessage", status=502, count=100, chat_id=402)
    for _ in range(core_delivery.MAX_ATTEMPTS):
        await delivery.drain(app.db, {"telegram": telegram}, clock)
        clock.advance(seconds=core_delivery.MAX_BACKOFF_SECONDS * 2)
    hopeless = (await rows(app))["hopeless"]
    assert hopeless.status == OutboxStatus.DEAD and "gave up" in (hopeless.last_error or "")


async def test_expired_rows_are_not_sent(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    clock = FakeClock(START + timedelta(hours=2))
    await queue(app, "late", 501, "ca đã bắt đầu", expires_at=START + timedelta(hours=1))
    stats = await delivery.drain(app.db, {"telegram": telegram}, clock)
    assert stats.expired == 1 and fake_telegram.messages_to(501) == []


async def test_enqueue_for_a_person_uses_their_last_chat(app: App) -> None:
    async with app.db.transaction() as session:
        incoming = Incoming(channel="telegram", chat_id="601", user_id="601", display_name="Hà")
        person, _ = await state.identify(session, incoming, START)
        assert await outbox.enqueue(session, "k", person.id, Reply("xin chào"), now=START)
    assert (await rows(app))["k"].chat_id == "601"


@pytest.mark.parametrize("count", [3])
async def test_rows_of_a_channel_not_running_here_stay_queued(app: App, count: int) -> None:
    for number in range(count):
        async with app.db.transaction() as session:
            await outbox.enqueue_to_chat(
                session, f"z{number}", "zalo", "9", Reply("chưa có kênh"), now=START
            )
    stats = await delivery.drain(app.db, {}, FakeClock())
    assert stats.handled == 0
    assert all(
        row.status == OutboxStatus.PENDING and row.attempts == 0
        for row in (await rows(app)).values()
    )


class SlowFirstSender:
    """A channel whose first send takes longer than the ones after it."""

    info = ChannelInfo("telegram")
    only_chats = None

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.calls = 0

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        self.calls += 1
        await asyncio.sleep(0.2 if self.calls == 1 else 0)
        self.sent.extend((chat_id, reply.text) for reply in replies)


async def test_a_chats_messages_arrive_in_the_order_they_were_queued(app: App) -> None:
    for number in range(3):
        await queue(app, f"order:{number}", 4242, f"Tin {number}")
    await queue(app, "order:other", 4343, "Tin khác")
    sender = SlowFirstSender()
    stats = await delivery.deliver_due(app.db, {"telegram": sender}, FakeClock())
    assert stats.sent == 4
    assert [text for chat, text in sender.sent if chat == "4242"] == ["Tin 0", "Tin 1", "Tin 2"]
