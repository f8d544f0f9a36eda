"""`dvcbot report coverage|daily|kpi` and `dvcbot export report`: officials' reports in a terminal.

Text output is the same Vietnamese text the chat shows; --json prints the report as JSON with
English keys (documented in the README). Without --village a report covers the whole commune.
`report coverage` also records today's coverage snapshot, as viewing it in chat does.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.cli.common import run_admin_command
from bot.core.errors import DomainError
from bot.db.base import utcnow
from bot.services import places
from bot.services.reports.coverage import Scope, coverage
from bot.services.reports.kpis import Month, kpi_report
from bot.services.reports.tallies import daily_tally, parse_day
from bot.services.reports.text import area_label, coverage_text, kpi_text, tally_text
from bot.services.reports.workbook import monthly_workbook

report_cli = typer.Typer(
    help="Reports for officials: coverage per village, the daily tally, monthly KPIs.",
    no_args_is_help=True,
)

VillageOption = Annotated[
    str | None, typer.Option("--village", help="Only this village (accents optional).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (English keys).")]


def today_in(app: App) -> date:
    return utcnow().astimezone(app.settings.commune.tz).date()


async def scope_for(session: AsyncSession, village: str | None) -> tuple[Scope, list[str]]:
    if village is None:
        return None, []
    found = await places.find_village(session, village)
    if found is None:
        raise DomainError("reports.unknown_village", name=village)
    return frozenset({found.id}), [found.name]


def emit(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@report_cli.command("coverage")
def coverage_report(
    ctx: typer.Context, village: VillageOption = None, as_json: JsonOption = False
) -> None:
    """Account coverage per village and for the commune, with the change over 7 days."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            scope, names = await scope_for(session, village)
            report = await coverage(
                session, scope, today_in(app), target_pct=app.settings.reports.coverage_target
            )
        if as_json:
            emit(report.to_json())
        else:
            typer.echo(coverage_text(report, area_label(app.settings.commune.name, scope, names)))

    run_admin_command(ctx, work)


@report_cli.command("daily")
def daily_report(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD or DD/MM/YYYY (default: today).")
    ] = None,
    village: VillageOption = None,
    as_json: JsonOption = False,
) -> None:
    """Households assisted on a day per village, what was done, by whom, and the week so far."""

    async def work(app: App) -> None:
        today = today_in(app)
        wanted = parse_day(day, today) if day else today
        async with app.db.transaction() as session:
            scope, names = await scope_for(session, village)
            tally = await daily_tally(session, scope, wanted)
        if as_json:
            emit(tally.to_json())
        else:
            typer.echo(tally_text(tally, area_label(app.settings.commune.name, scope, names)))

    run_admin_command(ctx, work)


@report_cli.command("kpi")
def kpi(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="YYYY-MM.")],
    village: VillageOption = None,
    as_json: JsonOption = False,
) -> None:
    """The month's KPIs against the targets in config.toml, and the figures per helper."""

    async def work(app: App) -> None:
        wanted = Month.parse(month)
        async with app.db.transaction() as session:
            scope, names = await scope_for(session, village)
            report = await kpi_report(
                session,
                scope,
                wanted,
                today=today_in(app),
                targets=app.settings.reports,
                now=utcnow(),
            )
        if as_json:
            emit(report.to_json())
        else:
            typer.echo(kpi_text(report, area_label(app.settings.commune.name, scope, names)))

    run_admin_command(ctx, work)


def export_report(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(dir_okay=False, help="FILE.xlsx")],
    month: Annotated[str, typer.Option("--month", help="YYYY-MM.")],
    village: VillageOption = None,
) -> None:
    """The month's report workbook: coverage, daily tallies, KPIs and a sheet per helper."""

    async def work(app: App) -> None:
        if file.suffix.lower() != ".xlsx":
            raise DomainError("reports.need_xlsx")
        wanted = Month.parse(month)
        async with app.db.transaction() as session:
            scope, names = await scope_for(session, village)
            content = await monthly_workbook(
                session,
                scope,
                wanted,
                today=today_in(app),
                now=utcnow(),
                targets=app.settings.reports,
                area=area_label(app.settings.commune.name, scope, names),
            )
        file.write_bytes(content)
        typer.echo(f"Đã ghi báo cáo tháng {wanted.label} vào {file}.")

    run_admin_command(ctx, work)
