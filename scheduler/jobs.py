"""Scheduled jobs that every installation runs."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.services import outbox, people
from scheduler.runtime import Runtime

log = logging.getLogger(__name__)


async def deliver_outbox(runtime: Runtime) -> None:
    """Send every due outbox row through its channel."""
    stats = await outbox.drain(runtime.db, runtime.senders, runtime.clock)
    if stats.handled:
        log.info(
            "outbox: %d sent, %d to retry, %d dead, %d expired",
            stats.sent,
            stats.retried,
            stats.dead,
            stats.expired,
        )


async def keep_leadership(runtime: Runtime) -> None:
    """Take or keep the scheduler leader lock (PostgreSQL); planning jobs check it."""
    if runtime.leadership is not None:
        await runtime.leadership.refresh()


STALE_FLOW_AGE = timedelta(hours=24)


async def forget_stale_flows(runtime: Runtime) -> None:
    """Privacy: what someone typed into a flow they abandoned is not kept past a day."""
    async with runtime.db.transaction() as session:
        cleared = await people.forget_stale_flows(session, runtime.clock() - STALE_FLOW_AGE)
    if cleared:
        log.info("cleared %d abandoned conversation flows", cleared)
