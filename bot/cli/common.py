"""What every CLI command shares: settings from the context, logging, running with the app."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

import typer

from bot.app import App, build_app
from bot.config import Settings
from bot.core.delivery import Sender

if TYPE_CHECKING:
    from scheduler.runtime import Runtime

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
    from bot.locales import t
    from bot.services.errors import DomainError

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


@asynccontextmanager
async def running_scheduler(app: App, senders: Sequence[Sender]) -> AsyncIterator[Runtime]:
    """Run the scheduled jobs (outbox delivery, planners) while the channels run."""
    from scheduler.leader import Leadership
    from scheduler.runtime import Runtime
    from scheduler.setup import RunningJobs, build_scheduler, stop_gracefully

    leadership = Leadership(app.engine)
    await leadership.refresh()
    runtime = Runtime(
        db=app.db,
        services=app.services,
        senders={sender.name: sender for sender in senders},
        leadership=leadership,
    )
    scheduler = build_scheduler(runtime)
    running = RunningJobs(scheduler)
    scheduler.start()
    try:
        yield runtime
    finally:
        await stop_gracefully(scheduler, running)
        await leadership.release()
