"""`dvcbot targets set|import|show`: monthly targets per person and field of procedures.

PERSON is a name (accents optional) or a phone; a name several people share is refused with
the candidates listed (phones masked). FIELD is a field's Vietnamese name ("Hộ tịch") or id
("civil-status"). `show` prints everyone's targets of the month with what each person did.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.cli.common import IMPORT_EPILOG, CommuneOption, import_status, run_admin_command
from bot.db.base import utcnow
from bot.locales import t
from bot.services import communes, targets
from bot.services.reports.kpis import Month
from bot.services.targets_import import import_targets
from bot.services.targets_text import everyone_text

targets_cli = typer.Typer(
    help="Monthly targets per person and field of procedures.", no_args_is_help=True
)

MonthOption = Annotated[str, typer.Option("--month", help="YYYY-MM.")]
CountOption = Annotated[str, typer.Option(help="How many dossiers (a whole number).")]


def this_month(app: App) -> Month:
    return Month.of(utcnow().astimezone(app.settings.commune.tz).date())


@targets_cli.command("set")
def set_target(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Name or phone of the volunteer or officer.")],
    field: Annotated[str, typer.Argument(help='Field, e.g. "Hộ tịch" or civil-status.')],
    month: MonthOption,
    submitted: CountOption,
    digitised: CountOption,
    paid: CountOption,
    commune: CommuneOption = None,
) -> None:
    """Set one person's target of one field for a month (changes an existing one)."""

    async def work(app: App) -> None:
        wanted = Month.parse(month)
        chosen = targets.parse_field(field)
        numbers = targets.Numbers(*(targets.parse_count(n) for n in (submitted, digitised, paid)))
        async with app.db.transaction() as session:
            within = await communes.acted_on(session, commune)
            found = await targets.find_person(session, person, within.id if within else None)
            outcome = await targets.set_target(
                session, found, chosen, wanted, numbers, actor_id=None, now=utcnow()
            )
            name = found.display_name
        typer.echo(
            t(
                f"targets.saved_{outcome}",
                month=wanted.label,
                name=name,
                field=targets.field_label(chosen),
                **numbers.as_dict(),
            )
        )

    run_admin_command(ctx, work)


@targets_cli.command("import", epilog=IMPORT_EPILOG)
def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv")],
    month: MonthOption,
    commune: CommuneOption = None,
) -> None:
    """Import a month's targets: columns person (name or phone), field, submitted, digitised,
    paid; bad rows are listed with their row number and skipped."""

    async def work(app: App) -> int:
        wanted = Month.parse(month)
        async with app.db.transaction() as session:
            within = await communes.acted_on(session, commune)
            report = await import_targets(
                session,
                file,
                wanted,
                actor_id=None,
                now=utcnow(),
                commune_id=within.id if within else None,
            )
        typer.echo(report.summary())
        for line in report.lines():
            typer.echo(line)
        return import_status(len(report.errors), report.accepted)

    run_admin_command(ctx, work)


@targets_cli.command("show")
def show(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this month).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (English keys).")] = False,
    commune: CommuneOption = None,
) -> None:
    """Everyone's targets of the month (the commune's staff's), with what each did per field."""

    async def work(app: App) -> None:
        wanted = Month.parse(month) if month else this_month(app)
        fields_of = app.services.catalog.procedure_fields()
        async with app.db.transaction() as session:
            within = await communes.acted_on(session, commune)
            items = await targets.progress(
                session,
                wanted.first,
                wanted.last,
                fields_of=fields_of,
                commune_id=within.id if within else None,
            )
        if as_json:
            data = {"month": wanted.key, "targets": [item.to_json() for item in items]}
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            typer.echo(everyone_text(items, wanted))

    run_admin_command(ctx, work)
