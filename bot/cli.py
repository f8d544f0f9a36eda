"""The `dvcbot` command line."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from bot.app import App, build_app
from bot.config import ConfigError, Settings, load_settings

T = TypeVar("T")

cli = typer.Typer(
    help="dvcbot: public-service help bot and volunteer coordinator for communes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema commands.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Path to config.toml (default: $DVCBOT_CONFIG, then ./config.toml if present).",
    ),
]


def settings_from(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


@cli.callback()
def main_options(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Read the configuration once for every command."""
    try:
        ctx.obj = load_settings(config)
    except ConfigError as problem:
        typer.echo(f"dvcbot: {problem}", err=True)
        raise typer.Exit(2) from None


def setup_logging(settings: Settings, *, quiet: bool = False) -> None:
    level = logging.WARNING if quiet else getattr(logging, settings.bot.log_level.upper(), 20)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


def with_app(settings: Settings, work: Callable[[App], Awaitable[T]]) -> T:
    """Build the app, prepare the database, run `work`, and close everything."""

    async def runner() -> T:
        app = build_app(settings)
        try:
            await app.prepare_database()
            return await work(app)
        finally:
            await app.close()

    return asyncio.run(runner())


@cli.command()
def run(ctx: typer.Context) -> None:
    """Start every configured channel; with no Telegram token, chat in this terminal."""
    settings = settings_from(ctx)
    if settings.telegram.token is None:
        typer.echo("Không có token Telegram: chạy kênh dòng lệnh (console).", err=True)
        chat(ctx)
        return
    setup_logging(settings)
    with_app(settings, _run_channels)


async def _run_channels(app: App) -> None:
    from bot.channels.telegram import TelegramChannel

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    channel = TelegramChannel(app.settings.telegram, app.dispatcher)
    await channel.run_until(stop)


@cli.command()
def chat(
    ctx: typer.Context,
    user: Annotated[str, typer.Option(help="Who you are in this chat (an id of your choice).")] = (
        "local"
    ),
) -> None:
    """Chat with the bot in this terminal (reads until end of input, so it also works piped)."""
    from bot.channels.console import ConsoleChannel

    settings = settings_from(ctx)
    setup_logging(settings, quiet=True)

    async def work(app: App) -> None:
        await ConsoleChannel(app.dispatcher, user_id=user).run()

    with_app(settings, work)


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
