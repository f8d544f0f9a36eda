"""An update python-telegram-bot cannot parse, polled or pushed, is skipped once, with one log
line that quotes nothing of it."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr

from bot.channels.telegram import TelegramChannel
from bot.config import Settings, TelegramSettings, WebSettings
from bot.web.telegram import SECRET_HEADER
from tests.fakes import FakeTelegramServer
from tests.fakes.telegram_api import text_update
from tests.test_zalo_webhook import serving

USER = 7101
SECRET = "telegram-webhook-secret-7"


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


async def test_an_unreadable_pushed_update_is_taken_and_skipped(
    settings: Settings, fake_telegram: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    pushed = settings.model_copy(
        update={
            "telegram": TelegramSettings(
                token=SecretStr("123456:TEST-TOKEN"),
                base_url=fake_telegram.base_url,
                base_file_url=fake_telegram.base_file_url,
                webhook_secret=SecretStr(SECRET),
            ),
            "web": WebSettings(public_url="https://dvc.example.gov.vn"),
        }
    )
    headers = {SECRET_HEADER: SECRET}
    broken = {"update_id": 41, "message": {"text": "mã OTP 778899", "chat": {"id": USER}}}
    readable = text_update(42, USER, "/start")
    async with serving(pushed) as client:
        # Taken (200), so Telegram does not push it again and again; nothing is answered.
        assert (await client.post("/telegram", json=broken, headers=headers)).status_code == 200
        assert (await client.post("/telegram", json=readable, headers=headers)).status_code == 200
    [greeting] = fake_telegram.messages_to(USER)
    assert greeting.text is not None and greeting.text.startswith("Xin chào Lan")
    [line] = [record for record in caplog.records if "skipped update" in record.getMessage()]
    assert "41" in line.getMessage()
    assert all("778899" not in record.getMessage() for record in caplog.records)
