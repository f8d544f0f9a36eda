"""Moving a commune from `dvcbot run` (polling) to `dvcbot serve` (webhook) loses no update and
answers none twice, as the README's deployment notes say."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.bot_process import (
    BotProcess,
    ServeProcess,
    serve_env,
    telegram_env,
    unused_port,
    wait_until_polling,
)
from tests.fakes import FakeTelegramServer

PEOPLE = range(701, 711)


async def test_from_polling_to_webhook_every_update_is_answered_once(
    fake_telegram: FakeTelegramServer, tmp_path: Path
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    polling = await BotProcess(tmp_path, telegram_env(tmp_path, fake_telegram)).start()
    await wait_until_polling(fake_telegram, polling)
    for person in PEOPLE:
        fake_telegram.user_sends_text(person, "/help")
    for person in PEOPLE:
        await fake_telegram.wait_for(person, 1, timeout=30)
    assert await polling.stop() == 0, polling.stderr

    # While nothing runs, people keep writing; Telegram keeps the updates.
    for person in PEOPLE:
        fake_telegram.user_sends_text(person, "lam giay khai sinh cho con")
    port = unused_port()
    env = serve_env(tmp_path, fake_telegram, database, port)
    serving = await ServeProcess(tmp_path, env, workers=1).serving()
    try:
        for person in PEOPLE:
            await fake_telegram.wait_for(person, 2, timeout=30)
    finally:
        # uvicorn ends on the signal it was stopped with, after a clean shutdown.
        assert await serving.stop() in (0, -signal.SIGTERM), serving.stderr
    assert fake_telegram.webhook_url == f"http://127.0.0.1:{port}/telegram"
    for person in PEOPLE:
        first, second = fake_telegram.messages_to(person)
        assert "/cancel" in (first.text or "") and "Đăng ký khai sinh" in (second.text or "")
