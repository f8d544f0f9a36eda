"""`dvcbot db`: the database schema (upgrade, revision) and the kept figures (check)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import App
from bot.cli.common import settings_from, setup_logging, with_app
from bot.cli.counters import db_check

db_cli = typer.Typer(help="Database schema commands.", no_args_is_help=True)
db_cli.command("check")(db_check)


@db_cli.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply all database migrations (also done automatically at start)."""
    settings = settings_from(ctx)
    setup_logging(settings)

    async def work(app: App) -> None:
        from bot.db.migrate import current_revision

        typer.echo(f"Database at revision {await current_revision(app.engine)}.")

    with_app(settings, work)


@db_cli.command("revision")
def db_revision(
    ctx: typer.Context,
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does.")],
) -> None:
    """For developers: write a new migration from the changes in the models."""
    from bot.db.migrate import make_revision

    settings = settings_from(ctx)
    with_app(settings, lambda app: make_revision(app.engine, message))
