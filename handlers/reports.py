"""Reports for officials in chat: coverage (table, chart, Excel), the day's tally, KPIs, and
subscribing to the daily tally and the weekly summary.

Buttons are the actions of bot/actions/reports.py. Commands: /report, /coverage, /today,
/tally [YYYY-MM-DD], /kpi [YYYY-MM] (or /kpi FROM TO: any period, e.g. a quarter).
Officials and admins only. Every report covers the villages of the person's official or admin
grants (a commune-wide grant: every village), looked up again on every update.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import delete, select

from bot.actions.reports import (
    DayTally,
    MonthKpis,
    MonthWorkbook,
    ReportHub,
    ShowCoverage,
    Subscribe,
    TodayTally,
)
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.messages import Choice, Document, Replies, Reply
from bot.db.models import ReportKind, ReportSubscription, Role
from bot.locales import t
from bot.services.reports.area import area_name
from bot.services.reports.charts import render_png
from bot.services.reports.coverage import coverage, report_scope, villages_in
from bot.services.reports.digest import TallyDigest, tally_digest
from bot.services.reports.figures import Scope
from bot.services.reports.kpis import Month, Period, kpi_report
from bot.services.reports.push import WEEKDAYS
from bot.services.reports.survey import survey_report
from bot.services.reports.survey_view import survey_text
from bot.services.reports.tallies import FIRST_DAY, check_day, parse_day
from bot.services.reports.text import (
    coverage_text,
    day_label,
    kpi_text,
    tally_text,
)
from handlers import targets

ROLES = {Role.OFFICIAL, Role.ADMIN}
KINDS = {"d": ReportKind.DAILY_TALLY, "w": ReportKind.WEEKLY_SUMMARY}


def back_choice() -> Choice:
    return ReportHub().button(t("reports.back"))


def excel_choice() -> Choice:
    return MonthWorkbook().button(t("reports.excel_button"))


def today_of(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.services.settings.commune.tz).date()


async def scope_of(ctx: Context) -> Scope:
    scope = await report_scope(ctx.session, ctx.person.id)
    if scope is not None and not scope:
        raise DomainError("reports.no_villages")
    return scope


async def area_of(ctx: Context, scope: Scope) -> str:
    names = [] if scope is None else [v.name for v in await villages_in(ctx.session, scope)]
    return await area_name(ctx.session, scope, names, ctx.services.settings.commune.name)


# ------------------------------------------------------------------------------------ hub


async def hub(ctx: Context) -> Replies:
    """The report menu."""
    ctx.end_flow()
    return await menu_reply(ctx)


async def menu_reply(ctx: Context) -> Reply:
    """The report menu, with the subscribe buttons showing what the person gets now."""
    scope = await scope_of(ctx)
    subscribed = set(
        await ctx.session.scalars(
            select(ReportSubscription.kind).where(ReportSubscription.person_id == ctx.person.id)
        )
    )
    daily = ReportKind.DAILY_TALLY.value in subscribed
    weekly = ReportKind.WEEKLY_SUMMARY.value in subscribed
    choices = (
        ShowCoverage().button(t("reports.coverage_button")),
        TodayTally().button(t("reports.today_button")),
        MonthKpis().button(t("reports.kpi_button")),
        excel_choice(),
        Subscribe("d", on=not daily).button(
            t("reports.unsubscribe_daily" if daily else "reports.subscribe_daily")
        ),
        Subscribe("w", on=not weekly).button(
            t("reports.unsubscribe_weekly" if weekly else "reports.subscribe_weekly")
        ),
        menu_choice(),
    )
    return Reply(t("reports.hub", area=await area_of(ctx, scope)), choices=choices)


# ------------------------------------------------------------------------------- coverage


async def show_coverage(ctx: Context) -> Replies:
    """The table as text, then the chart with the buttons (today's snapshot is refreshed)."""
    choices = (excel_choice(), back_choice(), menu_choice())
    return await coverage_replies(ctx, await scope_of(ctx), choices)


async def coverage_replies(
    ctx: Context,
    scope: Scope,
    choices: tuple[Choice, ...],
    *,
    area: str | None = None,
    record: bool = True,
) -> Replies:
    """Coverage of the villages in scope: the table as text, then the chart with `choices`;
    `area` names them (default: the commune, or the villages), `record` refreshes today's
    snapshot."""
    settings = ctx.services.settings
    report = await coverage(
        ctx.session,
        scope,
        today_of(ctx),
        target_pct=settings.reports.coverage_target,
        register_complete_pct=settings.reports.register_complete_pct,
        record=record,
    )
    if area is None:
        villages = [v.name for v in report.villages]
        area = await area_name(ctx.session, scope, villages, settings.commune.name)
    chart = await asyncio.to_thread(render_png, report, area)
    return [
        Reply(coverage_text(report, area)),
        Reply(t("reports.chart_caption", area=area), image=chart, choices=choices),
    ]


# --------------------------------------------------------------------------------- tallies


def tally_reply(tally: TallyDigest, area: str, today: date) -> Reply:
    day = tally.day
    navigation: list[Choice] = []
    if day > FIRST_DAY:
        navigation.append(DayTally(day - timedelta(days=1)).button(t("reports.previous_day")))
    if day < today:
        navigation.append(DayTally(day + timedelta(days=1)).button(t("reports.next_day")))
    return Reply(
        tally_text(tally, area),
        choices=(*navigation, ShowCoverage().button(t("reports.see_coverage")), back_choice()),
        columns=2,
    )


async def show_tally(ctx: Context, day: date) -> Replies:
    today = today_of(ctx)
    if day > today:
        raise DomainError("reports.future_day", day=day_label(day))
    check_day(day)  # a button's day is user input too
    scope = await scope_of(ctx)
    tally = await tally_digest(ctx.session, scope, day)
    area = await area_name(
        ctx.session, scope, tally.village_names, ctx.services.settings.commune.name
    )
    return tally_reply(tally, area, today)


async def today_command(ctx: Context) -> Replies:
    """Today's tally."""
    return await show_tally(ctx, today_of(ctx))


async def day_tally(ctx: Context, pressed: DayTally) -> Replies:
    """Another day's tally (not a day still to come)."""
    return await show_tally(ctx, pressed.day)


async def tally_command(ctx: Context) -> Replies:
    """/tally [day]: without a day, today."""
    today = today_of(ctx)
    day = parse_day(" ".join(ctx.args), today) if ctx.args else today
    return await show_tally(ctx, day)


# ------------------------------------------------------------------------------------ KPIs


async def show_kpis(ctx: Context, month: Month | Period) -> Replies:
    scope = await scope_of(ctx)
    settings = ctx.services.settings
    report = await kpi_report(
        ctx.session, scope, month, today=today_of(ctx), targets=settings.reports, now=ctx.now
    )
    survey = await survey_report(ctx.session, scope, month.first, month.last)
    return Reply(
        f"{kpi_text(report, await area_of(ctx, scope))}\n\n{survey_text(survey)}",
        choices=(excel_choice(), back_choice(), menu_choice()),
    )


async def month_kpis(ctx: Context) -> Replies:
    """This month's KPIs."""
    return await show_kpis(ctx, Month.of(today_of(ctx)))


async def kpi_command(ctx: Context) -> Replies:
    """/kpi [YYYY-MM]: without a month, this month; with one's own targets, if any.
    /kpi 15/06/2026 15/09/2026: any period (a quarter, a year), for officials."""
    if len(ctx.args) >= 2:
        if not ctx.has_role(*ROLES):
            raise DomainError("periods.kpi_period_officials")
        return await show_kpis(ctx, Period.parse(ctx.args[0], ctx.args[1], today_of(ctx)))
    month = Month.parse(ctx.args[0]) if ctx.args else Month.of(today_of(ctx))
    if not ctx.has_role(*ROLES):  # a volunteer or officer: only their own targets
        return await targets.own_progress_reply(ctx, month)
    return await targets.with_own_progress(ctx, month, await show_kpis(ctx, month))


# ----------------------------------------------------------------------------------- Excel


async def send_workbook(ctx: Context, month: Month) -> Replies:
    # Deferred: openpyxl is loaded with the first workbook, not when the bot starts.
    from bot.services.reports.workbook import monthly_workbook

    scope = await scope_of(ctx)
    settings = ctx.services.settings
    area = await area_of(ctx, scope)
    content = await monthly_workbook(
        ctx.session,
        scope,
        month,
        now=ctx.now,
        tz=settings.commune.tz,
        targets=settings.reports,
        area=area,
        fields_of=ctx.services.catalog.procedure_fields(),
    )
    return Reply(
        t("reports.excel_caption", month=month.label, area=area),
        document=Document(f"bao-cao-{month.key}.xlsx", content),
        choices=(back_choice(), menu_choice()),
    )


async def month_workbook(ctx: Context) -> Replies:
    """This month's Excel workbook."""
    return await send_workbook(ctx, Month.of(today_of(ctx)))


# ---------------------------------------------------------------------------- subscriptions


async def subscribe(ctx: Context, pressed: Subscribe) -> Replies:
    """Join or leave a pushed report; pressing twice changes nothing."""
    kind, on = KINDS[pressed.kind], pressed.on
    await scope_of(ctx)
    existing = await ctx.session.get(ReportSubscription, (ctx.person.id, kind.value))
    reports = ctx.services.settings.reports
    if on and existing is None:
        ctx.session.add(
            ReportSubscription(person_id=ctx.person.id, kind=kind.value, created_at=ctx.now)
        )
    if not on and existing is not None:
        await ctx.session.execute(
            delete(ReportSubscription).where(
                ReportSubscription.person_id == ctx.person.id,
                ReportSubscription.kind == kind.value,
            )
        )
    await ctx.session.flush()
    if kind is ReportKind.DAILY_TALLY:
        key = "reports.subscribed_daily" if on else "reports.unsubscribed_daily"
        text = t(key, time=reports.daily_tally_time.strftime("%H:%M")) if on else t(key)
    else:
        key = "reports.subscribed_weekly" if on else "reports.unsubscribed_weekly"
        weekday = t(f"reports.weekday_{WEEKDAYS.index(reports.weekly_summary_day)}")
        time = reports.weekly_summary_time.strftime("%H:%M")
        text = t(key, weekday=weekday[:1].upper() + weekday[1:], time=time) if on else t(key)
    ctx.end_flow()
    menu = await menu_reply(ctx)
    return Reply(f"{text}\n\n{menu.text}", choices=menu.choices, replace=True)
