"""Zalo's monthly quota: the admins told at 80 % and when it is used up; past it, Zalo pushes
move to Telegram for people who have it and wait for next month for the others; replies never."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.actions.linking import ChooseChannel
from bot.app import App
from bot.channels.zalo import INFO as ZALO
from bot.config import BotSettings, DatabaseSettings, Settings, ZaloSettings
from bot.core.channels import ChannelInfo
from bot.core.messages import Reply
from bot.db.models import OutboxMessage, OutboxStatus, Role
from bot.locales import t
from bot.services import outbox, quota
from scheduler.quota import watch_zalo_quota
from scheduler.runtime import Runtime
from scheduler.setup import build_scheduler
from tests.helpers import ChatUser, texts
from tests.test_households_flow import grant, person_id
from tests.test_linking import link_code

QUOTA = 10
NOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
# The commune's month ends at midnight on 1 January in Vietnam (UTC+7).
NEXT_MONTH = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url),
        bot=BotSettings(demo_data=False),
        zalo=ZaloSettings(token=SecretStr("zalo-test-token"), monthly_quota=QUOTA),
    )


def runtime(app: App, now: datetime = NOW) -> Runtime:
    return Runtime(db=app.db, services=app.services, clock=lambda: now)


async def sent_on_zalo(app: App, count: int, at: datetime = NOW) -> None:
    """Messages Zalo already sent this month."""
    async with app.db.transaction() as session:
        for _ in range(count):
            number = len(list(await session.scalars(select(OutboxMessage.id))))
            await outbox.enqueue_to_chat(
                session, f"sent:{number}", "zalo", "z-old", Reply("đã gửi"), now=at
            )
        for row in await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.chat_id == "z-old", OutboxMessage.sent_at.is_(None)
            )
        ):
            row.status, row.sent_at = OutboxStatus.SENT.value, at


async def rows(app: App) -> dict[str, OutboxMessage]:
    async with app.sessionmaker() as session:
        return {row.key: row for row in await session.scalars(select(OutboxMessage))}


async def people(app: App) -> tuple[ChatUser, ChatUser, ChatUser, ChatUser]:
    """Admins on Zalo only and on Telegram only; a citizen on both (Zalo preferred), one on
    Zalo only."""
    app.dispatcher.connect(ZALO)
    app.dispatcher.connect(ChannelInfo("telegram", keeps_replies=True))
    app.dispatcher.clock = lambda: NOW
    zalo_admin = ChatUser(app, "z-1", "Quản Trị Zalo", channel="zalo")
    telegram_admin = ChatUser(app, "11", "Quản Trị Telegram", channel="telegram")
    for admin in (zalo_admin, telegram_admin):
        await admin.says("/start")
        await grant(app, admin.user_id, Role.ADMIN, channel=admin.channel)
    both = ChatUser(app, "z-2", "Lê Thị Hoa", channel="zalo")
    hoa_on_telegram = ChatUser(app, "22", "Lê Thị Hoa", channel="telegram")
    await hoa_on_telegram.says("/start")
    await both.says(f"/lienket {link_code(await hoa_on_telegram.says('/lienket'))}")
    await both.presses(ChooseChannel("zalo").pack())
    zalo_only = ChatUser(app, "z-3", "Trần Văn Ba", channel="zalo")
    await zalo_only.says("/start")
    return zalo_admin, telegram_admin, both, zalo_only


async def push(app: App, key: str, user: ChatUser) -> None:
    """A reminder to someone's delivery chat, queued by a planner."""
    async with app.db.transaction() as session:
        pid = await person_id(app, user, channel=user.channel)
        assert await outbox.enqueue(session, key, pid, Reply("Nhắc việc"), now=NOW)


def quota_notes(found: dict[str, OutboxMessage]) -> dict[str, OutboxMessage]:
    return {key: row for key, row in found.items() if key.startswith(outbox.Keys.ZALO_QUOTA)}


async def test_admins_are_told_once_at_eighty_percent(app: App) -> None:
    zalo_admin, telegram_admin, _, _ = await people(app)
    # Sent in the last hours of November UTC, which is already December in the commune.
    await sent_on_zalo(app, 7, at=datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    checked = await watch_zalo_quota(runtime(app))
    assert checked is not None and checked.used == 7 and checked.notes == 0
    await sent_on_zalo(app, 1)
    checked = await watch_zalo_quota(runtime(app))
    assert checked is not None and checked.notes == 2
    again = await watch_zalo_quota(runtime(app, NOW + timedelta(minutes=1)))
    assert again is not None and again.notes == 0  # once per admin and month
    notes = quota_notes(await rows(app))
    zalo_admin_id = await person_id(app, zalo_admin, channel="zalo")
    telegram_admin_id = await person_id(app, telegram_admin, channel="telegram")
    assert set(notes) == {
        outbox.Keys.zalo_quota("2026-12", "near", zalo_admin_id),
        outbox.Keys.zalo_quota("2026-12", "near", telegram_admin_id),
    }
    text = next(iter(notes.values())).payload["text"]
    assert "8/10" in text and "80%" in text and "01/01/2027" in text
    assert {(row.channel, row.chat_id) for row in notes.values()} == {
        ("zalo", "z-1"),
        ("telegram", "11"),
    }


async def test_past_the_quota_pushes_move_to_telegram_or_wait(app: App) -> None:
    zalo_admin, _, both, zalo_only = await people(app)
    await push(app, "tally:2026-12-20:hoa", both)
    await push(app, "tally:2026-12-20:ba", zalo_only)
    queued = await rows(app)
    assert queued["tally:2026-12-20:hoa"].channel == "zalo"  # she prefers Zalo
    replies_before = {
        key: row.next_attempt_at
        for key, row in queued.items()
        if key.startswith("reply:") and row.channel == "zalo"
    }
    assert replies_before
    await sent_on_zalo(app, QUOTA)

    later = NOW + timedelta(minutes=5)  # past the replies' lease
    checked = await watch_zalo_quota(runtime(app, later))
    assert checked is not None and (checked.moved, checked.held, checked.notes) == (1, 1, 2)
    after = await rows(app)
    moved = after["tally:2026-12-20:hoa"]
    assert (moved.channel, moved.chat_id) == ("telegram", "22")
    held = after["tally:2026-12-20:ba"]
    assert (held.channel, held.next_attempt_at) == ("zalo", NEXT_MONTH)
    for key, due in replies_before.items():  # replies are neither moved nor held
        assert after[key].channel == "zalo" and after[key].next_attempt_at == due
    notes = quota_notes(after)
    assert {(row.channel, row.chat_id) for row in notes.values()} == {
        ("zalo", "z-1"),
        ("telegram", "11"),
    }
    text = notes[
        outbox.Keys.zalo_quota(
            "2026-12", "used_up", await person_id(app, zalo_admin, channel="zalo")
        )
    ].payload["text"]
    assert "1 thông báo đã chuyển sang Telegram" in text and "chờ đến ngày 01/01/2027" in text
    zalo_note = next(row for row in notes.values() if row.channel == "zalo")
    assert zalo_note.next_attempt_at < NEXT_MONTH  # the admins hear of it, even on Zalo

    # Someone writing on Zalo still gets an answer, and new pushes keep being held.
    answered = await zalo_only.says("/help")
    assert texts(answered).startswith(t("help.text")[:40])
    await push(app, "tally:2026-12-21:ba", zalo_only)
    again = await watch_zalo_quota(runtime(app, later + timedelta(minutes=1)))
    assert again is not None and (again.moved, again.held, again.notes) == (0, 1, 0)
    newest = await rows(app)
    replies = [
        row for key, row in newest.items() if key.startswith("reply:") and row.chat_id == "z-3"
    ]
    assert replies and all(
        row.channel == "zalo" and row.next_attempt_at < NEXT_MONTH for row in replies
    )

    # A new month: nothing used yet, nothing moved.
    january = await watch_zalo_quota(runtime(app, NEXT_MONTH + timedelta(minutes=1)))
    assert january is not None and (january.used, january.moved, january.held) == (0, 0, 0)


async def test_only_the_leader_with_zalo_checks(app: App) -> None:
    await sent_on_zalo(app, QUOTA)
    follower = runtime(app)
    follower.leadership = type("Follower", (), {"is_leader": False})()  # type: ignore[assignment]
    assert await watch_zalo_quota(follower) is None
    without_zalo = replace(
        app.services, settings=app.settings.model_copy(update={"zalo": ZaloSettings()})
    )
    assert await watch_zalo_quota(Runtime(db=app.db, services=without_zalo)) is None
    scheduler = build_scheduler(runtime(app))
    scheduler.start(paused=True)
    job = scheduler.get_job("zalo-quota")
    scheduler.shutdown(wait=False)
    assert job is not None and job.trigger.interval == timedelta(minutes=1)


def test_the_month_is_the_communes() -> None:
    month = quota.month_of(datetime(2026, 12, 31, 18, 0, tzinfo=UTC), ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (month.key, month.shown, month.next_day) == ("2027-01", "01/2027", "01/02/2027")
    assert month.start == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
