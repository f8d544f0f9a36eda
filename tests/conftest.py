"""Shared fixtures: a migrated database per test on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.app import App, build_app
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.config import BotSettings, DatabaseSettings, Settings, TelegramSettings, ZaloSettings
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from tests.fakes import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer

POSTGRES_ENV = "DVCBOT_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file that each test copies, so migrations run once."""
    import asyncio

    path = tmp_path_factory.mktemp("template") / "template.db"

    async def migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


def pg_admin_dsn() -> str:
    url = make_url(os.environ[POSTGRES_ENV])
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database used as the template for each test's database."""
    import asyncio

    if "postgresql" not in BACKENDS:
        yield ""
        return
    name = f"dvcbot_tpl_{uuid.uuid4().hex[:8]}"
    base = make_url(os.environ[POSTGRES_ENV])

    async def create() -> None:
        admin = await asyncpg.connect(pg_admin_dsn())
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        engine = create_engine(base.set(database=name).render_as_string(hide_password=False))
        await upgrade(engine)
        await engine.dispose()

    async def drop() -> None:
        admin = await asyncpg.connect(pg_admin_dsn())
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    asyncio.run(create())
    yield name
    asyncio.run(drop())


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, postgres_template: str
) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"dvcbot_t_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_admin_dsn())
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    await admin.close()
    yield (
        make_url(os.environ[POSTGRES_ENV]).set(database=name).render_as_string(hide_password=False)
    )
    admin = await asyncpg.connect(pg_admin_dsn())
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url),
        bot=BotSettings(demo_data=False),
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    """The real application wired as in production, on the test database."""
    application = build_app(settings)
    await application.prepare_database()
    yield application
    await application.close()


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest.fixture
async def telegram(
    request: pytest.FixtureRequest, app: App, fake_telegram: FakeTelegramServer
) -> AsyncIterator[TelegramChannel]:
    """Our real Telegram channel, long-polling the fake Bot API server over HTTP; on the HTTP
    client a test names by indirect parametrization, else the default."""
    settings = TelegramSettings(
        token=SecretStr("123456:TEST-TOKEN"),
        base_url=fake_telegram.base_url,
        base_file_url=fake_telegram.base_file_url,
        poll_timeout=1,
    )
    if hasattr(request, "param"):
        settings = settings.model_copy(update={"http_client": request.param})
    channel = TelegramChannel(settings, app.dispatcher)
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer() as server:
        yield server


@pytest.fixture
async def zalo(app: App, fake_zalo: FakeZaloServer) -> AsyncIterator[ZaloChannel]:
    """Our real Zalo channel, polling the fake Zalo Bot API server over HTTP."""
    settings = ZaloSettings(token=SecretStr(fake_zalo.token), base_url=fake_zalo.base_url)
    channel = ZaloChannel(settings, app.dispatcher)
    await channel.start()
    yield channel
    await channel.stop()
