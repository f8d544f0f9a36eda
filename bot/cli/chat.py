"""`dvcbot run` (every configured channel and the scheduler) and `dvcbot chat` (the console)."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from bot.app import App
from bot.cli.common import settings_from, setup_logging, with_app
from bot.core import state
from bot.core.messages import Incoming
from bot.db.base import utcnow
from bot.db.models import Role
from bot.db.models.people import PROVINCE_ROLES
from bot.memory import freeze_startup_objects, use_one_malloc_arena, without_docstrings
from bot.services import people, places
from scheduler.jobs import deliver_outbox


def run(ctx: typer.Context) -> None:
    """Start every configured channel (long polling); with no token, chat in this terminal."""
    settings = settings_from(ctx)
    if settings.telegram.token is None and settings.zalo.token is None:
        typer.echo("Không có token Telegram hay Zalo: chạy kênh dòng lệnh (console).", err=True)
        chat(ctx)
        return
    without_docstrings()  # a long-running process: its memory matters, not its start
    setup_logging(settings)
    use_one_malloc_arena()  # before the database driver's thread starts
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
    freeze_startup_objects()
    async with app.running(channels):
        await stop.wait()


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
                commune_id = None
                if as_role not in PROVINCE_ROLES:
                    commune = await places.get_commune(session)  # the first, to try things
                    commune_id = commune.id if commune else None
                await people.grant_role(
                    session,
                    person,
                    as_role,
                    commune_id=commune_id,
                    granted_by_id=None,
                    now=utcnow(),
                )
        files_dir = settings.content.cache_dir / "console"
        console = ConsoleChannel(
            app.dispatcher, user_id=user, display_name=name, files_dir=files_dir
        )
        async with app.running([console]) as runtime:
            await console.run()
            await deliver_outbox(runtime)  # what arrived for this person while they typed

    with_app(settings, work)
