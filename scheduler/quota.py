"""Zalo's monthly quota, checked every minute by the scheduler leader.

The check only queues notes and moves or holds outbox rows, all in one transaction with unique
keys, so running it again, late, or after a restart repeats nothing (bot/services/quota.py).
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from bot.services import quota
from scheduler.runtime import Runtime

log = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 60


async def watch_zalo_quota(runtime: Runtime) -> quota.QuotaCheck | None:
    """Tell the admins near and at the quota; past it, move Zalo pushes or hold them."""
    settings = runtime.services.settings
    if not runtime.is_leader or settings.zalo.token is None:
        return None
    async with runtime.db.transaction() as session:
        checked = await quota.check_zalo(
            session, runtime.clock(), settings.zalo.monthly_quota, settings.commune.tz
        )
    if checked.notes or checked.moved or checked.held:
        log.info(
            "zalo quota: %d/%d sent this month; %d notes, %d moved to telegram, %d held",
            checked.used,
            checked.quota,
            checked.notes,
            checked.moved,
            checked.held,
        )
    return checked


def add_jobs(scheduler: BaseScheduler, runtime: Runtime) -> None:
    scheduler.add_job(
        watch_zalo_quota,
        "interval",
        seconds=CHECK_INTERVAL_SECONDS,
        args=[runtime],
        id="zalo-quota",
        replace_existing=True,
    )
