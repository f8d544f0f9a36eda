"""POST /zalo on the serve app: the secret checked before anything, both body shapes, an empty
probe answered, a repeated event handled once, the webhook registered by `serve`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.app import App
from bot.cli.serve import set_zalo_webhook
from bot.config import Settings, WebSettings, ZaloSettings
from bot.db.models import ProcessedUpdate
from bot.web.app import create_app
from tests.fakes.zalo_api import FakeZaloServer

SECRET = "zalo-webhook-secret-42"
CITIZEN = "7a1b2c3d4e5f60718293"
HEADER = "X-Bot-Api-Secret-Token"


def zalo_settings(settings: Settings, fake: FakeZaloServer) -> Settings:
    return settings.model_copy(
        update={
            "zalo": ZaloSettings(
                token=SecretStr(fake.token),
                base_url=fake.base_url,
                webhook_secret=SecretStr(SECRET),
            ),
            "web": WebSettings(public_url="https://dvc.example.gov.vn", max_body_bytes=20_000),
        }
    )


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    web: Starlette = create_app(settings)
    async with web.router.lifespan_context(web):
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://dvcbot.test") as client:
            yield client


def event(text: str, message_id: str) -> dict[str, Any]:
    return {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": CITIZEN, "display_name": "Hoa", "is_bot": False},
            "chat": {"id": CITIZEN, "chat_type": "PRIVATE"},
            "text": text,
            "message_id": message_id,
            "date": 1750316131602,
        },
    }


async def handled(app: App) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_the_zalo_webhook_checks_reads_and_answers_each_event_once(
    app: App, settings: Settings, fake_zalo: FakeZaloServer
) -> None:
    async with serving(zalo_settings(settings, fake_zalo)) as client:
        body = event("/help", "w1")
        assert (await client.post("/zalo", json=body)).status_code == 403
        wrong = {HEADER: "not-the-secret"}
        assert (await client.post("/zalo", json=body, headers=wrong)).status_code == 403
        assert await handled(app) == 0 and fake_zalo.messages_to(CITIZEN) == []

        right = {HEADER: SECRET}
        assert (await client.post("/zalo", json=body, headers=right)).status_code == 200
        wrapped = {"ok": True, "result": event("/menu", "w2")}
        assert (await client.post("/zalo", json=wrapped, headers=right)).status_code == 200
        again = await client.post("/zalo", json=body, headers=right)  # Zalo delivers it again
        assert again.status_code == 200
        probe = await client.post("/zalo", content=b"", headers=right)
        assert probe.status_code == 200
        huge = await client.post("/zalo", content=b"x" * 30_000, headers=right)
        assert huge.status_code == 413
    answers = fake_zalo.messages_to(CITIZEN)
    assert len(answers) == 2 and "/cancel" in (answers[0].text or "")
    assert await handled(app) == 2


async def test_serve_registers_the_zalo_webhook(
    settings: Settings, fake_zalo: FakeZaloServer
) -> None:
    url = await set_zalo_webhook(zalo_settings(settings, fake_zalo))
    assert url == "https://dvc.example.gov.vn/zalo"
    assert (fake_zalo.webhook_url, fake_zalo.webhook_secret) == (url, SECRET)
