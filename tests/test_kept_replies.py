"""Telegram replies are outbox rows until sent: a failed send or a crash after the commit loses
no reply, and a retried update is neither handled nor answered twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.core.messages import Incoming
from bot.db.models import OutboxMessage, OutboxStatus
from scheduler import delivery
from tests.fakes import FakeTelegramServer
from tests.test_outbox import FakeClock

USER = 555201


async def reply_rows(app: App) -> list[OutboxMessage]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like("reply:%"))
        )
        return list(rows)


async def test_a_reply_the_server_refused_is_sent_by_the_outbox(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.fail_next("sendMessage", status=502, chat_id=USER)
    fake_telegram.user_sends_text(USER, "/help")
    for _ in range(200):  # until the channel has tried and settled the reply
        rows = await reply_rows(app)
        if rows and rows[0].attempts:
            break
        await asyncio.sleep(0.02)
    assert fake_telegram.messages_to(USER) == []
    [row] = await reply_rows(app)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    clock = FakeClock(datetime.now(UTC) + timedelta(seconds=10))
    assert (await delivery.drain(app.db, {"telegram": telegram}, clock)).sent == 1
    [answer] = fake_telegram.messages_to(USER)
    assert answer.text is not None and "/cancel" in answer.text


async def test_a_crash_after_the_commit_loses_no_reply_and_a_retry_is_not_answered_twice(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    update = Incoming(
        channel="telegram", chat_id=str(USER), user_id=str(USER), text="/help", key="telegram:1:77"
    )
    assert await app.dispatcher.handle(update)  # committed; the process "dies" before sending
    assert await app.dispatcher.handle(update) == []  # Telegram's retry: already handled
    senders = {"telegram": telegram}
    now = datetime.now(UTC)
    assert (await delivery.drain(app.db, senders, FakeClock(now))).sent == 0  # still leased
    later = FakeClock(now + timedelta(minutes=1))
    assert (await delivery.drain(app.db, senders, later)).sent == 1
    assert (await delivery.drain(app.db, senders, later)).sent == 0
    [answer] = fake_telegram.messages_to(USER)
    assert answer.text is not None and "/cancel" in answer.text
    assert [row.status for row in await reply_rows(app)] == [OutboxStatus.SENT]
