"""Alembic environment: runs on a connection we pass in, or on the configured database."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import bot.db.registry  # noqa: F401  (imports every model module so metadata is complete)
from bot.config import load_settings
from bot.db.base import Base
from bot.db.engine import create_engine

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_configured_database() -> None:
    url = config.get_main_option("sqlalchemy.url") or load_settings().database.url
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
        await connection.commit()
    await engine.dispose()


given_connection = config.attributes.get("connection")
if given_connection is not None:
    run_migrations(given_connection)
else:
    asyncio.run(run_on_configured_database())
