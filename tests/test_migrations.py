"""Migrations: they build the schema the models describe, on every backend."""

from __future__ import annotations

import re
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


async def test_partial_indexes_keep_their_conditions(app: App) -> None:
    """Alembic does not compare index conditions: a unique index that lost its WHERE would
    refuse, say, a second standby for a shift whose first one was cancelled."""
    dialect = app.engine.dialect.name

    def conditions(connection: Connection) -> dict[str, str]:
        found = {}
        inspector = inspect(connection)
        for table in Base.metadata.tables:
            for index in inspector.get_indexes(table):
                where = index.get("dialect_options", {}).get(f"{dialect}_where")
                if where is not None:
                    found[str(index["name"])] = _plain(str(where))
        return found

    declared = {
        str(index.name): _plain(str(index.dialect_options[dialect]["where"]))
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if index.dialect_options[dialect]["where"] is not None
    }
    async with app.engine.connect() as connection:
        assert await connection.run_sync(conditions) == declared
    assert len(declared) == 5


def _plain(condition: str) -> str:
    """The condition without PostgreSQL's added parentheses and casts, spaces normalised."""
    bare = re.sub(r"::\w+( varying)?|[()]", " ", condition)
    return " ".join(bare.split()).lower()
