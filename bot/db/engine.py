"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_

from bot.db import sqlite
from bot.db.base import use_postgresql

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A PostgreSQL connection idle this long is pinged before it is used again: a restarted server
# or a firewall drops idle connections. One in steady use is not: a ping on every checkout cost
# a round trip per transaction, a third of a question's time. A connection lost while in use
# fails its statement; SQLAlchemy then replaces the whole pool and the work is run again
# (`lost_connection`).
IDLE_BEFORE_PING_S = 10.0
# PostgreSQL connections a process keeps (`[database] pool_size`). None beyond them: the pool
# closes a connection opened beyond its size as soon as it is given back, so with SQLAlchemy's
# 5 + 10 a busy bot connected anew (TLS offer, start-up, type set-up) and prepared its
# statements again for most updates (bench/throughput.py --postgres: 296 connections opened
# for 600 updates).
POOL_SIZE = 15


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(
    url: str,
    *,
    echo: bool = False,
    foreign_keys: bool = True,
    idle_before_ping: float = IDLE_BEFORE_PING_S,
    pool_size: int = POOL_SIZE,
) -> AsyncEngine:
    """Create the async engine; on SQLite set WAL, NORMAL sync, foreign keys (off only for
    migrations, see bot/db/migrate.py), busy timeout; on PostgreSQL keep `pool_size`
    connections and ping idle ones."""
    if not is_sqlite(url):
        use_postgresql()
        engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=0)
        _ping_when_idle(engine, idle_before_ping)
        return engine
    # Connections in autocommit mode hand transaction control to us so writes can BEGIN
    # IMMEDIATE: a deferred BEGIN that later upgrades to a write fails at once under
    # concurrency. Their statements run on the event loop's thread (bot/db/sqlite.py).
    engine = create_async_engine(url, echo=echo, async_creator=sqlite.connector(url))

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A plain driver call: through SQLAlchemy's execution of a statement, this BEGIN cost
        # a fifth of a small transaction. Its errors are SQLAlchemy's, as they were then.
        try:
            await_(connection.connection.driver_connection.begin_immediate())
        except sqlite3.Error as error:
            raise DBAPIError.instance(sqlite.BEGIN_IMMEDIATE, (), error, sqlite3.Error) from error

    return engine


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Before a connection idle for `idle_seconds` is used, ping it; a dead one is replaced."""
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool then connects anew
            raise DisconnectionError("an idle connection was lost") from error


def lost_connection(error: BaseException) -> bool:
    """Whether a statement failed because the server dropped its connection: nothing of the
    transaction was kept, and the pool has been replaced, so the work can simply run again."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    """The engine, its sessions, and `transaction()`, the one way code writes.

    SQLite allows one writer at a time and its busy handler sleeps up to 100 ms between
    retries, so in-process writers queue on an asyncio lock instead of spinning on the file.
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        idle_before_ping: float = IDLE_BEFORE_PING_S,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.url = url
        self.engine = create_engine(
            url, echo=echo, idle_before_ping=idle_before_ping, pool_size=pool_size
        )
        self.sessionmaker = create_sessionmaker(self.engine)
        self._write_lock = asyncio.Lock() if is_sqlite(url) else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside a transaction: committed on success, rolled back on error."""
        async with self._gate(), self.sessionmaker() as session, session.begin():
            yield session

    def _gate(self) -> AbstractAsyncContextManager[object]:
        return self._write_lock if self._write_lock is not None else nullcontext()

    async def dispose(self) -> None:
        await self.engine.dispose()
