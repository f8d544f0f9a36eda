"""`dvcbot serve` (the web app under uvicorn, several workers on PostgreSQL) and
`dvcbot webhook set|delete|info` (Telegram's webhook by hand)."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import text

from bot.cli.common import refuse, settings_from, setup_logging, with_app
from bot.config import CONFIG_ENV_VAR, Settings, StartupError
from bot.db.engine import is_sqlite
from bot.memory import without_docstrings

if TYPE_CHECKING:
    from telegram import Bot

    from bot.app import App

webhook_cli = typer.Typer(help="Telegram's webhook, set by hand.", no_args_is_help=True)
WEBHOOK_PATH = "/telegram"
ZALO_WEBHOOK_PATH = "/zalo"
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's multiprocess mode
SPARE_CONNECTIONS = 5  # the parent's, psql, a backup: what an operator also needs at once

log = logging.getLogger(__name__)


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on ([web] host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on ([web] port).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes ([web] workers; >1 needs PostgreSQL).")
    ] = None,
) -> None:
    """Run the web app: Telegram by webhook, links to pictures and files, health, metrics."""
    import uvicorn

    settings = settings_from(ctx)
    web = settings.web.model_copy(
        update={
            key: value
            for key, value in (("host", host), ("port", port), ("workers", workers))
            if value is not None
        }
    )
    if web.workers > 1 and is_sqlite(settings.database.url):
        refuse(
            StartupError(
                "SQLite is for one process: with --workers above 1, set [database] url to "
                "PostgreSQL (postgresql+asyncpg://…)."
            )
        )
    without_docstrings()  # long-running, as `dvcbot run`; uvicorn's workers inherit the flag
    setup_logging(settings)

    async def prepare(app: App) -> None:
        await register_webhook(app)
        await check_connections(app, web.workers)

    with_app(settings, prepare)  # migrations run once, here, before the workers start
    config_file = getattr(type(settings), "toml_path", None)
    if config_file is not None:  # the workers read the same file
        os.environ[CONFIG_ENV_VAR] = str(config_file)
    share_metrics(web.workers)
    uvicorn.run(
        "bot.web.app:create_app",
        factory=True,
        host=web.host,
        port=web.port,
        workers=web.workers,
        log_config=None,  # ours (bot/logs.py), so the token stays masked
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=30,
    )


def share_metrics(workers: int) -> None:
    """With several workers, a fresh private directory where each one keeps its metrics, so
    /metrics adds them all up; removed when serving ends."""
    # Values left by an earlier run would be counted again, and one worker needs no directory.
    os.environ.pop(METRICS_DIR_ENV, None)
    if workers == 1:
        return
    directory = tempfile.mkdtemp(prefix="dvcbot-metrics-")  # mode 0700
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    os.environ[METRICS_DIR_ENV] = directory  # before uvicorn starts the workers, which read it


async def check_connections(app: App, workers: int) -> bool:
    """Whether PostgreSQL accepts every worker's pool; a warning says how to fix it if not."""
    if is_sqlite(app.settings.database.url):
        return True
    async with app.sessionmaker() as session:
        allowed = int(await session.scalar(text("SHOW max_connections")) or 0)
        reserved = int(await session.scalar(text("SHOW superuser_reserved_connections")) or 0)
    wanted = workers * app.settings.database.pool_size + SPARE_CONNECTIONS
    if wanted <= allowed - reserved:
        return True
    log.warning(
        "%d workers x [database] pool_size %d need up to %d PostgreSQL connections; the server "
        "accepts %d: lower pool_size or --workers, or raise max_connections",
        workers,
        app.settings.database.pool_size,
        wanted,
        allowed - reserved,
    )
    return False


async def register_webhook(app: App) -> None:
    """At start: point Telegram's and Zalo's webhooks here when a token and a secret are set."""
    settings = app.settings
    if settings.telegram.token is not None and settings.telegram.webhook_secret is not None:
        await set_webhook(settings)
    if settings.zalo.token is not None and settings.zalo.webhook_secret is not None:
        await set_zalo_webhook(settings)


async def set_zalo_webhook(settings: Settings) -> str:
    """setWebhook with <public_url>/zalo and the secret; returns the address."""
    # Deferred: the messenger clients are loaded by the commands that talk to them.
    from bot.channels.zalo import start_problem as zalo_start_problem
    from bot.channels.zalo_client import ZaloClient, ZaloError

    public_url = needs_public_url(settings)
    assert settings.zalo.token is not None and settings.zalo.webhook_secret is not None
    client = ZaloClient(settings.zalo.token.get_secret_value(), settings.zalo.base_url)
    url = public_url + ZALO_WEBHOOK_PATH
    try:
        await client.set_webhook(url, settings.zalo.webhook_secret.get_secret_value())
    except ZaloError as error:
        raise StartupError(zalo_start_problem(error)) from None
    finally:
        await client.close()
    return url


async def set_webhook(settings: Settings) -> str:
    """setWebhook with <public_url>/telegram and the secret; returns the address."""
    # Deferred: the messenger clients are loaded by the commands that talk to them.
    from telegram.error import TelegramError

    from bot.channels.telegram_errors import start_problem
    from bot.channels.telegram_updates import ALLOWED_UPDATES

    public_url = needs_public_url(settings)
    assert settings.telegram.webhook_secret is not None
    url = public_url + WEBHOOK_PATH
    try:
        async with bot_for(settings) as bot:
            await bot.set_webhook(
                url,
                secret_token=settings.telegram.webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
    except TelegramError as error:
        raise StartupError(start_problem(error, settings.telegram)) from None
    return url


def needs_public_url(settings: Settings) -> str:
    if settings.web.public_url is None:
        raise StartupError(
            "Webhooks need the address Telegram and Zalo can reach: set [web] public_url "
            "(DVCBOT_WEB__PUBLIC_URL), for example https://dvc.example.gov.vn."
        )
    return settings.web.public_url


def bot_for(settings: Settings) -> Bot:
    # Deferred: the messenger clients are loaded by the commands that talk to them.
    from telegram import Bot

    if settings.telegram.token is None:
        raise StartupError("Set telegram.token (DVCBOT_TELEGRAM__TOKEN) first.")
    return Bot(
        settings.telegram.token.get_secret_value(),
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
    )


@webhook_cli.command("set")
def webhook_set(ctx: typer.Context) -> None:
    """Point Telegram's webhook at <web.public_url>/telegram, with the webhook secret."""
    settings = checked(ctx)
    if settings.telegram.webhook_secret is None:
        refuse(StartupError("Set telegram.webhook_secret (DVCBOT_TELEGRAM__WEBHOOK_SECRET)."))

    async def work(_: App) -> str:
        return await set_webhook(settings)

    typer.echo(f"Webhook: {with_app(settings, work)}")


@webhook_cli.command("delete")
def webhook_delete(ctx: typer.Context) -> None:
    """Remove the webhook (for `dvcbot run`, which polls); pending updates are kept."""
    settings = checked(ctx)

    async def work(_: App) -> None:
        async with bot_for(settings) as bot:
            await bot.delete_webhook(drop_pending_updates=False)

    with_app(settings, work)
    typer.echo("Webhook removed; updates wait for `dvcbot run` or the next webhook.")


@webhook_cli.command("info")
def webhook_info(ctx: typer.Context) -> None:
    """Where Telegram sends updates now, how many wait, and its last error."""
    settings = checked(ctx)

    async def work(_: App) -> str:
        async with bot_for(settings) as bot:
            info = await bot.get_webhook_info()
        lines = [
            f"url: {info.url or '(none: polling)'}",
            f"pending updates: {info.pending_update_count}",
        ]
        if info.last_error_message:
            lines.append(f"last error: {info.last_error_message}")
        return "\n".join(lines)

    typer.echo(with_app(settings, work))


def checked(ctx: typer.Context) -> Settings:
    settings = settings_from(ctx)
    setup_logging(settings, quiet=True)
    if settings.telegram.token is None:
        refuse(StartupError("Set telegram.token (DVCBOT_TELEGRAM__TOKEN) first."))
    return settings
