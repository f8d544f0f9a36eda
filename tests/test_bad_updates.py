"""An update python-telegram-bot cannot parse is skipped once, with one log line."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.channels.telegram import TelegramChannel
from tests.fakes import FakeTelegramServer

USER = 7101


@pytest.mark.parametrize(
    "broken",
    [
        {"message": {"text": "mã OTP 778899", "chat": {"id": USER}}},  # no message_id, date
        {"message": "mã OTP 778899"},
        {"callback_query": {"id": "1", "data": "mã OTP 778899"}},  # no from, chat_instance
    ],
)
async def test_an_unreadable_update_is_skipped_once(
    telegram: TelegramChannel,
    fake_telegram: FakeTelegramServer,
    caplog: pytest.LogCaptureFixture,
    broken: dict[str, object],
) -> None:
    caplog.set_level(logging.INFO)
    skipped = fake_telegram.enqueue_raw_update(broken)
    fake_telegram.user_sends_text(USER, "/start")
    await fake_telegram.wait_for(USER, 1)
    await asyncio.sleep(0.5)  # a few more polls, to see the bad one is not fetched again
    assert fake_telegram.pending_updates == 0
    assert fake_telegram.calls["getUpdates"] < 20
    [line] = [record for record in caplog.records if "skipped update" in record.getMessage()]
    assert line.levelno == logging.WARNING and str(skipped) in line.getMessage()
    assert all("778899" not in record.getMessage() for record in caplog.records)
    assert all(record.levelno < logging.ERROR for record in caplog.records)
