"""Over HTTP with the real Telegram channel: an official asks for coverage and gets the table and
the chart; at the configured time (fake clock) subscribed officials get the daily tally once."""

from __future__ import annotations

from bot.app import App, build_app
from bot.channels.telegram import TelegramChannel
from bot.db.models import Role
from bot.locales import t
from scheduler import jobs
from scheduler import reports as report_jobs
from scheduler.runtime import Runtime
from tests.fakes import FakeTelegramServer
from tests.test_households_e2e import Chat, button_data
from tests.test_households_flow import grant
from tests.test_outbox import FakeClock
from tests.test_report_push import local
from tests.test_reports import NOW
from tests.test_tally import WED, build_log

CHAIRMAN = 890001
VILLAGE_HEAD = 890002
OTHER_OFFICIAL = 890003


async def test_official_asks_for_coverage_and_receives_table_and_chart(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    await build_log(app)
    app.dispatcher.clock = lambda: NOW
    chairman = Chat(fake_telegram, CHAIRMAN, "Bình")
    await chairman.says("/start")
    await grant(app, str(CHAIRMAN), Role.OFFICIAL, channel="telegram")
    menu = await chairman.says("/menu")
    assert t("reports.menu") in menu.button_labels
    hub = await chairman.presses("rp")
    assert "rp:c" in button_data(hub)
    before = len(fake_telegram.messages_to(CHAIRMAN))
    fake_telegram.user_presses_button(CHAIRMAN, "rp:c")
    table, chart = (await fake_telegram.wait_for(CHAIRMAN, before + 2))[before:]
    assert table.method == "sendMessage" and table.text is not None
    assert table.text.startswith("📊 Độ phủ tài khoản dịch vụ công — Xã Minh Họa, ngày 18/11/2026")
    assert "🏘 Tổng cộng: 60% (6/10 hộ)" in table.text
    assert chart.method == "sendPhoto"
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG")
    assert chart.text == t("reports.chart_caption", area="Xã Minh Họa")
    assert "rp:x" in button_data(chart)
    workbook = await chairman.presses("rp:x")
    assert workbook.method == "sendDocument" and workbook.filename == "bao-cao-2026-11.xlsx"
    assert workbook.document is not None and workbook.document.startswith(b"PK")


async def test_subscribed_officials_receive_the_daily_tally_once(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    data = await build_log(app)
    app.dispatcher.clock = lambda: NOW
    chairman = Chat(fake_telegram, CHAIRMAN, "Bình")
    head = Chat(fake_telegram, VILLAGE_HEAD, "Lan")
    other = Chat(fake_telegram, OTHER_OFFICIAL, "Minh")
    for chat, village in ((chairman, None), (head, data.villages["An"]), (other, None)):
        await chat.says("/start")
        await grant(app, str(chat.user_id), Role.OFFICIAL, village, channel="telegram")
    joined = await chairman.presses("rp:s:d:1")
    assert joined.text is not None and joined.text.startswith(
        t("reports.subscribed_daily", time="17:30")
    )
    await head.presses("rp:s:d:1")
    seen = {
        chat.user_id: len(fake_telegram.messages_to(chat.user_id))
        for chat in (chairman, head, other)
    }

    clock = FakeClock(local(WED, 17, 30))
    runtime = Runtime(
        db=app.db, services=app.services, senders={"telegram": telegram}, clock=clock
    )
    for _ in range(2):  # the planner runs every minute
        await report_jobs.plan_reports(runtime)
        await jobs.deliver_outbox(runtime)
        clock.advance(minutes=1)
    restarted = build_app(app.settings)
    await restarted.prepare_database()
    try:
        after_restart = Runtime(
            db=restarted.db,
            services=restarted.services,
            senders={"telegram": telegram},
            clock=clock,
        )
        await report_jobs.plan_reports(after_restart)
        await jobs.deliver_outbox(after_restart)
    finally:
        await restarted.close()

    [to_chairman] = fake_telegram.messages_to(CHAIRMAN)[seen[CHAIRMAN] :]
    [to_head] = fake_telegram.messages_to(VILLAGE_HEAD)[seen[VILLAGE_HEAD] :]
    assert fake_telegram.messages_to(OTHER_OFFICIAL)[seen[OTHER_OFFICIAL] :] == []
    assert to_chairman.text is not None and to_chairman.text.startswith(
        "📋 Hỗ trợ ngày 18/11/2026"
    )
    assert "🏠 3 hộ được hỗ trợ (4 lượt)." in to_chairman.text
    assert to_head.text is not None and "— Thôn An" in to_head.text
    assert "🏠 2 hộ được hỗ trợ (3 lượt)." in to_head.text
    assert "rp:s:d:0" in button_data(to_chairman)
    # The unsubscribe button in the pushed message works.
    left = await chairman.presses("rp:s:d:0")
    assert left.text is not None and left.text.startswith(t("reports.unsubscribed_daily"))
