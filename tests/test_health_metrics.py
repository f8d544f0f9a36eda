"""GET /healthz and GET /metrics over HTTP on the real web app, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import text
from starlette.applications import Starlette

from bot.app import App
from bot.cli import serve
from bot.config import Settings, WebSettings
from bot.core.delivery import DeliveryError, FailureKind
from bot.core.messages import Reply
from bot.db.base import utcnow
from bot.db.engine import Database, create_engine, is_sqlite
from bot.services import outbox
from bot.web import health
from bot.web.app import Served, create_app
from scheduler import delivery
from scheduler.leader import LOCK_KEY
from tests.helpers import ChatUser
from tests.test_shift_support import RecordingSender

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def kept_logging() -> Iterator[None]:
    """create_app sets up logging for a worker; the other tests get theirs back."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    filters = {handler: list(handler.filters) for handler in handlers}
    yield
    root.setLevel(level)
    root.handlers[:] = handlers
    for handler, kept in filters.items():
        handler.filters[:] = kept


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Served, httpx.AsyncClient]]:
    """The web app of one worker, started as uvicorn would, and a client talking HTTP to it."""
    web: Starlette = create_app(settings)
    async with web.router.lifespan_context(web):
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://dvcbot.test") as client:
            yield web.state.served, client


async def queue(app: App, key: str, chat: str, *, due_ago: timedelta) -> None:
    """A message to a chat of the test channel, due `due_ago` back (negative: still ahead)."""
    now = utcnow()
    async with app.db.transaction() as session:
        await outbox.enqueue_to_chat(
            session, key, "test", chat, Reply("Nhắc việc"), now=now, due_at=now - due_ago
        )


def samples(exposition: str) -> Samples:
    """Every sample of a scrape by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    """One sample's value, None when the scrape lacks it."""
    return found.get((name, frozenset(labels.items())))


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word: a database that hangs."""
    accepted: list[asyncio.StreamWriter] = []

    async def keep(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(keep, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


def unused_port() -> int:
    """A local port nothing listens on: a database that refuses at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@asynccontextmanager
async def database_gone(served: Served, url: str) -> AsyncIterator[None]:
    """The worker's database swapped for one at `url` for a while (the scheduler keeps the
    real one)."""
    kept, gone = served.app.db, Database(url)
    served.app.db = gone
    try:
        yield
    finally:
        served.app.db = kept
        await asyncio.gather(*health._abandoned, return_exceptions=True)
        await gone.dispose()


async def test_healthz_reports_the_database_role_worker_and_due_outbox(
    app: App, settings: Settings
) -> None:
    async with serving(settings) as (served, client):
        await queue(served.app, "due:old", "201", due_ago=timedelta(minutes=5))
        await queue(served.app, "due:new", "202", due_ago=timedelta(seconds=0))
        await queue(served.app, "later", "203", due_ago=-timedelta(hours=1))
        answer = await client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["database"] == "ok"
    assert body["role"] == "leader"
    assert body["worker"] == os.getpid()
    assert body["outbox"]["due"] == 2
    assert 300 <= body["outbox"]["oldest_due_seconds"] < 360


async def test_healthz_with_an_empty_outbox(app: App, settings: Settings) -> None:
    async with serving(settings) as (_, client):
        answer = await client.get("/healthz")
    assert answer.json()["outbox"] == {"due": 0, "oldest_due_seconds": 0}


async def test_healthz_answers_503_at_once_when_the_database_refuses(
    app: App, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql+asyncpg://dvcbot:hunter2-secret@127.0.0.1:{unused_port()}/dvcbot"
    async with serving(settings) as (served, client), database_gone(served, url):
        started = time.monotonic()
        answer = await client.get("/healthz")
        elapsed = time.monotonic() - started
    assert answer.status_code == 503
    assert answer.json() == {"database": "unreachable"}
    assert elapsed < health.TIMEOUT_SECONDS + 1
    assert "hunter2" not in caplog.text and "hunter2" not in answer.text


async def test_healthz_answers_503_when_a_sqlite_file_is_gone(
    app: App, settings: Settings, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/gone/dvcbot.db"
    async with serving(settings) as (served, client), database_gone(served, url):
        answer = await client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"database": "unreachable"}


async def test_healthz_gives_up_on_a_database_that_hangs(
    app: App, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "TIMEOUT_SECONDS", 0.5)
    async with silent_server() as port, serving(settings) as (served, client):
        url = f"postgresql+asyncpg://dvcbot:secret@127.0.0.1:{port}/dvcbot"
        async with database_gone(served, url):
            started = time.monotonic()
            answer = await client.get("/healthz")
            elapsed = time.monotonic() - started
    assert answer.status_code == 503
    assert answer.json() == {"database": "unreachable"}
    assert 0.4 < elapsed < 2


async def test_metrics_count_updates_deliveries_outbox_and_leader(
    app: App, settings: Settings
) -> None:
    sender = RecordingSender(failures={"202": DeliveryError(FailureKind.RETRY_AFTER, "429", 30)})
    async with serving(settings) as (served, client):
        await ChatUser(served.app).says("/start")
        await queue(served.app, "tally:1", "201", due_ago=timedelta(seconds=1))
        await queue(served.app, "tally:2", "202", due_ago=timedelta(seconds=1))
        await queue(served.app, "later", "203", due_ago=-timedelta(hours=1))
        await delivery.drain(
            served.app.db, {"test": sender}, utcnow, observer=served.runtime.observer
        )
        answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    found = samples(answer.text)
    assert value(found, "dvcbot_updates_handled_total", channel="test", route="/start") == 1
    assert value(found, "dvcbot_update_handling_seconds_count", channel="test") == 1
    assert value(found, "dvcbot_deliveries_total", channel="test", result="sent") == 1
    assert value(found, "dvcbot_deliveries_total", channel="test", result="flood") == 1
    assert value(found, "dvcbot_outbox_rows", state="pending") == 2
    assert value(found, "dvcbot_outbox_rows", state="sent") == 1
    assert value(found, "dvcbot_outbox_rows", state="dead") == 0
    assert value(found, "dvcbot_scheduler_leader") == 1
    assert value(found, "dvcbot_database_up") == 1


async def test_metrics_still_answer_without_the_database(app: App, settings: Settings) -> None:
    url = f"postgresql+asyncpg://dvcbot:secret@127.0.0.1:{unused_port()}/dvcbot"
    async with serving(settings) as (served, client), database_gone(served, url):
        answer = await client.get("/metrics")
    assert answer.status_code == 200
    found = samples(answer.text)
    assert value(found, "dvcbot_database_up") == 0
    assert not any(name == "dvcbot_outbox_rows" for name, _ in found)


async def test_a_follower_says_so_where_several_processes_share_the_database(
    app: App, settings: Settings
) -> None:
    if is_sqlite(settings.database.url):  # one process per SQLite file: always the leader
        async with serving(settings) as (_, client):
            assert (await client.get("/healthz")).json()["role"] == "leader"
        return
    engine = create_engine(settings.database.url)
    try:
        async with engine.connect() as holder:
            await holder.scalar(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            await holder.commit()
            async with serving(settings) as (_, client):
                role = (await client.get("/healthz")).json()["role"]
                found = samples((await client.get("/metrics")).text)
            await holder.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
    finally:
        await engine.dispose()
    assert role == "follower"
    assert value(found, "dvcbot_scheduler_leader") == 0


async def test_metrics_token_is_required_when_set(app: App, settings: Settings) -> None:
    guarded = settings.model_copy(update={"web": WebSettings(metrics_token=SecretStr("s3cr3t"))})
    async with serving(guarded) as (_, client):
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer s3cr3x"})
        not_bearer = await client.get("/metrics", headers={"Authorization": "Basic s3cr3t"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cr3t"})
        health_open = await client.get("/healthz")
    assert [missing.status_code, wrong.status_code, not_bearer.status_code] == [401] * 3
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "dvcbot_" not in missing.text + wrong.text
    assert right.status_code == 200
    assert "dvcbot_database_up" in right.text
    assert health_open.status_code == 200


def test_workers_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {**os.environ, serve.METRICS_DIR_ENV: str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.metrics_workers"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    first, _, exposition = done.stdout.partition("\n")
    pids = json.loads(first)
    found = samples(exposition)
    assert value(found, "dvcbot_updates_handled_total", channel="telegram", route="start") == 3
    assert value(found, "dvcbot_update_handling_seconds_count", channel="telegram") == 3
    assert value(found, "dvcbot_deliveries_total", channel="telegram", result="sent") == 3
    leaders = {
        dict(labels)["pid"]: number
        for (name, labels), number in found.items()
        if name == "dvcbot_scheduler_leader"
    }
    # The worker that exited is no longer reported; the live ones are, the leader among them.
    assert leaders == {str(pids["alive"]): 1, str(pids["scraper"]): 0}
    assert value(found, "dvcbot_outbox_rows", state="pending") == 2


def test_serve_gives_several_workers_a_fresh_private_metrics_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(serve.METRICS_DIR_ENV, str(tmp_path))  # left by an earlier run
    serve.share_metrics(1)
    assert serve.METRICS_DIR_ENV not in os.environ
    serve.share_metrics(3)
    directory = Path(os.environ[serve.METRICS_DIR_ENV])
    assert directory != tmp_path and directory.is_dir() and not any(directory.iterdir())
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
