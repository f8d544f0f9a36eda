"""Over HTTP with the real Telegram channel: a citizen reaches a person through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.db.models import Role
from bot.locales import t
from bot.services.survey import ASK_DELAY
from scheduler import delivery
from tests.fakes import FakeTelegramServer
from tests.test_households_e2e import Chat, button_data
from tests.test_households_flow import grant

CITIZEN = 890001
OFFICER = 890002


async def test_a_citizen_reaches_an_officer_and_gets_an_answer(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    senders = {"telegram": telegram}

    def clock() -> datetime:
        return datetime.now(UTC)

    officer = Chat(fake_telegram, OFFICER, "Hùng")
    await officer.says("/start")
    await grant(app, str(OFFICER), Role.OFFICER, channel="telegram")

    citizen = Chat(fake_telegram, CITIZEN, "Hoa")
    menu = await citizen.says("/start")
    assert "ho" in button_data(menu)
    screen = await citizen.presses("ho")
    assert button_data(screen)[:2] == ["ho:ask", "g:help-desk"]
    await citizen.presses("ho:ask")
    phone = await citizen.says("Em muốn hỏi cách đăng ký tài khoản VNeID mức 2 cho mẹ em")
    assert "ho:skip" in button_data(phone)
    created = await citizen.presses("ho:skip")
    assert created.text is not None and "Đã gửi yêu cầu số 1" in created.text

    # The officer hears of it once the outbox is delivered, and takes it.
    stats = await delivery.drain(app.db, senders, clock)
    assert stats.sent == 1
    [notice] = (await fake_telegram.wait_for(OFFICER, 2))[1:]
    assert notice.text is not None and "VNeID mức 2" in notice.text and "Hoa" in notice.text
    assert notice.button_labels == [t("handoff.take_button")]
    details = await officer.presses("ho:take:1")
    assert details.text is not None and "VNeID mức 2" in details.text
    assert button_data(details)[:2] == ["ho:msg:1", "ho:done:1"]

    # The citizen is told who took it, then receives the officer's message with a reply button.
    await officer.presses("ho:msg:1")
    await officer.says(
        "Chào em, em đưa mẹ ra bộ phận một cửa sáng thứ Hai nhé, mang theo căn cước."
    )
    before = len(fake_telegram.messages_to(CITIZEN))
    assert (await delivery.drain(app.db, senders, clock)).sent == 2
    taken, message = (await fake_telegram.wait_for(CITIZEN, before + 2))[before:]
    assert taken.text is not None and "Hùng" in taken.text
    assert message.text is not None and "sáng thứ Hai" in message.text
    assert message.button_labels == [t("handoff.reply_button")]

    # The citizen answers; the officer gets it with "message again" and "done".
    fake_telegram.user_presses_button(CITIZEN, "ho:re:1", message_id=message.message_id)
    await fake_telegram.wait_for(CITIZEN, before + 3)
    await citizen.says("Dạ em cảm ơn anh ạ.")
    assert (await delivery.drain(app.db, senders, clock)).sent == 1
    answer = fake_telegram.messages_to(OFFICER)[-1]
    assert answer.text is not None and "Dạ em cảm ơn anh ạ." in answer.text
    assert answer.button_labels == [t("handoff.more_button"), t("handoff.done_button")]

    closed = await officer.presses("ho:done:1")
    assert closed.text == t("handoff.closed", number=1)
    assert (await delivery.drain(app.db, senders, clock)).sent == 1
    last = fake_telegram.messages_to(CITIZEN)[-1]
    assert last.text == t("handoff.closed_citizen", number=1)

    # A little later they are asked once how satisfied they are (tests/test_survey.py).
    def later() -> datetime:
        return clock() + ASK_DELAY

    assert (await delivery.drain(app.db, senders, later)).sent == 1
    survey = fake_telegram.messages_to(CITIZEN)[-1]
    assert survey.text is not None and survey.text.startswith(t("survey.ask_handoff", number=1))
