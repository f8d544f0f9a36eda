"""Scheduled jobs that every installation runs."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core import state
from bot.services import invites, outbox
from scheduler import delivery, questions, reports, shifts
from scheduler.runtime import Runtime

log = logging.getLogger(__name__)


async def deliver_outbox(runtime: Runtime) -> None:
    """Send every due outbox row through its channel."""
    stats = await delivery.drain(
        runtime.db,
        runtime.senders,
        runtime.clock,
        media=runtime.services.media,
        observer=runtime.observer,
    )
    if stats.handled:
        log.info(
            "outbox: %d sent, %d to retry, %d dead, %d expired",
            stats.sent,
            stats.retried,
            stats.dead,
            stats.expired,
        )


async def keep_leadership(runtime: Runtime) -> None:
    """Take or keep the scheduler leader lock (PostgreSQL); planning jobs check it. A process
    that has just become the leader plans at once, not at its planners' next minute."""
    if runtime.leadership is None:
        return
    was_leader = runtime.leadership.is_leader
    if await runtime.leadership.refresh() and not was_leader:
        await shifts.plan_reminders(runtime)
        await shifts.plan_shift_alerts(runtime)
        await reports.plan_reports(runtime)
        await questions.plan_unanswered(runtime)


STALE_FLOW_AGE = timedelta(hours=24)


PROCESSED_KEY_AGE = timedelta(days=3)


async def housekeeping(runtime: Runtime) -> None:
    """Wipe abandoned flows and delivered help-request messages after a day (privacy), and
    idempotency keys after three days."""
    now = runtime.clock()
    async with runtime.db.transaction() as session:
        cleared = await state.forget_stale_flows(session, now - STALE_FLOW_AGE)
        forgotten = await state.forget_processed_updates(session, now - PROCESSED_KEY_AGE)
        # Messages between a citizen and staff: once delivered, their text is not kept.
        await outbox.forget_texts(session, outbox.Keys.HANDOFF, before=now - STALE_FLOW_AGE)
        await invites.forget_failed_joins(session, now - STALE_FLOW_AGE)
    if cleared or forgotten:
        log.info("housekeeping: %d abandoned flows, %d old update keys", cleared, forgotten)
