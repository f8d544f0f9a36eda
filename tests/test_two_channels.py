"""The same scenarios on Telegram and on Zalo, through each real channel and its fake server, so
the two cannot drift apart: buttons pressed on one are numbers typed on the other, pictures and
files uploaded on one come by signed link on the other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Route

from bot.app import App, Channel
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.config import (
    BotSettings,
    ContentSettings,
    DatabaseSettings,
    Settings,
    TelegramSettings,
    WebSettings,
    ZaloSettings,
)
from bot.db.models import Role
from bot.locales import t
from bot.services.shifts import roster
from bot.web import media
from scheduler import delivery
from scheduler import reports as report_jobs
from scheduler.shifts import plan_reminders
from tests.bot_process import unused_port
from tests.fakes import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer
from tests.messengers import Messenger, OnTelegram, OnZalo, Seen
from tests.test_households_flow import grant
from tests.test_report_push import local
from tests.test_reports import NOW
from tests.test_shift_support import FakeClock, generate, make_desk, runtime_for, shift_at
from tests.test_tally import WED, build_log

CITIZEN, OFFICER, VOLUNTEER, OFFICIAL = 301, 302, 303, 304


@dataclass
class Scene:
    app: App
    messenger: Messenger
    channel: Channel

    async def deliver(self, clock: FakeClock) -> None:
        """The outbox delivery job, once, through this channel."""
        senders = {self.channel.info.name: self.channel}
        await delivery.drain(self.app.db, senders, clock, media=self.app.services.media)

    async def staff(self, person: int, role: Role) -> None:
        """Someone who opened the bot on this messenger and holds `role`."""
        await self.messenger.says(person, "/start")
        channel = self.messenger.channel
        await grant(self.app, self.messenger.user_id(person), role, channel=channel)
        await self.messenger.says(person, "/menu")  # the menu for the new role


def text_of(seen: list[Seen]) -> str:
    return "\n".join(message.text for message in seen)


@pytest.fixture
def media_port() -> int:
    return unused_port()


@pytest.fixture
def settings(database_url: str, media_port: int, tmp_path: Path) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url),
        bot=BotSettings(demo_data=False),
        content=ContentSettings(cache_dir=tmp_path / "cache"),
        web=WebSettings(public_url=f"http://127.0.0.1:{media_port}"),
    )


@pytest.fixture
async def media_server(app: App, media_port: int) -> AsyncIterator[None]:
    """The serve app's picture and file routes, where Zalo (the fake) fetches them."""
    web = Starlette(
        routes=[
            Route("/media/{token}/{filename}", media.picture),
            Route("/files/{token}/{filename}", media.file),
        ]
    )
    web.state.served = SimpleNamespace(app=app)
    config = uvicorn.Config(web, host="127.0.0.1", port=media_port, log_config=None)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(500):  # until it listens
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield
    server.should_exit = True
    await serving


@pytest.fixture(params=["telegram", "zalo"])
async def scene(
    request: pytest.FixtureRequest, app: App, media_server: None
) -> AsyncIterator[Scene]:
    """The app on one messenger: the real channel against its fake server."""
    if request.param == "telegram":
        async with FakeTelegramServer() as fake_telegram:
            settings = TelegramSettings(
                token=SecretStr("123456:TEST-TOKEN"),
                base_url=fake_telegram.base_url,
                base_file_url=fake_telegram.base_file_url,
                poll_timeout=1,
                rate_limit=False,
            )
            telegram = TelegramChannel(settings, app.dispatcher)
            await telegram.start()
            yield Scene(app, OnTelegram(fake_telegram), telegram)
            await telegram.stop()
        return
    async with FakeZaloServer() as fake_zalo:
        zalo_settings = ZaloSettings(token=SecretStr(fake_zalo.token), base_url=fake_zalo.base_url)
        zalo = ZaloChannel(zalo_settings, app.dispatcher)
        await zalo.start()
        yield Scene(app, OnZalo(fake_zalo), zalo)
        await zalo.stop()


async def test_a_citizen_walks_a_guide_and_reaches_a_person(scene: Scene) -> None:
    say, choose = scene.messenger.says, scene.messenger.chooses
    await scene.staff(OFFICER, Role.OFFICER)
    guide = scene.app.services.catalog.get("birth-registration")
    assert guide is not None
    intro = await say(CITIZEN, "lam giay khai sinh cho con")
    assert "Đăng ký khai sinh" in text_of(intro)
    first = await choose(CITIZEN, t("guides.start_button", count=len(guide.steps)))
    assert f"Bước 1/{len(guide.steps)}" in text_of(first)
    second = await choose(CITIZEN, t("guides.next"))
    assert f"Bước 2/{len(guide.steps)}" in text_of(second)
    await choose(CITIZEN, t("guides.stuck"))
    await choose(CITIZEN, t("guides.talk_to_person"))
    await choose(CITIZEN, t("handoff.ask_button"))
    await say(CITIZEN, "Tôi không biết điền tờ khai khai sinh cho con")
    done = await choose(CITIZEN, t("handoff.skip_phone_button"))
    assert "Đã gửi yêu cầu số 1" in text_of(done)
    await scene.deliver(FakeClock(NOW + timedelta(days=30)))
    [*_, notice] = await scene.messenger.news(OFFICER)
    assert "Yêu cầu gặp cán bộ số 1" in notice.text and "tờ khai" in notice.text
    taken = await choose(OFFICER, t("handoff.take_button"))
    assert "Tôi không biết điền tờ khai" in text_of(taken)


async def test_a_volunteer_gets_the_shift_reminder_and_checks_in(scene: Scene) -> None:
    from tests.test_reminders import MONDAY, SIGNED_UP, SOON, TUESDAY_MORNING

    await scene.staff(VOLUNTEER, Role.VOLUNTEER)
    desk = await make_desk(scene.app, needed=1)
    await generate(scene.app, MONDAY, 1, now=SIGNED_UP)
    shift = await shift_at(scene.app, desk.desk, TUESDAY_MORNING)
    volunteer = await scene_person(scene, VOLUNTEER)
    async with scene.app.db.transaction() as session:
        await roster.join(session, shift.id, volunteer, now=SIGNED_UP)
    clock = FakeClock(SOON)
    scene.app.dispatcher.clock = clock
    assert await plan_reminders(runtime_for(scene.app, clock)) == 1
    await scene.deliver(clock)
    [*_, reminder] = await scene.messenger.news(VOLUNTEER)
    assert t("shift_remind.check_in") in " ".join([reminder.text, *reminder.choices])
    clock.set(TUESDAY_MORNING - timedelta(minutes=20))  # check-in opens 30 minutes before
    checked = await scene.messenger.chooses(VOLUNTEER, t("shift_remind.check_in"))
    assert "Đã điểm danh" in text_of(checked)


async def test_an_official_gets_the_tally_the_chart_and_the_workbook(scene: Scene) -> None:
    await build_log(scene.app)
    await scene.staff(OFFICIAL, Role.OFFICIAL)
    scene.app.dispatcher.clock = lambda: local(WED, 18)
    await scene.messenger.chooses(OFFICIAL, t("reports.menu"))
    await scene.messenger.chooses(OFFICIAL, t("reports.subscribe_daily"))
    clock = FakeClock(local(WED, 17, 35))
    runtime = runtime_for(scene.app, clock)
    assert (await report_jobs.plan_reports(runtime)) is not None
    await scene.deliver(clock)
    seen = await scene.messenger.news(OFFICIAL)
    assert any("hộ được hỗ trợ" in message.text for message in seen)
    coverage = await scene.messenger.chooses(OFFICIAL, t("reports.see_coverage"))
    pictures = [message.picture for message in coverage if message.picture]
    assert pictures and pictures[0].startswith(b"\x89PNG")
    workbook = await scene.messenger.chooses(OFFICIAL, t("reports.excel_button"))
    files = [message.file for message in workbook if message.file]
    assert files and files[0].startswith(b"PK")  # an .xlsx, uploaded or fetched by its link


async def scene_person(scene: Scene, person: int) -> int:
    from tests.helpers import ChatUser
    from tests.test_households_flow import person_id

    user = ChatUser(scene.app, scene.messenger.user_id(person))
    return await person_id(scene.app, user, scene.messenger.channel)
