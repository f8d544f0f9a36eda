"""GET /healthz: does the database answer, is this worker the scheduler leader, and how far
behind is the outbox. One short query, bounded in time: a database that does not answer
within TIMEOUT_SECONDS gives 503 with nothing but {"database": "unreachable"}.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.db.engine import Database
from bot.db.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0
# What a database that is down, refusing or silent raises (a bug in our code is not this).
UNREACHABLE = (TimeoutError, OSError, SQLAlchemyError)

T = TypeVar("T")

# Reads given up on, kept referenced until their cancellation has run its course.
_abandoned: set[asyncio.Task[Any]] = set()


@dataclass(frozen=True)
class Backlog:
    """Outbox rows pending and due now, and how long the oldest of them has waited."""

    due: int
    oldest_due_seconds: int


async def within(seconds: float, work: Coroutine[Any, Any, T]) -> T:
    """The result of `work`, or TimeoutError after `seconds`, without waiting for its cleanup."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    # A driver stuck on a lock or a dead network may take long to let go once cancelled:
    # the answer must not wait for that.
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_forget)
    raise TimeoutError


def _forget(task: asyncio.Task[Any]) -> None:
    """Drop an abandoned read once finished, its error retrieved so it is not reported."""
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()


async def outbox_backlog(db: Database, now: datetime) -> Backlog:
    """Pending rows due by `now` and the age of the oldest one, in one query."""
    query = select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.next_attempt_at <= now,
    )
    async with db.sessionmaker() as session:
        due, oldest = (await session.execute(query)).one()
    waited = 0 if oldest is None else max(0, int((now - oldest).total_seconds()))
    return Backlog(due=due, oldest_due_seconds=waited)


async def healthz(request: Request) -> JSONResponse:
    """200 with the database, the role, the worker and the outbox backlog; 503 without a
    database."""
    served = request.app.state.served
    try:
        backlog = await within(
            TIMEOUT_SECONDS, outbox_backlog(served.app.db, served.runtime.clock())
        )
    except UNREACHABLE as problem:  # a driver's message may name the server: only its kind
        log.warning("health: the database did not answer (%s)", type(problem).__name__)
        return JSONResponse({"database": "unreachable"}, status_code=503)
    return JSONResponse(
        {
            "database": "ok",
            "role": "leader" if served.runtime.is_leader else "follower",
            "worker": os.getpid(),
            "outbox": {"due": backlog.due, "oldest_due_seconds": backlog.oldest_due_seconds},
        }
    )
