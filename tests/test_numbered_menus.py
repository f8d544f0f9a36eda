"""Numbered menus on a channel without buttons (as on Zalo or the console), through the real
dispatcher and database: a typed number means the number printed, across restarts."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.app import App, build_app
from bot.core.channels import ChannelInfo
from bot.core.messages import Reply
from bot.db.models import ConversationState, Household, Role
from bot.locales import t
from tests.helpers import ChatUser, texts
from tests.test_households_flow import grant, make_villages

TEXT_CHANNEL = ChannelInfo("sms", buttons=False, edits=False, max_text=2000, files=False)


def number_of(replies: list[Reply], label: str) -> str:
    """The number printed beside a label, as the person reads it."""
    for line in texts(replies).splitlines():
        found = re.match(r"^\s*(\d+)\. (.*)$", line)
        if found and found.group(2).startswith(label):
            return found.group(1)
    raise AssertionError(f"{label!r} is not on the menu:\n{texts(replies)}")


async def text_volunteer(app: App, village: int) -> ChatUser:
    app.dispatcher.connect(TEXT_CHANNEL)
    volunteer = ChatUser(app, user_id="5001", name="Trần Văn Tư", channel=TEXT_CHANNEL.name)
    await volunteer.says("/start")
    await grant(app, "5001", Role.VOLUNTEER, village, channel=TEXT_CHANNEL.name)
    return volunteer


async def up_to_accounts(volunteer: ChatUser, members: str) -> list[Reply]:
    """Register a household by typing numbers, up to the accounts question."""
    search = await volunteer.says("/households")
    consent = await volunteer.says(number_of(search, t("volunteer.add_new")))
    await volunteer.says(number_of(consent, t("volunteer.consent_yes")))
    await volunteer.says("Nguyễn Văn Ba")
    return await volunteer.says(members)


async def finish(volunteer: ChatUser, after_accounts: list[Reply]) -> None:
    paid = await volunteer.says(number_of(after_accounts, t("volunteer.yes")))
    phone = await volunteer.says(number_of(paid, t("volunteer.not_yet")))
    note = await volunteer.says(number_of(phone, t("volunteer.skip")))
    summary = await volunteer.says(number_of(note, t("volunteer.skip")))
    saved = await volunteer.says(number_of(summary, t("volunteer.save")))
    assert "Nguyễn Văn Ba" in texts(saved)


async def stored(app: App) -> tuple[int, int]:
    async with app.sessionmaker() as session:
        household = await session.scalar(
            select(Household).where(Household.head_name == "Nguyễn Văn Ba")
        )
    assert household is not None
    return household.members, household.members_with_account


async def test_typing_3_for_a_count_stores_3(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await text_volunteer(app, village)
    accounts = await up_to_accounts(volunteer, "4")
    assert "0 · 1 · 2 · 3 · 4" in texts(accounts)
    after = await volunteer.says("3")
    await finish(volunteer, after)
    assert await stored(app) == (4, 3)


async def test_other_number_then_eleven_stores_eleven(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await text_volunteer(app, village)
    search = await volunteer.says("/households")
    consent = await volunteer.says(number_of(search, t("volunteer.add_new")))
    await volunteer.says(number_of(consent, t("volunteer.consent_yes")))
    members = await volunteer.says("Nguyễn Văn Ba")
    prompt = await volunteer.says(number_of(members, t("volunteer.other_number")))
    assert "Gõ số để chọn" not in texts(prompt)  # a prompt without choices: 11 is the answer
    accounts = await volunteer.says("11")
    other = await volunteer.says(number_of(accounts, t("volunteer.other_number")))
    after = await volunteer.says("10")
    assert t("volunteer.ask_sub") in texts(after), texts(other)
    await finish(volunteer, after)
    assert await stored(app) == (11, 10)


async def test_a_number_not_on_the_menu_or_back_words_show_the_menu_again(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await text_volunteer(app, village)
    accounts = await up_to_accounts(volunteer, "4")
    for typed in ("9", "99", "quay lại", "xong", "menu", "Huy"):
        again = await volunteer.says(typed)
        assert "0 · 1 · 2 · 3 · 4" in texts(again), typed
        assert t("guides.out_of_scope") not in texts(again)
        assert texts(again) != texts(accounts)  # one short hint comes first
    after = await volunteer.says("2")
    await finish(volunteer, after)
    assert await stored(app) == (4, 2)


async def test_the_menu_survives_a_restart(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await text_volunteer(app, village)
    await up_to_accounts(volunteer, "4")
    await app.close()
    restarted = build_app(app.settings)
    try:
        restarted.dispatcher.connect(TEXT_CHANNEL)
        volunteer.app = restarted
        after = await volunteer.says("3")
        await finish(volunteer, after)
        assert await stored(restarted) == (4, 3)
    finally:
        await restarted.close()


async def test_a_prompt_without_choices_forgets_the_menu(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await text_volunteer(app, village)
    search = await volunteer.says("/households")
    consent = await volunteer.says(number_of(search, t("volunteer.add_new")))
    await volunteer.says(number_of(consent, t("volunteer.consent_yes")))
    members = await volunteer.says("Nguyễn Văn Ba")
    other = number_of(members, t("volunteer.other_number"))
    await volunteer.says(other)
    async with app.sessionmaker() as session:
        [state] = [s for s in await session.scalars(select(ConversationState)) if s.flow]
    assert state.flow == "hh_new" and state.menu is None
    # The number that was "Số khác" a moment ago is now the answer to "how many members?".
    accounts = await volunteer.says(other)
    assert t("volunteer.ask_acc", members=int(other)).splitlines()[0] in texts(accounts)
    after = await volunteer.says("1")
    await finish(volunteer, after)
    assert await stored(app) == (int(other), 1)
