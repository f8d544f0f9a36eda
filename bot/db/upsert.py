"""INSERT … ON CONFLICT for the database in use; PostgreSQL's dialect loads only there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

Upsert: TypeAlias = "PostgresInsert | SqliteInsert"


def insert_for(dialect: str, table: Any) -> Upsert:
    """An INSERT into `table` with the dialect's on_conflict_do_nothing/do_update."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgres_insert

        return postgres_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
