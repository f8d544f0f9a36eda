"""A PostgreSQL server for the benches: a migrated template database, copied for each run, all
dropped at the end, so a bench runs again on the same server with nothing left from before."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url

from bot.db.engine import create_engine
from bot.db.migrate import upgrade


class Server:
    """The bench's PostgreSQL server: a migrated template, copied for each run."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.template = f"dvcbot_bench_{uuid.uuid4().hex[:8]}"
        self.made: list[str] = []

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    async def execute(self, statement: str) -> None:
        connection = await asyncpg.connect(self.admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    async def prepare(self) -> None:
        """The template database, migrated once."""
        await self.execute(f'CREATE DATABASE "{self.template}"')
        self.made.append(self.template)
        engine = create_engine(self.url_of(self.template))
        await upgrade(engine)
        await engine.dispose()

    async def fresh(self) -> str:
        """A new database copied from the template; returns its URL."""
        name = f"{self.template}_{len(self.made)}"
        await self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        return self.url_of(name)

    async def drop_all(self) -> None:
        for name in reversed(self.made):
            await self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def fresh_database(postgres: Server | None) -> AsyncIterator[str]:
    """A new database for one run: a SQLite file, or a copy of the server's migrated template."""
    if postgres is not None:
        yield await postgres.fresh()
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite+aiosqlite:///{folder}/bench.db"
