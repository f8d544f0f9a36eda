"""Over HTTP with the real Telegram channel and a fake clock: a volunteer signs up, gets both
reminders at their times, presses "I can't come" on one, and a second volunteer takes over."""

from __future__ import annotations

from datetime import date

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.db.models import Role
from bot.locales import t
from scheduler import delivery
from scheduler.runtime import Runtime
from scheduler.shifts import plan_reminders
from tests.fakes import FakeTelegramServer
from tests.helpers import ChatUser
from tests.test_households_e2e import Chat, button_data
from tests.test_households_flow import grant, person_id
from tests.test_shift_support import (
    FakeClock,
    active_holders,
    generate,
    local,
    make_desk,
    shift_at,
)

LAN, MINH, HUNG = 960001, 960002, 960003
PEOPLE = ((LAN, "Lan"), (MINH, "Minh"), (HUNG, "Hùng"))


async def test_sign_up_reminders_and_a_stand_in_over_telegram(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    clock = FakeClock(local(2026, 11, 29, 10))
    app.dispatcher.clock = clock
    desk = await make_desk(app, needed=1)
    await generate(app, date(2026, 11, 30), 1, now=clock())
    lan, minh, hung = (Chat(fake_telegram, user, name) for user, name in PEOPLE)
    for chat, role in ((lan, Role.VOLUNTEER), (minh, Role.VOLUNTEER), (hung, Role.OFFICER)):
        await chat.says("/start")
        await grant(app, str(chat.user_id), role, channel="telegram")
    runtime = Runtime(
        db=app.db, services=app.services, senders={"telegram": telegram}, clock=clock
    )

    async def tick() -> None:
        await plan_reminders(runtime)
        await delivery.drain(app.db, runtime.senders, clock)

    # Lan signs up for Tuesday morning from the list of open shifts.
    menu = await lan.says("/menu")
    assert "sh" in button_data(menu)
    shifts = await lan.presses("so")
    tuesday = await shift_at(app, desk.desk, local(2026, 12, 1, 7, 30))
    assert f"sj:{tuesday.id}" in button_data(shifts)
    signed = await lan.presses(f"sj:{tuesday.id}")
    assert signed.text is not None and "Bạn đã đăng ký ca Thứ Ba 01/12/2026" in signed.text

    # The evening before at 19:00, and 60 minutes before the start; not a minute earlier.
    before = len(fake_telegram.messages_to(LAN))
    clock.set(local(2026, 11, 30, 18, 59))
    await tick()
    assert len(fake_telegram.messages_to(LAN)) == before
    clock.set(local(2026, 11, 30, 19))
    await tick()
    [eve] = (await fake_telegram.wait_for(LAN, before + 1))[before:]
    assert eve.text is not None and eve.text.startswith("🔔 Nhắc lịch trực ngày mai")
    assert t("shift_remind.cannot_come") in eve.button_labels
    clock.set(local(2026, 12, 1, 6, 29))
    await tick()
    assert len(fake_telegram.messages_to(LAN)) == before + 1
    clock.set(local(2026, 12, 1, 6, 30))
    await tick()
    await tick()
    [soon] = (await fake_telegram.wait_for(LAN, before + 2))[before + 1 :]
    assert soon.text is not None and "Còn khoảng 60 phút nữa" in soon.text
    assert soon.button_labels == [t("shift_remind.check_in"), t("shift_remind.cannot_come")]

    # "I can't come" on the reminder: the shift is offered to Minh (and the officer).
    [cannot] = [data for data in button_data(soon) if data.startswith("sb:")]
    asked = await lan.presses(cannot)
    assert asked.text == t("shift_standin.asked", count=2)
    await tick()
    offer = (await fake_telegram.wait_for(MINH, 2))[-1]
    assert offer.text is not None and "Lan không đến được ca Thứ Ba 01/12/2026" in offer.text
    [take] = button_data(offer)
    taken = await minh.presses(take)
    assert taken.text is not None and "Bạn đã nhận trực thay ca" in taken.text

    # Lan is released and the officer is told; nothing arrives twice.
    clock.advance(seconds=10)
    await tick()
    released = (await fake_telegram.wait_for(LAN, before + 4))[-1]
    assert released.text is not None and "Minh đã nhận trực thay bạn" in released.text
    told = (await fake_telegram.wait_for(HUNG, 3))[-1]  # greeting, offer, news
    assert told.text is not None and "Minh trực thay Lan" in told.text
    officer_offer = [
        m for m in fake_telegram.messages_to(HUNG) if m.text and "Cần người" in m.text
    ]
    assert len(officer_offer) == 1
    clock.advance(minutes=5)
    await tick()
    assert len(fake_telegram.messages_to(LAN)) == before + 4
    reminders = [m for m in fake_telegram.messages_to(LAN) if m.text and "⏰" in m.text]
    assert len(reminders) == 1
    minh_id = await person_id(app, ChatUser(app, str(MINH)), "telegram")
    assert await active_holders(app, tuesday.id) == [minh_id]
