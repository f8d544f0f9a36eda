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
