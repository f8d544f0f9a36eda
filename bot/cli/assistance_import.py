"""`dvcbot import assistance FILE`: help logged in the desk's own sheet, into the log.

Same forgiving reading, row errors and exit statuses as `import households`; importing the same
file again changes nothing (bot/services/assistance_io/importer.py says how).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.cli.common import CommuneOption, import_status, run_admin_command
from bot.content.catalog import GuideGroup
from bot.db.base import utcnow
from bot.services import communes
from bot.services.assistance_io import import_assistance


def import_assistance_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be imported; write nothing.")
    ] = False,
    commune: CommuneOption = None,
) -> None:
    """Import help logged in the desk's own sheet; importing it again changes nothing.

    Columns: day, village, household code (or head), helper (name or phone), the actions done,
    procedure. Bad rows are listed and skipped.
    """

    async def work(app: App) -> int:
        catalog = app.services.catalog
        procedures = {
            name: guide.id
            for guide in catalog.by_group(GuideGroup.PROCEDURES)
            for name in (guide.id, guide.title)
        }
        async with app.db.transaction() as session:
            into = await communes.acted_on(session, commune)
            report = await import_assistance(
                session,
                file,
                commune_id=into.id if into else None,
                procedures=procedures,
                now=utcnow(),
                tz=app.settings.commune.tz,
                dry_run=dry_run,
            )
        typer.echo(report.summary())
        for line in report.lines():
            typer.echo(line)
        return import_status(len(report.errors), report.accepted)

    run_admin_command(ctx, work)
