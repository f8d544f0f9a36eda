"""`dvcbot report coverage|daily|kpi` and `dvcbot export report`: officials' reports in a terminal.

Text output is the same Vietnamese text the chat shows; --json prints the report as JSON with
English keys (documented in the README). Without --village a report covers the whole commune;
`report kpi` without --month is this month's, as /kpi in chat. `report coverage` also records
today's coverage snapshot, as viewing it in chat does. The workbook of a past month is as of the
end of its last day, this month's as of now (bot/services/reports/workbook.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.cli.common import CommuneOption, run_admin_command
from bot.core.errors import DomainError
from bot.db.base import utcnow
from bot.locales import t
from bot.services import communes, places
from bot.services.reports.coverage import coverage
from bot.services.reports.daily import daily_tally
from bot.services.reports.digest import tally_digest
from bot.services.reports.figures import Scope
from bot.services.reports.kpis import Month, Period, kpi_report
from bot.services.reports.survey import survey_report
from bot.services.reports.survey_view import survey_text
from bot.services.reports.tallies import parse_day
from bot.services.reports.text import area_label, coverage_text, kpi_text, tally_text

report_cli = typer.Typer(
    help="Reports for officials: coverage per village, the daily tally, monthly KPIs.",
    no_args_is_help=True,
)

VillageOption = Annotated[
    str | None, typer.Option("--village", help="Only this village (accents optional).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (English keys).")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="First day, DD/MM/YYYY or YYYY-MM-DD (with --to).")
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last day, DD/MM/YYYY or YYYY-MM-DD (with --from).")
]


def wanted_period(
    month: str | None, first: str | None, last: str | None, today: date
) -> Month | Period | None:
    """--month, or --from/--to (not both; both ends needed); None when neither is given."""
    if first is None and last is None:
        return Month.parse(month) if month else None
    if month:
        raise DomainError("periods.month_or_range")
    if first is None or last is None:
        raise DomainError("periods.need_both")
    return Period.parse(first, last, today)


def today_in(app: App) -> date:
    return utcnow().astimezone(app.settings.commune.tz).date()


@dataclass(frozen=True)
class Area:
    scope: Scope
    label: str  # the commune's name, or the village's


async def area_for(
    app: App, session: AsyncSession, village: str | None, commune: str | None
) -> Area:
    """What --village and --commune ask for. With several communes one must be named;
    a village is looked up within it."""
    label, scope, commune_id = app.settings.commune.name, None, None
    found = await communes.acted_on(session, commune)
    if found is not None:
        label, commune_id = found.name, found.id
        scope = await communes.village_ids(session, found.id)
    if village is None:
        return Area(scope, label)
    place = await places.find_village(session, village, commune_id)
    if place is None:
        raise DomainError("reports.unknown_village", name=village)
    return Area(frozenset({place.id}), area_label(label, frozenset({place.id}), [place.name]))


def emit(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@report_cli.command("coverage")
def coverage_report(
    ctx: typer.Context,
    village: VillageOption = None,
    commune: CommuneOption = None,
    as_json: JsonOption = False,
) -> None:
    """Account coverage per village and for the commune, with the change over 7 days."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            area = await area_for(app, session, village, commune)
            report = await coverage(
                session,
                area.scope,
                today_in(app),
                target_pct=app.settings.reports.coverage_target,
                register_complete_pct=app.settings.reports.register_complete_pct,
            )
        if as_json:
            emit(report.to_json())
        else:
            typer.echo(coverage_text(report, area.label))

    run_admin_command(ctx, work)


@report_cli.command("province")
def province(
    ctx: typer.Context,
    as_json: JsonOption = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", dir_okay=False, help="Also draw FILE.png.")
    ] = None,
    workbook: Annotated[
        Path | None, typer.Option("--xlsx", dir_okay=False, help="Also write FILE.xlsx.")
    ] = None,
) -> None:
    """Every commune side by side, laggards first: coverage, households helped, the month's
    KPIs, open questions. `report coverage --commune NAME` shows one commune's villages."""
    from bot.services.reports.province import province_report
    from bot.services.reports.province_sheet import province_workbook
    from bot.services.reports.province_view import province_png, province_text

    async def work(app: App) -> None:
        if workbook is not None and workbook.suffix.lower() != ".xlsx":
            raise DomainError("reports.need_xlsx")
        async with app.db.transaction() as session:
            report = await province_report(session, today_in(app), targets=app.settings.reports)
        if chart is not None:
            chart.write_bytes(province_png(report))
        if workbook is not None:
            workbook.write_bytes(province_workbook(report))
        if as_json:
            emit(report.to_json())
        else:
            typer.echo(province_text(report))

    run_admin_command(ctx, work)


@report_cli.command("daily")
def daily_report(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD or DD/MM/YYYY (default: today).")
    ] = None,
    village: VillageOption = None,
    commune: CommuneOption = None,
    as_json: JsonOption = False,
) -> None:
    """Households assisted on a day per village, what was done, by whom, and the week so far."""

    async def work(app: App) -> None:
        today = today_in(app)
        wanted = parse_day(day, today) if day else today
        async with app.db.transaction() as session:
            area = await area_for(app, session, village, commune)
            if as_json:  # every village with its work
                emit((await daily_tally(session, area.scope, wanted)).to_json())
            else:
                typer.echo(tally_text(await tally_digest(session, area.scope, wanted), area.label))

    run_admin_command(ctx, work)


@report_cli.command("kpi")
def kpi(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this month).")
    ] = None,
    village: VillageOption = None,
    commune: CommuneOption = None,
    as_json: JsonOption = False,
    first: FromOption = None,
    last: ToOption = None,
) -> None:
    """The month's (or --from/--to period's) KPIs against the targets, and per helper."""

    async def work(app: App) -> None:
        wanted = wanted_period(month, first, last, today_in(app)) or Month.of(today_in(app))
        async with app.db.transaction() as session:
            area = await area_for(app, session, village, commune)
            report = await kpi_report(
                session,
                area.scope,
                wanted,
                today=today_in(app),
                targets=app.settings.reports,
                now=utcnow(),
            )
            survey = await survey_report(session, area.scope, wanted.first, wanted.last)
        if as_json:
            emit({**report.to_json(), "survey": survey.to_json()})
        else:
            typer.echo(kpi_text(report, area.label))
            typer.echo("\n" + survey_text(survey))

    run_admin_command(ctx, work)


def export_report(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(dir_okay=False, help="FILE.xlsx")],
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (or --from and --to).")
    ] = None,
    village: VillageOption = None,
    commune: CommuneOption = None,
    first: FromOption = None,
    last: ToOption = None,
) -> None:
    """The month's (or period's) workbook: coverage, daily tallies, villages × days, KPIs, and
    a sheet per helper."""
    # Deferred: openpyxl is loaded for this command only, not by every `dvcbot` command.
    from bot.services.reports.workbook import monthly_workbook

    async def work(app: App) -> None:
        if file.suffix.lower() != ".xlsx":
            raise DomainError("reports.need_xlsx")
        wanted = wanted_period(month, first, last, today_in(app))
        if wanted is None:
            raise DomainError("periods.need_month_or_range")
        async with app.db.transaction() as session:
            area = await area_for(app, session, village, commune)
            content = await monthly_workbook(
                session,
                area.scope,
                wanted,
                now=utcnow(),
                tz=app.settings.commune.tz,
                targets=app.settings.reports,
                area=area.label,
                fields_of=app.services.catalog.procedure_fields(),
            )
        file.write_bytes(content)
        if isinstance(wanted, Month):
            typer.echo(f"Đã ghi báo cáo tháng {wanted.label} vào {file}.")
        else:
            typer.echo(t("periods.workbook_written", period=wanted.label, file=file))

    run_admin_command(ctx, work)
