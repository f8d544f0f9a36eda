"""Recording how far the sending of updates' kept replies got, many updates per transaction.

Every interactive update ends with one of these, once its replies are sent. The replies are out
already, so when other updates' replies are being sent too, a settlement can wait a moment: the
first one waits GATHERING for the others to come, and all are written in one transaction (one
statement when all were sent). A busy bot sends an update's replies every few milliseconds;
settled one by one, each took a write transaction of its own (bench/throughput.py's load:
970 for 1,000 updates, 170-300 with the wait; fewer writes waiting for SQLite's one lock or
PostgreSQL's commits, though updates a second moved by no more than this machine's noise). A
longer wait gathered little more and held the channel's update slots. A settlement with none
to wait for (a quiet bot) is written at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.delivery import DeliveryError, reply_key, result_of, settle_outcome
from bot.core.observer import Observer
from bot.db.engine import Database, lost_connection
from bot.db.models import OutboxMessage, OutboxStatus

GATHERING = 0.005  # seconds the first settlement of a batch waits for the others


@dataclass(frozen=True, slots=True)
class Settlement:
    channel: str
    update_key: str
    sent: int  # the first `sent` replies went out
    problem: DeliveryError | None  # why reply number `sent` did not


class Settler:
    """Writes settlements in batches: while other updates' replies are being sent, the first
    waits GATHERING seconds for their settlements to join, then writes them all; those that
    come while it writes form the next batch."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self._queued: list[Settlement] = []
        self._writing = asyncio.Lock()
        self._sending = 0  # updates whose kept replies are being sent: settlements to come

    def expect(self) -> None:
        """An update's kept replies are committed and about to be sent; its settlement follows."""
        self._sending += 1

    async def settle(self, settlement: Settlement, observer: Observer) -> None:
        """Returns once the settlement is committed (by this call or by the one before)."""
        self._sending = max(0, self._sending - 1)
        self._queued.append(settlement)
        async with self._writing:
            if self._queued and self._sending:
                await asyncio.sleep(GATHERING)
            batch, self._queued = self._queued, []
            if not batch:
                return  # written with an earlier batch, which committed before releasing
            try:
                await self._write(batch, observer)
            except DBAPIError as error:
                if not lost_connection(error):
                    raise
                await self._write(batch, observer)  # unsettled, sent replies would go again

    async def _write(self, batch: list[Settlement], observer: Observer) -> None:
        async with self.db.transaction() as session:
            now = self.clock()
            await _all_sent(session, [s for s in batch if s.problem is None], now, observer)
            for failed in batch:
                if failed.problem is not None:
                    await _failed(session, failed, failed.problem, now, observer)


def _replies_of(settlement: Settlement) -> ColumnElement[bool]:
    return OutboxMessage.key.startswith(reply_key(settlement.update_key, None), autoescape=True)


# Built once (its IN list bound as one expanding parameter), so settling an update compiles
# nothing: building this statement anew cost more than running it.
SENT = (
    update(OutboxMessage)
    .where(
        OutboxMessage.key.in_(bindparam("keys", expanding=True)),
        OutboxMessage.status == OutboxStatus.PENDING.value,
    )
    .values(
        status=OutboxStatus.SENT.value,
        sent_at=bindparam("now", type_=OutboxMessage.sent_at.type),
        lease_until=None,
    )
    .returning(OutboxMessage.channel)
)


async def _all_sent(
    session: AsyncSession, batch: list[Settlement], now: datetime, observer: Observer
) -> None:
    """One statement: every reply of these updates went out (a channel settles without a
    problem only then), so their rows are done."""
    keys = [reply_key(s.update_key, number) for s in batch for number in range(s.sent)]
    if not keys:
        return
    connection = await session.connection()  # Core: no ORM objects to keep in step here
    for (channel,) in await connection.execute(SENT, {"keys": keys, "now": now}):
        observer.delivered(channel, "sent")


async def _failed(
    session: AsyncSession,
    settlement: Settlement,
    problem: DeliveryError,
    now: datetime,
    observer: Observer,
) -> None:
    """The sent ones are done, the failed one is retried like any outbox row, the rest wait."""
    rows = await session.scalars(
        select(OutboxMessage).where(
            _replies_of(settlement),
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
    )
    for row in rows:
        number = int(row.key.rsplit(":", 1)[1])
        if number < settlement.sent:
            row.status, row.sent_at, row.lease_until = OutboxStatus.SENT.value, now, None
            observer.delivered(settlement.channel, "sent")
        elif number == settlement.sent:
            row.attempts += 1
            row.lease_until = None
            outcome = settle_outcome(row, problem, now)
            observer.delivered(settlement.channel, result_of(outcome, problem))
        else:
            row.lease_until = None
