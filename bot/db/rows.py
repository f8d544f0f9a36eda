"""Plain rows for reports: thousands of tuples read through Core, without the ORM's loading."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Dialect, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType


async def plain_rows(
    session: AsyncSession, query: Executable, parameters: Mapping[str, Any] | None = None
) -> Sequence[Sequence[Any]]:
    """The query's rows as plain sequences; pending changes are flushed first, as the session's
    own `execute` would (the ORM's row loading costs more than the query for 10,000 rows).

    When every column is an integer or text that SQLAlchemy hands over as the driver gave it,
    the rows are the driver's own (tuples, asyncpg's records): making SQLAlchemy's rows of
    them took a quarter of the fetch of a province's coverage. Either kind unpacks and indexes
    alike; neither is read by column name here.
    """
    await session.flush()
    connection = await session.connection()
    result = await connection.execute(query, parameters)
    columns: Sequence[ColumnElement[Any]] = getattr(query, "selected_columns", ())
    if not columns or not all(_as_fetched(column, connection.dialect) for column in columns):
        return result.all()
    try:
        rows: Sequence[Sequence[Any]] = result.cursor.fetchall()
        return rows
    finally:
        result.close()


def _as_fetched(column: ColumnElement[Any], dialect: Dialect) -> bool:
    """Whether SQLAlchemy returns the column's values exactly as the driver fetched them."""
    kind = column.type
    if not isinstance(kind, Integer | String | NullType):
        return False
    return kind.dialect_impl(dialect).result_processor(dialect, None) is None
