"""Migrations: they build the schema the models describe, on every backend."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

import bot.db.registry  # noqa: F401
from bot.app import App
from bot.db.base import Base
from bot.db.migrate import current_revision, upgrade


async def test_models_and_migrations_agree(app: App) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with app.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_upgrade_is_repeatable_and_at_head(app: App) -> None:
    await upgrade(app.engine)
    assert await current_revision(app.engine) is not None
    async with app.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"people", "chat_identities", "role_grants", "conversation_states"} <= tables
    assert {"processed_updates", "audit_log"} <= tables
