"""/province: the province's view for province officials and admins: every commune side by
side with the laggards first (text and chart), the sheet as Excel, a drill-down into the
villages of the communes listed first, and for province admins the way to add a commune."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.actions.province import (
    AddCommune,
    CommuneSurvey,
    CommuneVillages,
    ProvinceView,
    ProvinceWorkbook,
)
from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.messages import Choice, Document, Replies, Reply
from bot.db.models import Commune, Role
from bot.db.models.people import PROVINCE_ROLES
from bot.locales import t
from bot.services import communes
from bot.services.reports.kpis import Month
from bot.services.reports.province import province_report
from bot.services.reports.province_view import province_png, province_text
from bot.services.reports.survey import survey_report
from bot.services.reports.survey_view import survey_text
from bot.services.reports.text import day_label
from handlers.reports import coverage_replies

ROLES = set(PROVINCE_ROLES)
ADDERS = Role.PROVINCE_ADMIN  # also add communes (handlers/commune_create.py)
DRILL_DOWN = 8  # buttons for the communes listed first (the laggards)


def today_of(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.services.settings.commune.tz).date()


def back_choice() -> Choice:
    return ProvinceView().button(t("province.back"))


async def show(ctx: Context) -> Replies:
    """Every commune, laggards first: the text, then the chart with the drill-down buttons."""
    ctx.end_flow()
    report = await province_report(
        ctx.session, today_of(ctx), targets=ctx.services.settings.reports
    )
    chart = await asyncio.to_thread(province_png, report)
    drill = tuple(
        CommuneVillages(row.commune_id).button(row.name[:60])
        for row in report.communes[:DRILL_DOWN]
        if row.commune_id is not None
    )
    excel = ProvinceWorkbook().button(t("reports.excel_button"))
    add = (AddCommune().button(t("province.add_button")),) if ctx.has_role(ADDERS) else ()
    return [
        Reply(province_text(report)),
        Reply(
            t("province.chart_caption", day=day_label(report.day)),
            image=chart,
            choices=(*drill, excel, *add, menu_choice()),
            columns=2,
        ),
    ]


async def commune_villages(ctx: Context, pressed: CommuneVillages) -> Replies:
    """One commune's coverage per village, as its own officials see it."""
    commune = await commune_pressed(ctx, pressed.commune)
    scope = await communes.village_ids(ctx.session, commune.id)
    survey = CommuneSurvey(commune.id).button(t("province.survey_button"))
    choices = (survey, back_choice(), menu_choice())
    return await coverage_replies(ctx, scope, choices, area=commune.name, record=False)


async def commune_survey(ctx: Context, pressed: CommuneSurvey) -> Replies:
    """One commune's satisfaction survey this month, as its own officials see it."""
    commune = await commune_pressed(ctx, pressed.commune)
    scope = await communes.village_ids(ctx.session, commune.id)
    month = Month.of(today_of(ctx))
    report = await survey_report(ctx.session, scope, month.first, month.last)
    villages = CommuneVillages(commune.id).button(t("province.commune_back", name=commune.name))
    return Reply(
        f"{commune.name}\n{survey_text(report)}",
        choices=(villages, back_choice(), menu_choice()),
    )


async def commune_pressed(ctx: Context, commune_id: int) -> Commune:
    commune = await ctx.session.get(Commune, commune_id)
    if commune is None:
        raise UserError(t("errors.bad_button"))
    return commune


async def workbook(ctx: Context) -> Replies:
    """The province's sheet as an Excel file."""
    # Deferred: openpyxl is loaded when a workbook is asked for, not by the idle bot.
    from bot.services.reports.province_sheet import province_workbook

    report = await province_report(
        ctx.session, today_of(ctx), targets=ctx.services.settings.reports
    )
    content = await asyncio.to_thread(province_workbook, report)
    return Reply(
        t("province.workbook_caption", day=day_label(report.day)),
        document=Document(f"bao-cao-tinh-{report.day.isoformat()}.xlsx", content),
        choices=(back_choice(), menu_choice()),
    )
