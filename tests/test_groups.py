"""Group chats: the bot answers only public things there, and never sends personal data to one.

A probe found an official's reports, a household card, a citizen's phone and the daily tally
shown in a group, because a group was treated like a private chat and the chat a person wrote
from last became where their notifications went.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.db.models import ChatIdentity, OutboxMessage, Role
from bot.locales import t
from tests.fakes import FakeTelegramServer
from tests.helpers import ChatUser, payloads, texts
from tests.test_households_flow import add_household, grant, make_villages

GROUP = "-100200300"


async def staff(app: App, user_id: str, role: Role, village: int | None = None) -> ChatUser:
    user = ChatUser(app, user_id=user_id, name=f"Cán bộ {user_id}")
    await user.says("/start")
    await grant(app, user_id, role, village)
    return user


async def test_reports_and_households_are_not_shown_in_a_group(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Ba", members=3, accounts=1)
    official = await staff(app, "8001", Role.OFFICIAL)
    officer = await staff(app, "8002", Role.OFFICER)
    in_group = official.in_group(GROUP)
    for command in ("/coverage", "/today", "/kpi", "/report", "/households", "/people"):
        answer = texts(await in_group.says(command))
        assert t("groups.private_only") in answer, command
        assert "Thôn Đông" not in answer and "%" not in answer
    card = texts(await officer.in_group(GROUP).presses(f"hh:{household}"))
    assert t("groups.private_only") in card and "Nguyễn Văn Ba" not in card
    assert "Thôn Đông" in texts(await official.says("/coverage"))  # in private it works


async def test_a_group_gets_guides_and_the_way_to_the_bot_in_private(app: App) -> None:
    citizen = ChatUser(app, user_id="8100", group=GROUP)
    answer = await citizen.says("lam giay khai sinh cho con")
    assert "Đăng ký khai sinh" in texts(answer)
    menu = await citizen.says("/start")
    assert t("groups.menu_intro") in texts(menu)
    assert "gl" in payloads(menu) and "ho" not in payloads(menu) and "hs" not in payloads(menu)
    asked = texts(await citizen.presses("ho:ask"))
    assert t("groups.private_only") in asked


async def test_notifications_go_only_to_a_private_chat(app: App) -> None:
    officer = await staff(app, "8201", Role.OFFICER)
    await officer.in_group(GROUP).says("xin chào mọi người")  # the last chat is now the group
    only_in_groups = ChatUser(app, user_id="8202", name="Lê Văn Nhóm", group=GROUP)
    await only_in_groups.says("/help")
    await grant(app, "8202", Role.OFFICER)
    citizen = ChatUser(app, user_id="8203", name="Trần Thị Hoa")
    await citizen.presses("ho:ask")
    await citizen.says("Tôi cần làm giấy khai sinh cho con")
    await citizen.says("0987654321")
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
        identities = list(await session.scalars(select(ChatIdentity)))
    assert [row.chat_id for row in rows] == ["8201"]  # the officer's private chat only
    assert all(identity.chat_id != GROUP for identity in identities)


async def test_a_flow_in_private_is_not_fed_by_group_messages(app: App) -> None:
    citizen = ChatUser(app, user_id="8301", name="Trần Thị Hoa")
    await citizen.presses("ho:ask")
    await citizen.says("Tôi cần làm giấy khai sinh cho con")  # now asked for a phone
    await citizen.in_group(GROUP).says("0987654321")
    async with app.sessionmaker() as session:
        assert not list(await session.scalars(select(OutboxMessage)))  # nothing was submitted
    answer = await citizen.says("0912345678")
    assert "Đã gửi yêu cầu" in texts(answer)


async def test_telegram_group_messages_are_marked_as_group(
    app: App, telegram: object, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.user_sends_text(8401, "/start")
    await fake_telegram.wait_for(8401, 1)
    await grant(app, "8401", Role.OFFICIAL, channel="telegram")
    fake_telegram.user_sends_text(8401, "/coverage", chat_id=int(GROUP))
    [answer] = await fake_telegram.wait_for(int(GROUP), 1)
    assert answer.text is not None and t("groups.private_only") in answer.text
