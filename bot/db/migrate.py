"""Apply Alembic migrations from code: at start-up and for `dvcbot db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` in one transaction."""

    def _run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)


async def make_revision(engine: AsyncEngine, message: str, rev_id: str | None = None) -> None:
    """Autogenerate a migration from the models against an up-to-date database (developers)."""

    def _run(connection: Connection) -> None:
        config = alembic_config(connection)
        config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        command.revision(config, message=message, autogenerate=True, rev_id=rev_id)

    await upgrade(engine)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
