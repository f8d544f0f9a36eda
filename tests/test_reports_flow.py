"""Reports in chat through the real dispatcher: menu, coverage, tallies, KPIs, Excel, pushes."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from bot.db.models import ReportSubscription, Role
from bot.locales import t
from tests.helpers import ChatUser, labels, payloads, texts
from tests.test_households_flow import grant
from tests.test_reports import NOW, Commune, add_assistance, build_commune
from tests.test_tally import WED, build_log


async def official(
    app: App, user_id: str = "7001", village_id: int | None = None, role: Role = Role.OFFICIAL
) -> ChatUser:
    app.dispatcher.clock = lambda: NOW
    user = ChatUser(app, user_id=user_id, name="Hoàng Văn Bình")
    await user.says("/start")
    await grant(app, user_id, role, village_id)
    return user


async def test_citizens_and_volunteers_cannot_open_reports(app: App) -> None:
    data = await build_commune(app)
    citizen = ChatUser(app, user_id="7100")
    assert texts(await citizen.presses("rp:c")).startswith(t("errors.not_allowed"))
    volunteer = await official(app, "7101", data.villages["An"], Role.VOLUNTEER)
    assert t("reports.menu") not in labels(await volunteer.says("/menu"))
    assert texts(await volunteer.says("/coverage")).startswith(t("errors.not_allowed"))


async def test_official_gets_the_menu_the_table_and_the_chart(app: App) -> None:
    await build_commune(app)
    user = await official(app)
    menu = await user.says("/menu")
    assert t("reports.menu") in labels(menu)
    hub = await user.presses("rp")
    assert payloads(hub)[:6] == ["rp:c", "rp:t", "rp:k", "rp:x", "rp:s:d:1", "rp:s:w:1"]
    table, chart = await user.presses("rp:c")
    lines = table.text.splitlines()
    assert lines[0] == "📊 Độ phủ tài khoản dịch vụ công — Xã Minh Họa, ngày 18/11/2026"
    assert "⚪ Thôn Bình: chưa có hộ nào trong sổ (chính thức 5 hộ)" in lines
    # Dương (3 of 6 official households registered) and An (4 of 10): registers too incomplete
    # to judge against the target, shown with both ratios
    assert (
        "🟠 Thôn Dương: 33,3% (1/3 hộ trong sổ) · sổ chưa đủ: mới ghi 3/6 hộ chính thức (50%)"
    ) in lines
    assert (
        "🟠 Thôn An: 50% (2/4 hộ trong sổ) · sổ chưa đủ: mới ghi 4/10 hộ chính thức (40%)"
    ) in lines
    assert "      👤 3 · 📤 2 · 💳 1" in lines
    assert "🟢 Thôn Cát: 100% (3/3 hộ)" in lines
    assert "🏘 Tổng cộng: 60% (6/10 hộ)" in lines
    assert "📋 Sổ đã ghi 7/21 hộ theo số liệu chính thức (33,3%)." in lines
    assert t("reports.incomplete_line", count=2, threshold="90%") in lines
    assert t("reports.all_on_target") not in lines
    assert t("reports.no_change_yet") in lines
    assert chart.image is not None and chart.image.startswith(b"\x89PNG")
    assert "rp:x" in [choice.payload for choice in chart.choices]


async def test_a_village_official_sees_only_their_village(app: App) -> None:
    data = await build_commune(app)
    user = await official(app, village_id=data.villages["Cát"])
    table, _ = await user.says("/coverage")
    assert "Thôn Cát" in table.text
    assert "Thôn An" not in table.text and "Thôn Dương" not in table.text
    assert table.text.startswith("📊 Độ phủ tài khoản dịch vụ công — Thôn Cát,")
    tally = texts(await user.says("/today"))
    assert "Thôn An" not in tally


async def test_tally_today_a_given_day_and_bad_days(app: App) -> None:
    await build_log(app)
    user = await official(app)
    [today] = await user.says("/today")
    assert today.text.startswith("📋 Hỗ trợ ngày 18/11/2026 (thứ Tư) — Xã Minh Họa")
    assert "🏠 3 hộ được hỗ trợ (4 lượt)." in today.text
    assert "• Thôn An: 2 hộ · tuần này 2" in today.text
    assert "🙋 Người hỗ trợ: Trần Minh Tuấn 2 hộ · Nguyễn Thị Hoa 1 hộ" in today.text
    assert (
        "✅ Việc đã làm: 2 tài khoản tạo mới · 1 đăng nhập Cổng DVC · 1 hồ sơ nộp trực tuyến"
        " · 1 lần số hóa giấy tờ · 0 thanh toán trực tuyến"
    ) in today.text
    assert "rp:d:2026-11-17" in payloads([today])
    assert not any(p.startswith("rp:d:2026-11-19") for p in payloads([today]))
    [monday] = await user.says("/tally 16/11/2026")
    assert "🏠 2 hộ được hỗ trợ (2 lượt)." in monday.text
    assert "rp:d:2026-11-17" in payloads([monday])  # the next day
    [tuesday] = await user.presses("rp:d:2026-11-17")
    assert "chưa có hộ nào được hỗ trợ" in tuesday.text
    assert texts(await user.says("/tally 2026-02-30")).startswith(
        t("reports.bad_date", value="2026-02-30")
    )
    assert texts(await user.says("/tally 2026-11-19")).startswith(
        t("reports.future_day", day="19/11/2026")
    )
    assert texts(await user.presses("rp:d:yesterday")).startswith(t("errors.bad_button"))


async def test_kpis_and_excel_workbook(app: App) -> None:
    data: Commune = await build_log(app)
    await add_assistance(
        app,
        data.households["Dương"][0],
        WED,
        data.hoa,
        procedure="certified-copy",
        fee_required=True,
        submitted_online=True,
        paid_online=True,
        papers_digitised=True,
    )
    user = await official(app)
    [kpi] = await user.presses("rp:k")
    assert kpi.text.startswith("🎯 Chỉ tiêu tháng 11/2026 — Xã Minh Họa")
    assert "📁 Hồ sơ đã hỗ trợ trong tháng: 2" in kpi.text
    assert t("reports.no_shift_data") in kpi.text
    assert texts(await user.says("/kpi 2026-13")).startswith(
        t("reports.bad_month", value="2026-13")
    )
    [excel] = await user.presses("rp:x")
    assert excel.document is not None and excel.document.filename == "bao-cao-2026-11.xlsx"
    workbook = load_workbook(io.BytesIO(excel.document.content))
    assert workbook.sheetnames == [
        "Độ phủ",
        "Theo ngày",
        "Tổng hợp theo ngày",
        "Chỉ tiêu",
        "Người hỗ trợ",
        "Khảo sát hài lòng",
        "Đánh giá cá nhân",
    ]
    coverage = [row for row in workbook["Độ phủ"].iter_rows(values_only=True)]
    assert coverage[2][:4] == ("Thôn", "Số hộ đã ghi", "Hộ có tài khoản", "Tỷ lệ hộ có TK (%)")
    assert coverage[3][:4] == ("Thôn Bình", 0, 0, None)
    assert coverage[-1][:4] == ("Tổng cộng", 10, 6, 60.0)
    daily = list(workbook["Theo ngày"].iter_rows(values_only=True))
    wednesday = [
        row for row in daily if row[0] is not None and str(row[0]).startswith("2026-11-18")
    ]
    assert [(row[1], row[2], row[3]) for row in wednesday] == [
        ("Thôn An", 2, 3),
        ("Thôn Cát", 1, 1),
        ("Thôn Dương", 1, 1),
        ("Tổng cộng", 4, 5),
    ]
    kpis = list(workbook["Chỉ tiêu"].iter_rows(values_only=True))
    assert kpis[3] == ("Hồ sơ nộp trực tuyến", 2, 2, 100.0, 70.0, "Có")
    helpers = list(workbook["Người hỗ trợ"].iter_rows(values_only=True))
    assert helpers[2][0] in ("Nguyễn Thị Hoa", "Trần Minh Tuấn")
    assert helpers[2][4] == t("reports.no_shift_cell")


async def test_subscribing_and_leaving_the_daily_tally_and_weekly_summary(app: App) -> None:
    await build_commune(app)
    user = await official(app)
    [joined] = await user.presses("rp:s:d:1")
    assert joined.text.startswith(t("reports.subscribed_daily", time="17:30"))
    assert "rp:s:d:0" in payloads([joined]) and joined.replace
    await user.presses("rp:s:d:1")  # pressing twice keeps one subscription
    [weekly] = await user.presses("rp:s:w:1")
    assert "Thứ Sáu hằng tuần lúc 17:45" in weekly.text
    async with app.sessionmaker() as session:
        kinds = sorted(await session.scalars(select(ReportSubscription.kind)))
    assert kinds == ["daily_tally", "weekly_summary"]
    [left] = await user.presses("rp:s:d:0")
    assert left.text.startswith(t("reports.unsubscribed_daily"))
    assert "rp:s:d:1" in payloads([left])
    async with app.sessionmaker() as session:
        assert list(await session.scalars(select(ReportSubscription.kind))) == ["weekly_summary"]
    assert texts(await user.presses("rp:s:x:1")).startswith(t("errors.bad_button"))
