"""One scheduler leader per database: a PostgreSQL session advisory lock on its own connection.

Several processes may share one PostgreSQL database; each delivers outbox rows (claimed with
SKIP LOCKED), but only the leader plans reminders and tallies. SQLite runs one process, which
is always the leader. If the leader dies, its connection closes and the lock is freed.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db.engine import is_sqlite

log = logging.getLogger(__name__)

LOCK_KEY = 0x64766362  # "dvcb"


class Leadership:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None
        self.is_leader = is_sqlite(str(engine.url))

    async def refresh(self) -> bool:
        """Try to take (or check we still hold) the leader lock."""
        if is_sqlite(str(self.engine.url)):
            return True
        try:
            if self._connection is None:
                self._connection = await self.engine.connect()
                taken = await self._connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
                )
                await self._connection.commit()
                if not taken:
                    await self._connection.close()
                    self._connection = None
            else:
                await self._connection.scalar(text("SELECT 1"))
                await self._connection.commit()
        except Exception:
            log.exception("leader lock check failed")
            if self._connection is not None:
                await self._connection.invalidate()
            self._connection = None
        was_leader, self.is_leader = self.is_leader, self._connection is not None
        if self.is_leader != was_leader:
            log.info(
                "this process is %s the scheduler leader", "now" if self.is_leader else "no longer"
            )
        return self.is_leader

    async def release(self) -> None:
        """Give the lock up; the connection is discarded, not returned to the pool with it."""
        if self._connection is not None:
            try:
                await self._connection.scalar(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
                )
            finally:
                await self._connection.invalidate()
                await self._connection.close()
                self._connection = None
        self.is_leader = is_sqlite(str(self.engine.url))
