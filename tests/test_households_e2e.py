"""Over HTTP with the real Telegram channel: invite, join, register, update, log help; refusals."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.db.models import Assistance, AuditEntry, Household, Role
from bot.locales import t
from tests.fakes import FakeTelegramServer
from tests.fakes.telegram_api import SentMessage
from tests.test_households_flow import grant, make_villages

ADMIN = 880001
VOLUNTEER = 880002
CITIZEN = 880003


class Chat:
    """One Telegram user; each action waits for exactly the messages it should produce."""

    def __init__(self, fake: FakeTelegramServer, user_id: int, name: str) -> None:
        self.fake, self.user_id, self.name = fake, user_id, name

    async def _expect(self, action: Callable[[], object], count: int) -> list[SentMessage]:
        before = len(self.fake.messages_to(self.user_id))
        action()
        messages = await self.fake.wait_for(self.user_id, before + count)
        return messages[before:]

    async def says(self, text: str, count: int = 1) -> SentMessage:
        sent = await self._expect(
            lambda: self.fake.user_sends_text(self.user_id, text, first_name=self.name), count
        )
        return sent[-1]

    async def presses(self, data: str, count: int = 1) -> SentMessage:
        sent = await self._expect(lambda: self.fake.user_presses_button(self.user_id, data), count)
        return sent[-1]


def button_data(message: SentMessage) -> list[str]:
    return [data for row in message.buttons for _, data in row]


async def test_volunteer_joins_registers_updates_and_logs_help_over_telegram(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    admin = Chat(fake_telegram, ADMIN, "Hùng")
    await admin.says("/start")
    await grant(app, str(ADMIN), Role.ADMIN, channel="telegram")

    # The admin creates an invite in chat.
    roles = await admin.says("/invite")
    assert "ai:r:volunteer" in button_data(roles)
    villages = await admin.presses("ai:r:volunteer")
    assert f"ai:v:volunteer:{east}" in button_data(villages)
    link = await admin.presses(f"ai:v:volunteer:{east}", count=2)
    assert link.text is not None
    assert link.text.startswith("https://t.me/dvc_test_bot?start=join-")  # tap to join
    code = link.text.split("join-", 1)[1]

    # A second user joins with the deep link and gets the volunteer menu.
    volunteer = Chat(fake_telegram, VOLUNTEER, "Mai")
    welcome = await volunteer.says(f"/start join-{code}")
    assert welcome.text is not None and "Tình nguyện viên" in welcome.text
    assert t("volunteer.menu") in welcome.button_labels
    assert t("volunteer.my_tally") in welcome.button_labels

    # Search first, then register a new household through the buttons.
    ask = await volunteer.presses("hs")
    assert ask.text is not None and "Thôn Đông" in ask.text
    none = await volunteer.says("Hoàng Văn Nam")
    assert f"hn:{east}" in button_data(none)
    consent = await volunteer.presses(f"hn:{east}")
    assert "hc:ok:1" in button_data(consent)
    name = await volunteer.presses("hc:ok:1")
    assert "hc:name:q" in button_data(name)
    await volunteer.presses("hc:name:q")
    await volunteer.presses("hc:mem:5")
    await volunteer.presses("hc:acc:1")
    await volunteer.presses("hc:sub:0")
    await volunteer.presses("hc:pay:0")
    await volunteer.says("0912345678")
    summary = await volunteer.presses("hc:note:skip")
    assert summary.text is not None and "091****678" in summary.text
    card = await volunteer.presses("hc:done:save")
    assert card.text is not None and "Đã lưu hộ mới" in card.text and "1/5" in card.text
    [household_id] = [int(d.split(":")[1]) for d in button_data(card) if d.startswith("ha:")]

    # Update it: two members have an account now.
    fields = await volunteer.presses(f"he:{household_id}")
    assert fields.method == "editMessageText"
    await volunteer.presses(f"he:{household_id}:acc")
    updated = await volunteer.says("2")
    assert updated.text is not None and t("volunteer.saved") in updated.text
    assert "2/5" in updated.text

    # Log an assistance: one tap from the card, a checklist edited in place, then save.
    checklist = await volunteer.presses(f"ha:{household_id}")
    assert checklist.method == "editMessageText" and checklist.button_labels[0].startswith("☐")
    ticked = await volunteer.presses(f"ha:{household_id}:t:level2_referral")
    assert any(label.startswith("☑") for label in ticked.button_labels)
    await volunteer.presses(f"ha:{household_id}:n")
    await volunteer.presses(f"ha:{household_id}:p:-")
    saved = await volunteer.presses(f"ha:{household_id}:s")
    assert saved.text is not None and t("volunteer.help_saved", today=1) in saved.text
    tally = await volunteer.presses("ht")
    assert tally.text is not None and "Hôm nay: 1" in tally.text

    async with app.sessionmaker() as session:
        household = await session.get(Household, household_id)
        assert household is not None
        assert (household.head_name, household.members, household.members_with_account) == (
            "Hoàng Văn Nam",
            5,
            2,
        )
        [entry] = list(await session.scalars(select(Assistance)))
        assert entry.level2_referral and entry.household_id == household_id
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "household")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["create", "update", "assist"]

    # A citizen who tries the volunteer commands is refused politely.
    citizen = Chat(fake_telegram, CITIZEN, "Lan")
    for command in ("/households", "/helped", "/invite", "/villages"):
        refused = await citizen.says(command)
        assert refused.text == t("errors.not_allowed"), command
    forged = await citizen.presses(f"hh:{household_id}")
    assert forged.text == t("errors.not_allowed")
    forged = await citizen.presses(f"ha:{household_id}:s")
    assert forged.text == t("errors.not_allowed")
    menu = await citizen.says("/menu")
    assert t("volunteer.menu") not in menu.button_labels
