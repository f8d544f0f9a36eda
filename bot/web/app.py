"""The ASGI app of `dvcbot serve`, one per worker process: each worker builds the bot, starts
its channels (Telegram and Zalo by webhook) and the scheduler, and serves the routes below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import Route

from bot import logs
from bot.app import App, Channel, build_app
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.config import Settings, load_settings
from bot.memory import collect_less_often, freeze_startup_objects, use_one_malloc_arena
from bot.web import health, media, metrics, telegram, zalo
from scheduler.runtime import Runtime


@dataclass
class Served:
    """What the routes of a running worker reach (request.app.state.served)."""

    app: App
    runtime: Runtime
    telegram: TelegramChannel | None
    zalo: ZaloChannel | None


def create_app(settings: Settings | None = None) -> Starlette:
    """The web app; uvicorn calls this in each worker (settings from config and environment)."""
    settings = settings or load_settings()
    logs.setup_for(settings)
    meters = metrics.Metrics()

    @asynccontextmanager
    async def lifespan(web: Starlette) -> AsyncIterator[None]:
        use_one_malloc_arena()
        collect_less_often()
        app = build_app(settings)
        telegram_channel, zalo_channel = webhook_channels(settings, app)
        freeze_startup_objects()
        channels: list[Channel] = [c for c in (telegram_channel, zalo_channel) if c is not None]
        try:
            async with (
                app.running(channels, observer=meters) as runtime,
                meters.following(runtime),
            ):
                web.state.served = Served(app, runtime, telegram_channel, zalo_channel)
                yield
        finally:
            await app.close()

    routes = [
        Route("/telegram", telegram.webhook, methods=["POST"]),
        Route("/zalo", zalo.webhook, methods=["POST"]),
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/metrics", meters.endpoint, methods=["GET"]),
        Route("/media/{token}/{filename}", media.picture, methods=["GET"]),
        Route("/files/{token}/{filename}", media.file, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def webhook_channels(
    settings: Settings, app: App
) -> tuple[TelegramChannel | None, ZaloChannel | None]:
    """Telegram and Zalo, each receiving by webhook when its token and secret are configured."""
    telegram_channel = zalo_channel = None
    if settings.telegram.token is not None and settings.telegram.webhook_secret is not None:
        telegram_channel = TelegramChannel(settings.telegram, app.dispatcher, webhook=True)
    if settings.zalo.token is not None and settings.zalo.webhook_secret is not None:
        zalo_channel = ZaloChannel(settings.zalo, app.dispatcher, webhook=True)
    return telegram_channel, zalo_channel
