"""Talking to the bot inside and around a guide, through the real dispatcher and database:
typed words act as the guide's buttons, greetings and thanks get a friendly answer, the
out-of-scope answer claims nothing a guide covers, the desk's places, hours and people on duty
come from what the commune configured, and pictures and /cancel keep the person's place."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.app import App
from bot.content.catalog import load_catalog
from bot.core.channels import ChannelInfo
from bot.db.models import Location, LocationKind, Person, Shift, ShiftAssignment, ShiftTemplate
from bot.locales import t
from bot.services import places
from bot.services.guides.matching import Language
from bot.vntext import fold
from tests.helpers import ChatUser, labels, payloads, texts

BIRTH = "birth-registration"
TEXT_CHANNEL = ChannelInfo("sms", buttons=False, edits=False, max_text=2000, files=False)


def step_of(replies: list[object]) -> str:
    """ "Bước 3/8" of the step shown, or "" when no step is shown."""
    for line in texts(replies).splitlines():  # type: ignore[arg-type]
        if line.startswith("Bước "):
            return line.split(" — ")[0]
    return ""


async def at_step(user: ChatUser, number: int) -> None:
    """Open the birth guide and walk to step `number` with the buttons."""
    await user.presses(f"g:{BIRTH}")
    for shown in range(1, number + 1):
        await user.presses(f"gs:{BIRTH}:{shown}")


def total_steps(app: App) -> int:
    guide = app.services.catalog.get(BIRTH)
    assert guide is not None
    return len(guide.steps)


# ------------------------------------------------------------- typed words inside a guide


@pytest.mark.parametrize("typed", ["tiếp", "Tiếp theo", "tiep", "tiep tuc", "tiếp đi ạ", "next"])
async def test_typed_next_goes_to_the_next_step(app: App, typed: str) -> None:
    user = ChatUser(app)
    await at_step(user, 2)
    total = total_steps(app)
    assert step_of(await user.says(typed)) == f"Bước 3/{total}", typed


@pytest.mark.parametrize("typed", ["quay lại", "quay lai", "lùi", "lui lai", "bước trước"])
async def test_typed_back_goes_to_the_previous_step(app: App, typed: str) -> None:
    user = ChatUser(app)
    await at_step(user, 3)
    assert step_of(await user.says(typed)) == f"Bước 2/{total_steps(app)}", typed


@pytest.mark.parametrize("typed", ["vướng", "bị vướng", "em không làm được", "ko lam dc", "kẹt"])
async def test_typed_stuck_is_the_stuck_button(app: App, typed: str) -> None:
    user = ChatUser(app)
    await at_step(user, 2)
    replies = await user.says(typed)
    assert texts(replies) == t("guides.stuck_text", number=2), typed
    assert f"gs:{BIRTH}:2" in payloads(replies)


async def test_typed_done_is_next_then_finish_on_the_last_step(app: App) -> None:
    user = ChatUser(app)
    total = total_steps(app)
    await at_step(user, total - 1)
    assert step_of(await user.says("xong")) == f"Bước {total}/{total}"
    done = await user.says("Xong rồi")
    assert "đã giải quyết được chưa" in texts(done)
    assert f"gf:{BIRTH}:1" in payloads(done)
    # The guide is over: "tiếp" now continues nothing and is not the way to a person.
    after = await user.says("tiếp")
    assert step_of(after) == "" and "ho:ask" not in payloads(after)


async def test_typed_next_from_the_introduction_starts_the_guide(app: App) -> None:
    user = ChatUser(app)
    await user.presses(f"g:{BIRTH}")
    assert step_of(await user.says("tiếp")) == f"Bước 1/{total_steps(app)}"


async def test_guide_words_work_on_a_channel_without_buttons(app: App) -> None:
    app.dispatcher.connect(TEXT_CHANNEL)
    user = ChatUser(app, user_id="6001", channel=TEXT_CHANNEL.name)
    total = total_steps(app)
    await user.says("làm giấy khai sinh cho con")
    assert step_of(await user.says("tiếp")) == f"Bước 1/{total}"
    assert step_of(await user.says("tiếp")) == f"Bước 2/{total}"
    assert step_of(await user.says("quay lại")) == f"Bước 1/{total}"
    assert step_of(await user.says("xong")) == f"Bước 2/{total}"
    assert texts(await user.says("vướng")).startswith(t("guides.stuck_text", number=2))
    assert step_of(await user.says("1")) == f"Bước 2/{total}"  # typed numbers still work


async def test_guide_words_need_a_guide_in_progress_lately(app: App) -> None:
    start = datetime.now(UTC)
    clock = [start]
    app.dispatcher.clock = lambda: clock[0]
    user = ChatUser(app)
    nothing = await user.says("tiếp")
    assert step_of(nothing) == "" and "ho:ask" not in payloads(nothing)
    await at_step(user, 2)
    clock[0] = start + timedelta(hours=3)
    later = await user.says("tiếp")
    assert step_of(later) == "" and "ho:ask" not in payloads(later)
    # The menu still offers to continue where the person stopped.
    assert f"gs:{BIRTH}:2" in payloads(later)


async def test_a_flow_waiting_for_text_gets_the_words_not_the_guide(app: App) -> None:
    user = ChatUser(app)
    await at_step(user, 2)
    await user.presses("ho:ask")
    replies = await user.says("không làm được")
    assert t("handoff.ask_phone").splitlines()[0] in texts(replies)


async def test_guide_words_in_a_group_do_not_move_anyones_guide(app: App) -> None:
    user = ChatUser(app)
    await at_step(user, 2)
    replies = await user.in_group("-100").says("tiếp")
    assert step_of(replies) == ""


# -------------------------------------------------------------- questions and the answers


@pytest.mark.parametrize("question", ["nộp tiền online", "nộp tiền trực tuyến", "nop tien onl"])
async def test_paying_online_in_everyday_words_opens_the_payment_guide(
    app: App, question: str
) -> None:
    replies = await ChatUser(app).says(question)
    assert "📘 Nộp lệ phí trực tuyến" in texts(replies), question


def test_the_out_of_scope_answer_names_no_topic_a_guide_covers() -> None:
    language = Language.load()
    answer = " ".join(language.syllables(t("guides.out_of_scope")))
    for guide in load_catalog().guides.values():
        if guide.id == "help-desk":  # the answer points to a person on purpose
            continue
        for phrase in (guide.title, *guide.aliases):
            words = " ".join(language.syllables(phrase))
            assert f" {words} " not in f" {answer} ", (guide.id, phrase)
    assert "thanh toan" not in fold(t("guides.out_of_scope"))


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("xin chào", "guides.hello"),
        ("Chào bạn", "guides.hello"),
        ("alo", "guides.hello"),
        ("alo alo", "guides.hello"),
        ("cảm ơn", "guides.thanks"),
        ("cám ơn nhé", "guides.thanks"),
        ("cam on ban nhieu nha", "guides.thanks"),
        ("ok", "guides.ack"),
        ("vâng", "guides.ack"),
        ("dạ", "guides.ack"),
    ],
)
async def test_greetings_and_thanks_get_a_friendly_answer_with_the_menu(
    app: App, typed: str, key: str
) -> None:
    replies = await ChatUser(app).says(typed)
    shown = texts(replies)
    assert shown.startswith(t(key, name="Nguyễn Văn An")), typed
    assert t("guides.out_of_scope") not in shown and "Xin lỗi" not in shown
    assert "gl" in payloads(replies) and "ho" in payloads(replies)  # the main menu


async def test_a_greeting_with_a_question_is_answered_as_the_question(app: App) -> None:
    replies = await ChatUser(app).says("chào bạn, cho hỏi làm giấy khai sinh cho con")
    assert "📘 Đăng ký khai sinh" in texts(replies)


# -------------------------------------------------------------- the desk, as configured


async def configure_desk(app: App) -> str:
    """A one-stop desk with weekday hours and, now, a volunteer on duty (with a phone)."""
    tz = app.settings.commune.tz
    now = datetime.now(tz)
    today = now.date()
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        desk = Location(
            commune_id=commune.id,
            name="Bộ phận một cửa UBND xã",
            kind=LocationKind.COMMUNE_DESK,
            address="12 đường Trần Phú",
        )
        house = Location(
            commune_id=commune.id, name="Nhà văn hóa thôn Đông", kind=LocationKind.CULTURAL_HOUSE
        )
        session.add_all([desk, house])
        await session.flush()
        for weekday in range(5):
            session.add(
                ShiftTemplate(
                    location_id=desk.id, weekday=weekday, starts=time(7, 30), ends=time(11, 30)
                )
            )
            session.add(
                ShiftTemplate(
                    location_id=desk.id, weekday=weekday, starts=time(13, 30), ends=time(17, 0)
                )
            )
        session.add(
            ShiftTemplate(location_id=house.id, weekday=5, starts=time(8, 0), ends=time(11, 0))
        )
        volunteer = Person(display_name="Trần Thị Mai", phone="0987654321")
        session.add(volunteer)
        await session.flush()
        shift = Shift(
            location_id=desk.id,
            day=today,
            starts_at=(now - timedelta(hours=1)).astimezone(UTC),
            ends_at=(now + timedelta(hours=3)).astimezone(UTC),
        )
        session.add(shift)
        await session.flush()
        session.add(ShiftAssignment(shift_id=shift.id, person_id=volunteer.id))
    return "0987654321"


def assert_desk_shown(shown: str, phone: str) -> None:
    assert "Bộ phận một cửa UBND xã" in shown and "12 đường Trần Phú" in shown
    assert "T2–T6" in shown and "07:30–11:30" in shown and "13:30–17:00" in shown
    assert "Nhà văn hóa thôn Đông" in shown and "T7" in shown and "08:00–11:00" in shown
    assert "Mai" in shown  # the first name of who is on duty today
    assert phone not in shown and "Trần Thị Mai" not in shown


async def test_the_way_to_a_person_shows_the_desks_places_hours_and_who_is_on_duty(
    app: App,
) -> None:
    phone = await configure_desk(app)
    user = ChatUser(app)
    assert_desk_shown(texts(await user.presses("ho")), phone)
    assert_desk_shown(texts(await user.presses("g:help-desk")), phone)
    for question in ("lịch trực của xã thế nào", "xa lam viec may gio", "bộ phận một cửa ở đâu"):
        assert_desk_shown(texts(await user.says(question)), phone)


async def test_without_configured_places_the_desk_is_described_in_general(app: App) -> None:
    guide = app.services.catalog.get("help-desk")
    assert guide is not None
    assert guide.where in texts(await ChatUser(app).presses("g:help-desk"))


# -------------------------------------------------------------- pictures and /cancel


async def test_the_picture_in_the_middle_of_a_guide_offers_the_way_back(app: App) -> None:
    user = ChatUser(app)
    await at_step(user, 3)
    replies = await user.presses(f"gi:{BIRTH}")
    assert f"gs:{BIRTH}:3" in payloads(replies)
    assert t("guides.back_to_step", number=3) in labels(replies)
    assert f"gs:{BIRTH}:1" in payloads(replies)  # starting over is still offered


async def test_cancel_in_a_guide_says_it_is_paused_and_can_be_continued(app: App) -> None:
    user = ChatUser(app)
    await at_step(user, 2)
    replies = await user.says("/cancel")
    assert t("cancel.nothing") not in texts(replies)
    assert t("cancel.guide_paused", title="Đăng ký khai sinh", number=2) in texts(replies)
    assert f"gs:{BIRTH}:2" in payloads(replies)
    assert t("cancel.nothing") in texts(await ChatUser(app, user_id="99").says("/cancel"))
