"""`dvcbot import households` and `dvcbot export households`: the register as a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.cli.assistance_import import import_assistance_file
from bot.cli.common import IMPORT_EPILOG, CommuneOption, import_status, run_admin_command
from bot.cli.reports import export_report
from bot.db.base import utcnow
from bot.locales import t
from bot.services import communes
from bot.services.household_io import ImportReport, export_households, import_households

import_cli = typer.Typer(
    help="Bring data in from Excel (.xlsx) or CSV files.", no_args_is_help=True
)
export_cli = typer.Typer(
    help="Write data out to Excel (.xlsx) or CSV files.", no_args_is_help=True
)


def show_report(report: ImportReport) -> None:
    """The summary, then each change, value kept from chat, warning and skipped row."""
    typer.echo(report.summary())
    for line in report.lines():
        typer.echo(line)
    if report.conflicts and not report.prefer_file:
        typer.echo(t("household_io.prefer_file_hint"))


@import_cli.command("households", epilog=IMPORT_EPILOG)
def import_household_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would change; write nothing.")
    ] = False,
    create_villages: Annotated[
        bool, typer.Option("--create-villages", help="Add villages the file names but we lack.")
    ] = False,
    prefer_file: Annotated[
        bool,
        typer.Option(
            "--prefer-file",
            help="Take the file's value even where it was changed in chat since the last import.",
        ),
    ] = False,
    commune: CommuneOption = None,
) -> None:
    """Import households; importing the same file again changes nothing.

    Lists each change; keeps (and lists) values changed in chat since the last import.
    """

    async def work(app: App) -> int:
        async with app.db.transaction() as session:
            into = await communes.acted_on(session, commune)
            report = await import_households(
                session,
                file,
                commune_id=into.id if into else None,
                actor_id=None,
                now=utcnow(),
                dry_run=dry_run,
                create_villages=create_villages,
                prefer_file=prefer_file,
            )
        show_report(report)
        return import_status(len(report.errors), report.accepted)

    run_admin_command(ctx, work)


import_cli.command("assistance", epilog=IMPORT_EPILOG)(import_assistance_file)


@export_cli.command("households")
def export_household_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(dir_okay=False, help="FILE.xlsx or FILE.csv")],
    commune: CommuneOption = None,
) -> None:
    """Write the whole household register (of one commune) to a spreadsheet."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            chosen = await communes.acted_on(session, commune)
            scope = await communes.village_ids(session, chosen.id) if chosen else None
            count = await export_households(session, file, village_ids=scope)
        typer.echo(f"Đã ghi {count} hộ vào {file}.")

    run_admin_command(ctx, work)


export_cli.command("report")(export_report)
