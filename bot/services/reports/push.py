"""Pushing the daily tally and the weekly summary to subscribed officials, through the outbox.

Each official gets one message per report and day, keyed `tally:{YYYY-MM-DD}:{person_id}` or
`weekly:{YYYY-MM-DD}:{person_id}`; the outbox refuses a key twice, so running the planner again,
in another process or after a restart never repeats a message. The planner runs every minute
(and at start): from the configured time until `[reports] push_until` on a due day it queues
whatever is still missing, so a restart at 17:35 loses nothing and an official who subscribes
at 18:00 still gets that day's tally; after `push_until` nothing more goes out that day.
The daily tally goes out on working days only; the weekly summary goes out on its configured
day even when that day is a holiday (the week's work is still worth summing up).
Each official's report covers the villages their official/admin grants cover (coverage.py);
someone whose grants were revoked since subscribing gets nothing. Officials with the same scope
share one computed report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.reports import ReportHub, ShowCoverage, Subscribe
from bot.config import ReportsSettings, Settings
from bot.core.messages import Choice, Reply
from bot.db.models import ReportKind, ReportSubscription
from bot.locales import t
from bot.services import outbox
from bot.services.reports.area import area_name
from bot.services.reports.coverage import coverage, report_scope
from bot.services.reports.digest import tally_digest
from bot.services.reports.figures import Scope
from bot.services.reports.tallies import range_tally, week_start
from bot.services.reports.text import tally_text, weekly_text

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EXPIRES_NEXT_DAY_AT = time(12, 0)  # an undelivered tally is dropped at noon the next day


@dataclass
class PushStats:
    queued: int = 0
    skipped: int = 0  # no report role any more, or no chat to send to


def daily_due(local: datetime, settings: ReportsSettings, working: bool) -> bool:
    moment = local.time().replace(tzinfo=None)
    return working and settings.daily_tally_time <= moment < settings.push_until


def weekly_due(local: datetime, settings: ReportsSettings, working: bool) -> bool:
    moment = local.time().replace(tzinfo=None)
    return (
        WEEKDAYS[local.weekday()] == settings.weekly_summary_day
        and settings.weekly_summary_time <= moment < settings.push_until
    )


async def waiting(session: AsyncSession, kind: ReportKind, day: date) -> list[int]:
    """Subscribers of `kind` who have no outbox row for `day` yet."""
    key = outbox.Keys.daily_tally if kind is ReportKind.DAILY_TALLY else outbox.Keys.weekly_summary
    people = list(
        await session.scalars(
            select(ReportSubscription.person_id)
            .where(ReportSubscription.kind == kind.value)
            .order_by(ReportSubscription.person_id)
        )
    )
    if not people:
        return []
    keys = {person_id: key(day, person_id) for person_id in people}
    queued = await outbox.queued_keys(session, list(keys.values()))
    return [person_id for person_id in people if keys[person_id] not in queued]


def _expiry(day: date, settings: Settings) -> datetime:
    return datetime.combine(day + timedelta(days=1), EXPIRES_NEXT_DAY_AT, settings.commune.tz)


ReplyFor = Callable[[AsyncSession, Scope], Awaitable[Reply]]


async def _queue(
    session: AsyncSession,
    settings: Settings,
    day: date,
    now: datetime,
    person_ids: list[int],
    key_for: Callable[[date, int], str],
    reply_for: ReplyFor,
) -> PushStats:
    """Queue one report per person; people with the same scope share one rendering."""
    stats = PushStats()
    replies: dict[Scope, Reply] = {}
    for person_id in person_ids:
        scope = await report_scope(session, person_id)
        if scope is not None and not scope:
            stats.skipped += 1
            continue
        if scope not in replies:
            replies[scope] = await reply_for(session, scope)
        queued = await outbox.enqueue(
            session,
            key_for(day, person_id),
            person_id,
            replies[scope],
            now=now,
            expires_at=_expiry(day, settings),
        )
        stats.queued += int(queued)
        stats.skipped += int(not queued)
    return stats


def _report_choices(unsubscribe: Choice) -> tuple[Choice, ...]:
    return (
        ShowCoverage().button(t("reports.see_coverage")),
        ReportHub().button(t("reports.back")),
        unsubscribe,
    )


async def queue_daily_tallies(
    session: AsyncSession,
    settings: Settings,
    day: date,
    now: datetime,
    person_ids: list[int] | None = None,
) -> PushStats:
    """Queue `day`'s tally for these subscribers (default: all still waiting)."""

    async def reply_for(session: AsyncSession, scope: Scope) -> Reply:
        tally = await tally_digest(session, scope, day)
        area = await area_name(session, scope, tally.village_names, settings.commune.name)
        unsubscribe = Subscribe("d", on=False).button(t("reports.unsubscribe_daily"))
        return Reply(tally_text(tally, area), choices=_report_choices(unsubscribe), columns=2)

    if person_ids is None:
        person_ids = await waiting(session, ReportKind.DAILY_TALLY, day)
    return await _queue(
        session, settings, day, now, person_ids, outbox.Keys.daily_tally, reply_for
    )


async def queue_weekly_summaries(
    session: AsyncSession,
    settings: Settings,
    day: date,
    now: datetime,
    person_ids: list[int] | None = None,
) -> PushStats:
    """Queue the week's summary (Monday to `day`) for these subscribers (default: all waiting)."""

    async def reply_for(session: AsyncSession, scope: Scope) -> Reply:
        week = await range_tally(session, scope, week_start(day), day)
        report = await coverage(
            session,
            scope,
            day,
            target_pct=settings.reports.coverage_target,
            register_complete_pct=settings.reports.register_complete_pct,
        )
        villages = [v.name for v in report.villages]
        area = await area_name(session, scope, villages, settings.commune.name)
        unsubscribe = Subscribe("w", on=False).button(t("reports.unsubscribe_weekly"))
        return Reply(
            weekly_text(week, report, area), choices=_report_choices(unsubscribe), columns=2
        )

    if person_ids is None:
        person_ids = await waiting(session, ReportKind.WEEKLY_SUMMARY, day)
    return await _queue(
        session, settings, day, now, person_ids, outbox.Keys.weekly_summary, reply_for
    )
