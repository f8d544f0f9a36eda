"""What every CLI command shares: settings from the context, logging, running with the app."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from bot.app import App, build_app
from bot.config import Settings

T = TypeVar("T")


def settings_from(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


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


def run_admin_command(ctx: typer.Context, work: Callable[[App], Awaitable[int | None]]) -> None:
    """Run a one-off command with the app; a broken rule is one polite line and exit code 1."""
    from bot.core.errors import DomainError
    from bot.locales import t

    settings = settings_from(ctx)
    setup_logging(settings, quiet=True)

    async def guarded(app: App) -> int:
        try:
            return await work(app) or 0
        except DomainError as problem:
            typer.echo(f"dvcbot: {t(problem.key, **problem.values)}", err=True)
            return 1

    code = with_app(settings, guarded)
    if code:
        raise typer.Exit(code)
