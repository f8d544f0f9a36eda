"""Plain rows for reports: thousands of tuples read through Core, without the ORM's loading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable


async def plain_rows(session: AsyncSession, query: Executable) -> Sequence[Sequence[Any]]:
    """The query's rows as plain tuples; pending changes are flushed first, as the session's
    own `execute` would (the ORM's row loading costs more than the query for 10,000 rows)."""
    await session.flush()
    return (await (await session.connection()).execute(query)).all()
