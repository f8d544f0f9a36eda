"""PostgreSQL: a burst of updates is answered on the connections the bot keeps.

The pool used to close a connection opened beyond its five as soon as it was given back, so a
busy bot connected anew for most updates (an operator saw a storm of connections in the server's
log, and each cost a TLS offer, a start-up and statements prepared again).
"""

from __future__ import annotations

import logging
import os

import pytest
from pydantic import SecretStr
from sqlalchemy import event

from bot.app import App, build_app
from bot.channels.telegram import TelegramChannel
from bot.cli.serve import check_connections
from bot.config import DatabaseSettings, Settings, TelegramSettings
from tests.conftest import POSTGRES_ENV
from tests.fakes import FakeTelegramServer

FIRST_USER = 556000
PEOPLE = 40
KEPT = 4

if os.environ.get(POSTGRES_ENV):  # pools are PostgreSQL's (like conftest.BACKENDS)

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    async def test_a_burst_of_updates_is_answered_without_new_connections(
        settings: Settings, fake_telegram: FakeTelegramServer
    ) -> None:
        kept = settings.model_copy(
            update={"database": DatabaseSettings(url=settings.database.url, pool_size=KEPT)}
        )
        app: App = build_app(kept)
        await app.prepare_database()
        opened: list[object] = []
        event.listen(app.db.engine.sync_engine, "connect", lambda *_: opened.append(object()))
        polling = TelegramSettings(
            token=SecretStr("123456:TEST-TOKEN"),
            base_url=fake_telegram.base_url,
            base_file_url=fake_telegram.base_file_url,
            poll_timeout=1,
        )
        channel = TelegramChannel(polling, app.dispatcher)
        await channel.start()
        try:
            people = range(FIRST_USER, FIRST_USER + PEOPLE)
            for person in people:
                fake_telegram.user_sends_text(person, "/start", first_name="Lan")
                fake_telegram.user_sends_text(person, "làm căn cước cho con")
            for person in people:
                greeting, guide = await fake_telegram.wait_for(person, 2, timeout=60)
                assert (greeting.text or "").startswith("Xin chào Lan")
                assert (guide.text or "").startswith("📘")
        finally:
            await channel.stop()
            await app.close()
        assert 1 <= len(opened) <= KEPT

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    async def test_serve_warns_when_the_workers_pools_exceed_what_the_server_accepts(
        app: App, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="bot.cli.serve"):
            assert await check_connections(app, workers=2)
            assert caplog.messages == []
            assert not await check_connections(app, workers=1000)
        [warning] = caplog.messages
        assert "1000 workers x [database] pool_size 15" in warning
        assert "lower pool_size or --workers, or raise max_connections" in warning
