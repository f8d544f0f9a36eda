"""SQLite connections whose statements run on the event loop's own thread.

aiosqlite runs every call (make a cursor, execute, fetch, close) on a thread of its own and
wakes the event loop for each: about 30 hand-offs an update, which on a small server cost as
much as the update's own work (bench/throughput.py: the dispatcher handles twice as many
updates without them). Once a transaction holds SQLite's write lock our statements take
microseconds and wait for nothing (WAL readers never wait), so they run where they are called.
Only what can wait for another process goes through aiosqlite's thread as before: BEGIN (which
takes the lock, sleeping in the busy handler while another process holds it), PRAGMAs (changing
the journal mode takes a lock) and opening the file; a busy database never stalls the loop.
A BEGIN is first tried here without waiting (busy timeout 0 for that one statement): the lock is
nearly always free, and the hand-off to the thread and back cost about as much as the rest of a
small transaction (618 µs a transaction with it, 330 without). Only when another process holds
the lock does the BEGIN go to the thread and wait there.
The two threads never use the connection at once: while a call sent to aiosqlite's thread is
unfinished (its caller may have been cancelled, the thread still runs it), every later call
queues behind it there too.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import make_url

# Statements that may wait for a lock held by another connection; group 1 is BEGIN or PRAGMA.
MAY_WAIT = re.compile(r"\s*(BEGIN|PRAGMA)\b", re.IGNORECASE)
BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"  # every transaction's first statement (bot/db/engine.py)


class LoopConnection(aiosqlite.Connection):
    """aiosqlite's connection, running statements that cannot wait on the calling thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._unfinished: set[object] = set()  # calls sent to the thread; it removes each
        self._waits: int | None = None  # its busy timeout (set when connecting), read once

    async def begin_immediate(self) -> None:
        """Take the write lock: here if it is free, else waiting for it on the thread."""
        await self._execute(self._conn.execute, BEGIN_IMMEDIATE)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._unfinished or self._connection is None:
            return await self._on_its_thread(partial(fn, *args, **kwargs))
        statement = args[0] if args and isinstance(args[0], str) else ""
        waits = MAY_WAIT.match(statement)
        if waits is None:
            return fn(*args, **kwargs)
        if waits.group(1).upper() == "BEGIN":
            try:
                return self._without_waiting(partial(fn, *args, **kwargs))
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # extended codes too
                    raise
        return await self._on_its_thread(partial(fn, *args, **kwargs))

    def _without_waiting(self, call: Callable[[], Any]) -> Any:
        """Run `call` on this thread, failing at once if another process holds the lock."""
        connection = self._conn
        if self._waits is None:
            self._waits = int(connection.execute("PRAGMA busy_timeout").fetchone()[0])
        waits = self._waits
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            return call()
        finally:
            connection.execute(f"PRAGMA busy_timeout = {waits}")

    async def _on_its_thread(self, call: Callable[[], Any]) -> Any:
        token = object()

        def run() -> Any:
            try:
                return call()
            finally:
                self._unfinished.discard(token)  # set operations are atomic under the GIL

        self._unfinished.add(token)
        on_its_thread: Callable[..., Awaitable[Any]] = super()._execute
        try:
            return await on_its_thread(run)
        except BaseException:
            if self._connection is None:  # closed: the thread ran nothing
                self._unfinished.discard(token)
            raise


def connector(url: str) -> Callable[[], Awaitable[LoopConnection]]:
    """SQLAlchemy's `async_creator` for `url`: the file and options its aiosqlite dialect would
    open, in autocommit mode (transactions are begun explicitly, see bot/db/engine.py), usable
    from both threads (never at once: each call is awaited before the next)."""
    parsed = make_url(url)
    args, options = parsed.get_dialect()().create_connect_args(parsed)
    options = {**options, "isolation_level": None, "check_same_thread": False}
    opened = partial(sqlite3.connect, *args, **options)

    async def connect() -> LoopConnection:
        connection = LoopConnection(opened, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy's dialect does: never holds up exit
        await connection  # opens the file on aiosqlite's thread
        return connection

    return connect
