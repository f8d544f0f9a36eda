"""Apply Alembic migrations from code: at start-up and for `dvcbot db upgrade`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    # Deferred: alembic is slow to import and stays in memory; an up-to-date database needs none.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` in one transaction."""
    async with engine.connect() as connection:  # at head, as on most starts: alembic not loaded
        if revision == "head" and await connection.run_sync(_revision) == newest_revision():
            return
    await _migrate(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the database schema back to `revision` (for developers and tests)."""
    await _migrate(engine, "downgrade", revision)


async def _migrate(engine: AsyncEngine, direction: str, revision: str) -> None:
    from alembic import command  # deferred, as in alembic_config

    def _run(connection: Connection) -> None:
        getattr(command, direction)(alembic_config(connection), revision)

    # SQLite changes a table's constraints by rebuilding it (create, copy, drop, rename): with
    # foreign keys enforced, dropping `communes` would delete every village, household and
    # visit by cascade. So SQLite migrates on its own connection with them off, then checks.
    sqlite = engine.dialect.name == "sqlite"
    migrating = (
        create_engine(engine.url.render_as_string(hide_password=False), foreign_keys=False)
        if sqlite
        else engine
    )
    try:
        async with migrating.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                await connection.commit()
                if broken:
                    raise RuntimeError(f"migration left {len(broken)} broken references")
    finally:
        if migrating is not engine:
            await migrating.dispose()


def newest_revision() -> str:
    """The last migration's revision: they form one chain numbered by their file names."""
    return max(path.name[:4] for path in (MIGRATIONS_DIR / "versions").glob("[0-9]" * 4 + "_*.py"))


def _revision(connection: Connection) -> str | None:
    """The database's revision, read without alembic (None: no schema yet)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)


async def make_revision(engine: AsyncEngine, message: str, rev_id: str | None = None) -> None:
    """Autogenerate a migration from the models against an up-to-date database (developers)."""
    from alembic import command  # deferred, as in alembic_config

    def _run(connection: Connection) -> None:
        config = alembic_config(connection)
        config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        command.revision(config, message=message, autogenerate=True, rev_id=rev_id)

    await upgrade(engine)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
