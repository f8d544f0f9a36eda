"""PostgreSQL drops connections (a restarted server, an idle timeout): work that was running on
one is done again on a new connection, once, and a connection idle for a while is checked
before it is used."""

from __future__ import annotations

import os

import asyncpg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.app import App
from bot.core.channels import ChannelInfo
from bot.db.engine import Database
from bot.db.models import OutboxMessage, OutboxStatus, ProcessedUpdate
from bot.locales import t
from tests.conftest import POSTGRES_ENV, pg_admin_dsn
from tests.helpers import ChatUser, texts

KEPT = "kept"  # a channel that keeps its replies as outbox rows, as Telegram does


async def drop_connections(database_url: str) -> int:
    """What a server restart does to the clients of one database: every connection closed."""
    admin = await asyncpg.connect(pg_admin_dsn())
    try:
        closed = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            make_url(database_url).database,
        )
    finally:
        await admin.close()
    return len(closed)


if os.environ.get(POSTGRES_ENV):  # connections are PostgreSQL's (like conftest.BACKENDS)

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    async def test_an_update_whose_connection_was_dropped_is_answered_and_kept_once(
        app: App, database_url: str
    ) -> None:
        app.dispatcher.connect(ChannelInfo(KEPT, keeps_replies=True))
        user = ChatUser(app, user_id="7001", channel=KEPT)
        await user.says("/start")
        assert await drop_connections(database_url) >= 1
        incoming = user.incoming(text="/menu")
        replies = await app.dispatcher.handle(incoming)
        assert t("errors.apology") not in texts(replies)
        assert t("start.menu_prompt") in texts(replies)
        assert await drop_connections(database_url) >= 1
        await app.dispatcher.settle(incoming, sent=len(replies))
        async with app.sessionmaker() as session:
            claims = await session.scalar(
                select(func.count()).where(ProcessedUpdate.key == incoming.key)
            )
            rows = list(
                await session.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.key.startswith(f"reply:{incoming.key}:")
                    )
                )
            )
        assert claims == 1
        assert len(rows) == len(replies)  # kept once, though the update ran twice
        assert {(row.status, row.lease_until) for row in rows} == {(OutboxStatus.SENT.value, None)}

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    async def test_a_connection_idle_for_a_while_is_checked_before_it_is_used(
        database_url: str,
    ) -> None:
        for idle_before_ping, survives in ((0.0, True), (3600.0, False)):
            database = Database(database_url, idle_before_ping=idle_before_ping)
            try:
                async with database.transaction() as session:
                    await session.execute(text("SELECT 1"))
                await drop_connections(database_url)
                if survives:  # pinged, found dead, replaced: the work never sees it
                    async with database.transaction() as session:
                        assert await session.scalar(text("SELECT 2")) == 2
                else:  # used unchecked: the first statement finds the connection gone
                    with pytest.raises(DBAPIError) as failed:
                        async with database.transaction() as session:
                            await session.execute(text("SELECT 2"))
                    assert failed.value.connection_invalidated
            finally:
                await database.dispose()
