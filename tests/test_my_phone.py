"""/sodienthoai: a person leaves their own phone after reading what for; the survey after
logged help then finds them; the number is masked in chat and in the audit log, and removable."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.db.models import AuditEntry, Person, Role
from bot.locales import t
from tests.helpers import ChatUser, labels, texts
from tests.test_households_flow import add_household, make_villages, person_id, staff_user
from tests.test_survey import NOW, at, log_help, questions


async def kept_phone(app: App, user: ChatUser) -> str | None:
    pid = await person_id(app, user, user.channel)
    async with app.sessionmaker() as session:
        person = await session.get(Person, pid)
        assert person is not None
        return person.phone


async def test_a_citizen_leaves_their_number_after_reading_what_it_is_for(app: App) -> None:
    citizen = ChatUser(app, "4101", "Lê Thị Hoa")
    await citizen.says("/start")
    shown = await citizen.says("/sodienthoai")
    assert t("my_phone.why") in texts(shown) and t("my_phone.none_kept") in texts(shown)
    assert t("my_phone.forget_button") not in labels(shown)
    await citizen.presses("sdt:set")
    assert texts(await citizen.says("0912 34")).startswith(t("my_phone.bad"))
    assert await kept_phone(app, citizen) is None
    saved = texts(await citizen.says("+84 912 345 678"))
    assert saved == t("my_phone.saved", phone="091****678")
    assert "0912345678" not in saved
    assert await kept_phone(app, citizen) == "0912345678"
    again = await citizen.says("/sodienthoai")
    assert t("my_phone.kept", phone="091****678") in texts(again)
    assert t("my_phone.forget_button") in labels(again)
    async with app.sessionmaker() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity == "person"))
    assert entry is not None and entry.after == {"phone": "091****678"}


async def test_the_number_left_lets_the_survey_follow_logged_help(app: App) -> None:
    at(app, NOW)
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await staff_user(app, "4001", Role.VOLUNTEER, name="Tình nguyện Mai")
    citizen = ChatUser(app, "4102", "Trần Văn Bình")
    await citizen.says("/start")
    home = await add_household(
        app, village, "Trần Văn Bình", members=3, phone="0988777666", now=NOW
    )
    await log_help(volunteer, home)
    assert not await questions(app)  # the bot does not know who lives there yet
    await citizen.says("/sodienthoai")
    await citizen.presses("sdt:set")
    await citizen.says("0988 777 666")
    await log_help(volunteer, home)
    asked = await questions(app)
    assert len(asked) == 1
    [row] = asked.values()
    assert row.person_id == await person_id(app, citizen, citizen.channel)


async def test_the_number_can_be_removed_and_a_stale_button_says_so(app: App) -> None:
    citizen = ChatUser(app, "4103", "Phạm Thị Cúc")
    await citizen.says("/start")
    assert texts(await citizen.presses("sdt:del")) == t("my_phone.nothing_to_forget")
    await citizen.presses("sdt:set")
    await citizen.says("0905111222")
    assert texts(await citizen.presses("sdt:del")) == t("my_phone.forgotten")
    assert await kept_phone(app, citizen) is None
    assert t("my_phone.none_kept") in texts(await citizen.says("/sodienthoai"))


async def test_help_logged_later_for_an_earlier_day_asks_nothing(app: App) -> None:
    at(app, NOW)
    [village] = await make_villages(app, "Thôn Tây")
    volunteer = await staff_user(app, "4002", Role.VOLUNTEER, name="Tình nguyện Lan")
    citizen = ChatUser(app, "4104", "Đỗ Văn Nam")
    await citizen.says("/start")
    await citizen.says("/sodienthoai")
    await citizen.presses("sdt:set")
    await citizen.says("0911222333")
    home = await add_household(app, village, "Đỗ Văn Nam", members=3, phone="0911222333", now=NOW)
    await volunteer.presses(f"ha:{home}")
    await volunteer.presses(f"ha:{home}:t:portal_login")
    await volunteer.presses(f"ha:{home}:n")
    await volunteer.presses(f"ha:{home}:p:-")
    await volunteer.presses(f"ha:{home}:d")
    await volunteer.presses(f"ha:{home}:w:2026-11-16")  # two days before NOW
    assert t("volunteer.help_saved", today=0).split("0")[0] in texts(
        await volunteer.presses(f"ha:{home}:s")
    )
    assert not await questions(app)
