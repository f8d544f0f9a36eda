"""The satisfaction survey in chat: asked after a closed request and after logged help, once per
visit and once a day, "no thanks" respected, forged buttons refused, the desk card's code."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.core.channels import ChannelInfo
from bot.db.models import (
    Assistance,
    ChatIdentity,
    OutboxMessage,
    Person,
    Role,
    Survey,
    SurveySource,
    SurveyStatus,
)
from bot.locales import t
from bot.services import survey as survey_service
from bot.services.survey import ASK_DELAY
from scheduler import delivery
from tests.fakes import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer
from tests.helpers import ChatUser, labels, payloads, texts
from tests.test_console import run_chat
from tests.test_handoff import ask_for_person
from tests.test_households_flow import add_household, make_villages, person_id, staff_user
from tests.test_shift_support import FakeClock, RecordingSender

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)  # 10:00 in the commune, a Wednesday
TOMORROW = NOW + timedelta(days=1)
SCORE_BUTTONS = [f"survey.score_{score}" for score in (1, 2, 3, 4, 5)]


# ------------------------------------------------------------------------------ helpers


def at(app: App, when: datetime) -> None:
    app.dispatcher.clock = lambda: when


async def surveys(app: App) -> list[Survey]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(Survey).order_by(Survey.id)))


async def questions(app: App) -> dict[str, OutboxMessage]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like("survey:%"))
        )
        return {row.key: row for row in rows}


async def set_phone(app: App, user: ChatUser, phone: str) -> None:
    """The phone the bot knows for this person (stored normalized, as households' are)."""
    pid = await person_id(app, user, user.channel)
    async with app.db.transaction() as session:
        await session.execute(update(Person).where(Person.id == pid).values(phone=phone))


async def citizen(
    app: App, user_id: str, name: str, village_id: int, phone: str, *, channel: str = "test"
) -> tuple[ChatUser, int]:
    """A citizen chatting with the bot whose household (with the same phone) is registered."""
    user = ChatUser(app, user_id, name, channel=channel)
    await user.says("/start")
    await set_phone(app, user, phone)
    return user, await add_household(
        app, village_id, f"Hộ {name}", members=3, phone=phone, now=NOW
    )


async def log_help(volunteer: ChatUser, household_id: int) -> int:
    """A volunteer logs "logged in to the portal" for the household; the new log's id."""
    await volunteer.presses(f"ha:{household_id}")
    await volunteer.presses(f"ha:{household_id}:t:portal_login")
    await volunteer.presses(f"ha:{household_id}:n")
    await volunteer.presses(f"ha:{household_id}:p:-")
    saved = await volunteer.presses(f"ha:{household_id}:s")
    assert t("volunteer.help_saved", today=1).split("1")[0] in texts(saved)
    async with volunteer.app.sessionmaker() as session:
        found = await session.scalar(select(Assistance.id).order_by(Assistance.id.desc()))
    assert found is not None
    return found


def buttons(row: OutboxMessage) -> list[str]:
    return [data for _, data in row.payload["choices"]]


def score_payloads(survey_id: int) -> list[str]:
    return [f"sv:rate:{survey_id}:{score}" for score in (1, 2, 3, 4, 5)] + [f"sv:no:{survey_id}"]


async def setting(app: App) -> dict[str, ChatUser | int]:
    """A village, a volunteer, an officer and a known citizen (phone on their household)."""
    at(app, NOW)
    [east] = await make_villages(app, "Thôn Đông")
    volunteer = await staff_user(app, "3001", Role.VOLUNTEER, name="Tình nguyện Mai")
    officer = await staff_user(app, "3002", Role.OFFICER, name="Cán bộ Hùng")
    user, home = await citizen(app, "3101", "Lê Thị Hoa", east, "0912345678")
    return {"volunteer": volunteer, "officer": officer, "citizen": user, "home": home, "v": east}


# --------------------------------------------------------------------------------- tests


async def test_asked_after_a_closed_request_and_the_score_and_comment_are_kept(
    app: App,
) -> None:
    at(app, NOW)
    [east] = await make_villages(app, "Thôn Đông")
    officer = await staff_user(app, "3002", Role.OFFICER, east, name="Cán bộ Hùng")
    asker = ChatUser(app, "3201", "Lê Thị Hoa")
    await asker.says("/start")
    number = await ask_for_person(asker)
    await officer.presses(f"ho:take:{number}")
    assert await questions(app) == {}  # not before it is done
    await officer.presses(f"ho:done:{number}")

    [row] = await surveys(app)
    assert (row.source, row.visit, row.status, row.day) == (
        SurveySource.HANDOFF,
        f"handoff:{number}",
        SurveyStatus.ASKED,
        date(2026, 11, 18),
    )
    assert row.helper_id == await person_id(app, officer)
    asked = (await questions(app))[f"survey:handoff:{number}"]
    assert asked.chat_id == "3201"
    assert asked.payload["text"].startswith(t("survey.ask_handoff", number=number))
    assert buttons(asked) == score_payloads(row.id)
    assert [label for label, _ in asked.payload["choices"]] == [
        *(t(key) for key in SCORE_BUTTONS),
        t("survey.no_thanks"),
    ]

    rated = await asker.presses(f"sv:rate:{row.id}:4")
    assert texts(rated) == t("survey.ask_comment", score=t("survey.score_4"), limit=500)
    assert payloads(rated) == ["sv:note:comment:skip"]
    thanked = await asker.says("Anh Hùng hướng dẫn rất kỹ, có gì gọi tôi số 0912 345 678 nhé")
    assert texts(thanked) == t("survey.thanks_comment") + "\n\n" + t("survey.numbers_hidden")
    [row] = await surveys(app)
    assert (row.status, row.rating) == (SurveyStatus.RATED, 4)
    assert row.comment == "Anh Hùng hướng dẫn rất kỹ, có gì gọi tôi số [số đã ẩn] nhé"
    assert row.answered_at == NOW
    # A second press changes nothing.
    again = await asker.presses(f"sv:rate:{row.id}:1")
    assert texts(again) == t("survey.already_rated")
    assert (await surveys(app))[0].rating == 4


async def test_a_request_closed_without_anyone_taking_it_asks_nothing(app: App) -> None:
    at(app, NOW)
    admin = await staff_user(app, "3003", Role.ADMIN, name="Quản trị Minh")
    asker = ChatUser(app, "3201", "Lê Thị Hoa")
    await asker.says("/start")
    number = await ask_for_person(asker)
    await admin.presses(f"ho:done:{number}")
    assert await surveys(app) == [] and await questions(app) == {}


async def test_asked_after_help_only_when_the_bot_knows_the_citizen(app: App) -> None:
    scene = await setting(app)
    volunteer, village = scene["volunteer"], scene["v"]
    assert isinstance(volunteer, ChatUser) and isinstance(village, int)
    entry = await log_help(volunteer, int(scene["home"]))
    [row] = await surveys(app)
    assert (row.source, row.visit, row.village_id) == (
        SurveySource.ASSISTANCE,
        f"assist:{entry}",
        village,
    )
    assert row.helper_id == await person_id(app, volunteer)
    asked = (await questions(app))[f"survey:assist:{entry}"]
    assert asked.chat_id == "3101" and asked.payload["text"].startswith(t("survey.ask_assist"))

    # A household whose phone nobody chatting with the bot has, one without a phone, and one
    # whose phone two people share (who came cannot be told): nobody is asked.
    stranger = await add_household(
        app, village, "Hộ Phạm Văn Lạ", members=3, phone="0987000111", now=NOW
    )
    no_phone = await add_household(app, village, "Hộ Đỗ Thị Không", members=3, phone=None, now=NOW)
    for user_id, name in (("3102", "Ngô Văn Một"), ("3103", "Ngô Thị Hai")):
        sharer = ChatUser(app, user_id, name)
        await sharer.says("/start")
        await set_phone(app, sharer, "0977555444")
    shared = await add_household(
        app, village, "Hộ Ngô Văn Một", members=3, phone="0977555444", now=NOW
    )
    for home in (stranger, no_phone, shared):
        await log_help(volunteer, home)
    assert len(await surveys(app)) == 1 and len(await questions(app)) == 1


async def test_nobody_is_asked_twice_for_a_visit_or_twice_a_day(app: App) -> None:
    scene = await setting(app)
    volunteer, officer, user = scene["volunteer"], scene["officer"], scene["citizen"]
    assert isinstance(volunteer, ChatUser) and isinstance(officer, ChatUser)
    assert isinstance(user, ChatUser)
    first = await log_help(volunteer, int(scene["home"]))
    # The same day: more help, and a request of theirs closed: no second question.
    await log_help(volunteer, int(scene["home"]))
    number = await ask_for_person(user)
    await officer.presses(f"ho:take:{number}")
    await officer.presses(f"ho:done:{number}")
    assert list(await questions(app)) == [f"survey:assist:{first}"]
    # The same visit is never asked about again, even another day.
    pid = await person_id(app, user)
    async with app.db.transaction() as session:
        again = await survey_service.ask(
            session,
            pid,
            SurveySource.ASSISTANCE,
            f"assist:{first}",
            helper_id=None,
            location_id=None,
            village_id=None,
            now=TOMORROW,
            tz=app.settings.commune.tz,
        )
    assert again is None
    # The next day, new help brings the next question.
    at(app, TOMORROW)
    second = await log_help(volunteer, int(scene["home"]))
    assert sorted(await questions(app)) == [f"survey:assist:{first}", f"survey:assist:{second}"]
    assert [row.day for row in await surveys(app)] == [date(2026, 11, 18), date(2026, 11, 19)]


async def test_no_thanks_is_respected(app: App) -> None:
    scene = await setting(app)
    volunteer, officer, user = scene["volunteer"], scene["officer"], scene["citizen"]
    assert isinstance(volunteer, ChatUser) and isinstance(officer, ChatUser)
    assert isinstance(user, ChatUser)
    await log_help(volunteer, int(scene["home"]))
    [row] = await surveys(app)
    declined = await user.presses(f"sv:no:{row.id}")
    assert texts(declined) == t("survey.declined")
    late = await user.presses(f"sv:rate:{row.id}:5")
    assert texts(late) == t("survey.already_declined")
    [row] = await surveys(app)
    assert (row.status, row.rating) == (SurveyStatus.DECLINED, None)
    # Later visits ask nothing any more.
    at(app, TOMORROW)
    await log_help(volunteer, int(scene["home"]))
    number = await ask_for_person(user)
    await officer.presses(f"ho:take:{number}")
    await officer.presses(f"ho:done:{number}")
    assert len(await surveys(app)) == 1 and len(await questions(app)) == 1
    # Asking for it themselves still works (the desk card).
    desk = await user.says("đánh giá")
    assert texts(desk).startswith(t("survey.ask_desk"))


async def test_forged_buttons_are_refused_politely_and_store_nothing(app: App) -> None:
    scene = await setting(app)
    volunteer, user = scene["volunteer"], scene["citizen"]
    assert isinstance(volunteer, ChatUser) and isinstance(user, ChatUser)
    await log_help(volunteer, int(scene["home"]))
    [row] = await surveys(app)
    other = ChatUser(app, "3301", "Người khác")
    await other.says("/start")
    assert texts(await other.presses(f"sv:rate:{row.id}:5")) == t("survey.not_found")
    assert texts(await other.presses(f"sv:no:{row.id}")) == t("survey.not_found")
    off_scale = await user.presses(f"sv:rate:{row.id}:9")
    assert texts(off_scale).startswith(t("survey.bad_score"))
    assert payloads(off_scale) == score_payloads(row.id)  # their question again
    assert texts(await user.presses(f"sv:rate:{row.id}:0")).startswith(t("survey.bad_score"))
    assert texts(await user.presses(f"sv:rate:{row.id}:abc")) == t("errors.bad_button")
    assert texts(await user.presses(f"sv:rate:{row.id}")) == t("errors.bad_button")
    assert texts(await user.presses("sv:rate:999999:3")) == t("survey.not_found")
    assert t("flows.stale_button") in texts(await user.presses("sv:note:comment:skip"))
    [row] = await surveys(app)
    assert (row.status, row.rating, row.comment) == (SurveyStatus.ASKED, None, None)
    # A comment that is too long is asked for again, not cut.
    await user.presses(f"sv:rate:{row.id}:5")
    too_long = await user.says("Rất tốt " * 80)
    assert texts(too_long).startswith(t("handoff.too_long", length=639, limit=500))
    skipped = await user.presses("sv:note:comment:skip")
    assert texts(skipped) == t("survey.thanks")
    [row] = await surveys(app)
    assert (row.rating, row.comment) == (5, None)


async def test_the_desk_card_opens_the_survey_once_a_day(app: App) -> None:
    scene = await setting(app)
    volunteer, user = scene["volunteer"], scene["citizen"]
    assert isinstance(volunteer, ChatUser) and isinstance(user, ChatUser)
    visitor = ChatUser(app, "3401", "Vũ Thị Lan")
    opened = await visitor.says("/start survey")
    [desk] = await surveys(app)
    assert (desk.source, desk.visit, desk.helper_id) == (SurveySource.DESK, None, None)
    assert texts(opened).startswith(t("survey.ask_desk"))
    assert payloads(opened) == score_payloads(desk.id)
    assert labels(opened)[4] == t("survey.score_5")
    await visitor.presses(f"sv:rate:{desk.id}:5")
    assert texts(await visitor.presses("sv:note:comment:skip")) == t("survey.thanks")
    assert texts(await visitor.says("/start survey")) == t("survey.already_today")
    assert texts(await visitor.says("Đánh giá")) == t("survey.already_today")
    # Someone with a question waiting gets that one, whichever way they open it.
    entry = await log_help(volunteer, int(scene["home"]))
    waiting = await user.says("danh gia")
    assert texts(waiting).startswith(t("survey.ask_assist"))
    [_, visit] = await surveys(app)
    assert visit.visit == f"assist:{entry}" and payloads(waiting) == score_payloads(visit.id)
    # The next day the visitor may rate again; "đánh giá" inside a longer question is a question.
    at(app, TOMORROW)
    assert texts(await visitor.says("Đánh giá!")).startswith(t("survey.ask_desk"))
    assert not texts(await visitor.says("đánh giá hồ sơ thế nào")).startswith(t("survey.ask_desk"))
    assert len(await surveys(app)) == 3


async def test_on_the_console_the_typed_number_is_the_score(app: App) -> None:
    scene = await setting(app)
    volunteer, village = scene["volunteer"], scene["v"]
    assert isinstance(volunteer, ChatUser) and isinstance(village, int)
    console = ChannelInfo("console", buttons=False, edits=False, max_text=100_000)
    app.dispatcher.connect(console)
    user, home = await citizen(app, "console-1", "Đặng Văn Nam", village, "0905111222",
                               channel="console")  # fmt: skip
    await log_help(volunteer, home)
    sender = RecordingSender(info=console)
    await delivery.drain(app.db, {"console": sender}, FakeClock(NOW))
    assert sender.to("console-1") == []  # asked a little after the visit
    await delivery.drain(app.db, {"console": sender}, FakeClock(NOW + ASK_DELAY))
    [shown] = sender.to("console-1")
    assert f"  1. {t('survey.score_1')}" in shown and f"  5. {t('survey.score_5')}" in shown
    assert f"  6. {t('survey.no_thanks')}" in shown
    rated = await user.says("4")
    assert texts(rated).startswith(t("survey.ask_comment", score=t("survey.score_4"), limit=500))
    assert f"1. {t('survey.skip_comment')}" in texts(rated)
    await user.says("Cảm ơn các cháu nhiều")
    async with app.sessionmaker() as session:
        pid = await session.scalar(
            select(ChatIdentity.person_id).where(ChatIdentity.external_id == "console-1")
        )
        row = await session.scalar(select(Survey).where(Survey.person_id == pid))
    assert row is not None
    assert (row.rating, row.comment) == (4, "Cảm ơn các cháu nhiều")


async def stored_for(app: App, channel: str, external_id: str) -> Survey:
    async with app.sessionmaker() as session:
        pid = await session.scalar(
            select(ChatIdentity.person_id).where(
                ChatIdentity.channel == channel, ChatIdentity.external_id == external_id
            )
        )
        row = await session.scalar(select(Survey).where(Survey.person_id == pid))
    assert row is not None
    return row


async def test_the_desk_code_on_telegram(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    user = 555201
    fake_telegram.user_sends_text(user, "/start survey", first_name="Lan")
    [question] = await fake_telegram.wait_for(user, 1)
    assert question.text is not None and question.text.startswith(t("survey.ask_desk"))
    assert question.button_labels == [*(t(key) for key in SCORE_BUTTONS), t("survey.no_thanks")]
    score_5 = question.buttons[4][0][1]
    assert score_5.startswith("sv:rate:") and score_5.endswith(":5")
    fake_telegram.user_presses_button(user, score_5)
    messages = await fake_telegram.wait_for(user, 2)
    assert t("survey.skip_comment") in messages[-1].button_labels
    fake_telegram.user_sends_text(user, "Cán bộ rất nhiệt tình")
    messages = await fake_telegram.wait_for(user, 3)
    assert messages[-1].text == t("survey.thanks_comment")
    row = await stored_for(app, "telegram", str(user))
    assert (row.source, row.rating, row.comment) == (
        SurveySource.DESK,
        5,
        "Cán bộ rất nhiệt tình",
    )


async def test_the_desk_words_on_zalo(
    app: App, zalo: ZaloChannel, fake_zalo: FakeZaloServer
) -> None:
    user = "5e1f0c2b3a4d5e6f7a8b"
    fake_zalo.user_sends(user, "danh gia", name="Lan")
    [question] = await fake_zalo.wait_for(user, 1)
    text = question.text or ""
    assert text.startswith(t("survey.ask_desk"))
    assert f"  3. {t('survey.score_3')}" in text and f"  6. {t('survey.no_thanks')}" in text
    fake_zalo.user_sends(user, "3", name="Lan")
    await fake_zalo.wait_for(user, 2)
    fake_zalo.user_sends(user, "1", name="Lan")  # "1. Bỏ qua"
    [*_, thanks] = await fake_zalo.wait_for(user, 3)
    assert (thanks.text or "").startswith(t("survey.thanks"))
    row = await stored_for(app, "zalo", user)
    assert (row.rating, row.comment) == (3, None)


def test_the_desk_words_in_the_console(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "đánh giá\n5\nCán bộ giúp rất nhanh\n", "chat")
    assert result.returncode == 0, result.stderr
    assert f"  5. {t('survey.score_5')}" in result.stdout
    assert t("survey.thanks_comment") in result.stdout
    with sqlite3.connect(tmp_path / "c.db") as db:
        rows = db.execute("SELECT source, rating, comment FROM surveys").fetchall()
    assert rows == [("desk", 5, "Cán bộ giúp rất nhanh")]


async def test_two_helpers_saving_at_once_ask_once(app: App) -> None:
    scene = await setting(app)
    first, home = scene["volunteer"], int(scene["home"])
    assert isinstance(first, ChatUser)
    second = await staff_user(app, "3004", Role.VOLUNTEER, name="Tình nguyện Lan")
    for volunteer in (first, second):
        await volunteer.presses(f"ha:{home}")
        await volunteer.presses(f"ha:{home}:t:portal_login")
        await volunteer.presses(f"ha:{home}:n")
        await volunteer.presses(f"ha:{home}:p:-")
    await asyncio.gather(first.presses(f"ha:{home}:s"), second.presses(f"ha:{home}:s"))
    async with app.sessionmaker() as session:
        logged = list(await session.scalars(select(Assistance.id)))
    assert len(logged) == 2
    assert len(await surveys(app)) == 1 and len(await questions(app)) == 1
