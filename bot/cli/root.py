"""The `dvcbot` command line."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.cli.assistance_import import import_assistance_file
from bot.cli.common import IMPORT_EPILOG, refuse, settings_from, setup_logging, with_app
from bot.cli.counters import db_check
from bot.cli.households import export_cli, import_cli
from bot.cli.places import invite, locations_cli, villages_cli
from bot.cli.posters import poster
from bot.cli.reports import report_cli
from bot.cli.serve import serve, webhook_cli
from bot.cli.shifts import shifts_cli
from bot.cli.targets import targets_cli
from bot.config import ConfigError, load_settings
from bot.core import state
from bot.core.messages import Incoming
from bot.db.base import utcnow
from bot.db.models import Role
from bot.services import people
from scheduler.jobs import deliver_outbox

cli = typer.Typer(
    help="dvcbot: public-service help bot and volunteer coordinator for communes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema commands.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
db_cli.command("check")(db_check)
cli.add_typer(villages_cli, name="villages")
cli.add_typer(locations_cli, name="locations")
cli.command()(invite)
cli.add_typer(import_cli, name="import")
import_cli.command("assistance", epilog=IMPORT_EPILOG)(import_assistance_file)
cli.add_typer(export_cli, name="export")
cli.add_typer(report_cli, name="report")
cli.add_typer(shifts_cli, name="shifts")
cli.add_typer(targets_cli, name="targets")
cli.command()(serve)
cli.add_typer(webhook_cli, name="webhook")
cli.command()(poster)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Path to config.toml (default: $DVCBOT_CONFIG, then ./config.toml if present).",
    ),
]


@cli.callback()
def main_options(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Read the configuration once for every command."""
    try:
        ctx.obj = load_settings(config)
    except ConfigError as problem:
        refuse(problem)


@cli.command()
def run(ctx: typer.Context) -> None:
    """Start every configured channel (long polling); with no token, chat in this terminal."""
    settings = settings_from(ctx)
    if settings.telegram.token is None and settings.zalo.token is None:
        typer.echo("Không có token Telegram hay Zalo: chạy kênh dòng lệnh (console).", err=True)
        chat(ctx)
        return
    setup_logging(settings)
    with_app(settings, _run_channels)


async def _run_channels(app: App) -> None:
    from bot.app import Channel
    from bot.channels.telegram import TelegramChannel
    from bot.channels.zalo import ZaloChannel

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    channels: list[Channel] = []
    if app.settings.telegram.token is not None:
        channels.append(TelegramChannel(app.settings.telegram, app.dispatcher))
    if app.settings.zalo.token is not None:
        channels.append(ZaloChannel(app.settings.zalo, app.dispatcher))
    async with app.running(channels):
        await stop.wait()


@cli.command()
def chat(
    ctx: typer.Context,
    user: Annotated[str, typer.Option(help="Who you are in this chat (an id of your choice).")] = (
        "local"
    ),
    as_role: Annotated[
        Role | None,
        typer.Option("--as", help="Also give yourself this role, to try staff features."),
    ] = None,
    name: Annotated[str, typer.Option(help="Your name as the bot and other staff see it.")] = "",
) -> None:
    """Chat with the bot in this terminal (reads until end of input, so it also works piped)."""
    from bot.channels.console import CHANNEL, ConsoleChannel

    settings = settings_from(ctx)
    setup_logging(settings, quiet=True)

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            local = Incoming(channel=CHANNEL, chat_id=user, user_id=user, display_name=name)
            person, _ = await state.identify(session, local, utcnow())
            if name:
                person.display_name = name[:200]
            if as_role is not None and as_role is not Role.CITIZEN:
                await people.grant_role(session, person, as_role, granted_by_id=None, now=utcnow())
        files_dir = settings.content.cache_dir / "console"
        console = ConsoleChannel(
            app.dispatcher, user_id=user, display_name=name, files_dir=files_dir
        )
        async with app.running([console]) as runtime:
            await console.run()
            await deliver_outbox(runtime)  # what arrived for this person while they typed

    with_app(settings, work)


@cli.command()
def ask(
    ctx: typer.Context,
    question: Annotated[
        str | None, typer.Argument(help="The question; without it, one question per input line.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per line.")
    ] = False,
) -> None:
    """Show which guide the bot would answer a question with (no database needed)."""
    from bot.content.catalog import load_catalog
    from bot.services.guides.matching import GuideMatcher

    settings = settings_from(ctx)
    setup_logging(settings, quiet=True)
    catalog = load_catalog(settings.content.guides_dir)
    matcher = GuideMatcher.from_catalog(catalog)
    questions = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in questions:
        match = matcher.match(text)
        if as_json:
            result = {
                "question": text,
                "guide": match.guide_id,
                "score": round(match.score, 4),
                "alternatives": list(match.alternatives),
            }
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            guide = catalog.get(match.guide_id) if match.guide_id else None
            title = guide.title if guide else "— ngoài phạm vi hỗ trợ"
            others = f"  (hoặc: {', '.join(match.alternatives)})" if match.alternatives else ""
            typer.echo(f"{match.guide_id or 'none'}  {match.score:.2f}  {title}{others}")


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


def main() -> None:
    cli(prog_name="dvcbot")
