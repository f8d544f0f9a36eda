"""One moment per monthly workbook, printed on every sheet; `report kpi` defaults to this month.

A past month is shown as of its last day: coverage from the snapshot of that day (the register
keeps no history, so the snapshot is the only exact record of it), the KPIs from the same snapshot,
the tallies and shifts of the month. The current month is shown as of now, from the register.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.app import App
from bot.services.reports.figures import Figures
from bot.services.reports.kpis import Month
from bot.services.reports.workbook import monthly_workbook
from tests.test_register_complete import parsed, run_cli
from tests.test_reports import NOW, TZ, Commune, add_snapshot, build_commune
from tests.test_tally import build_log

SHEETS = [
    "Độ phủ",
    "Theo ngày",
    "Tổng hợp theo ngày",
    "Chỉ tiêu",
    "Người hỗ trợ",
    "Khảo sát hài lòng",
    "Đánh giá cá nhân",
]
OCTOBER_END = "(số liệu đến hết ngày 31/10/2026)"
NOVEMBER_NOW = "(số liệu đến 17:30 ngày 18/11/2026)"


async def october_snapshots(app: App, data: Commune, *, last: date = date(2026, 10, 31)) -> None:
    """October ends with 3 of 10 households covered (the register now has 6 of 10)."""
    v = data.villages
    await add_snapshot(
        app,
        date(2026, 10, 24),
        {v["An"]: Figures(4, 0), v["Bình"]: Figures(), v["Cát"]: Figures(3, 2)},
    )
    await add_snapshot(
        app,
        last,
        {
            v["An"]: Figures(4, 1, 1),
            v["Bình"]: Figures(),
            v["Cát"]: Figures(3, 2, 3, 1, 1),
            v["Dương"]: Figures(3, 0),
        },
    )


async def workbook_of(app: App, month: Month, now: datetime = NOW) -> dict[str, list[Any]]:
    async with app.sessionmaker() as session:
        content = await monthly_workbook(
            session,
            None,
            month,
            now=now,
            tz=TZ,
            targets=app.settings.reports,
            area="Xã Minh Họa",
        )
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == SHEETS
    return {name: list(book[name].values) for name in SHEETS}


def kpi_row(sheets: dict[str, list[Any]]) -> tuple[Any, ...]:
    return next(row for row in sheets["Chỉ tiêu"] if row[0] == "Hộ có tài khoản")


async def test_a_past_month_is_as_of_its_last_day_on_every_sheet(app: App) -> None:
    data = await build_log(app)
    await october_snapshots(app, data)
    sheets = await workbook_of(app, Month(2026, 10))
    for name in SHEETS:
        assert sheets[name][0][0].endswith(OCTOBER_END), name
    coverage = sheets["Độ phủ"]
    assert coverage[1][0].startswith("Sổ hộ cuối ngày 31/10/2026")
    rows = {row[0]: row for row in coverage[3:]}
    assert rows["Thôn An"][1:3] == (4, 1)  # the snapshot, not today's 2 covered households
    assert rows["Thôn An"][10] == 1  # change over 7 days: from the snapshot of 24/10
    assert rows["Tổng cộng"][1:4] == (10, 3, 30.0)
    assert kpi_row(sheets)[1:4] == (3, 10, 30.0)  # the same moment as the coverage sheet


async def test_the_current_month_is_as_of_now_on_every_sheet(app: App) -> None:
    data = await build_log(app)
    await october_snapshots(app, data)
    sheets = await workbook_of(app, Month(2026, 11))
    for name in SHEETS:
        assert sheets[name][0][0].endswith(NOVEMBER_NOW), name
    coverage = sheets["Độ phủ"]
    assert coverage[1][0].startswith("Sổ hộ lúc 17:30 ngày 18/11/2026")
    assert {row[0]: row for row in coverage[3:]}["Tổng cộng"][1:4] == (10, 6, 60.0)
    assert kpi_row(sheets)[1:4] == (6, 10, 60.0)


async def test_without_the_last_days_snapshot_the_sheet_says_which_day_it_used(app: App) -> None:
    data = await build_commune(app)
    await october_snapshots(app, data, last=date(2026, 10, 28))
    sheets = await workbook_of(app, Month(2026, 10))
    note = sheets["Độ phủ"][1][0]
    assert "31/10/2026" in note and "28/10/2026" in note
    assert {row[0]: row for row in sheets["Độ phủ"][3:]}["Tổng cộng"][1:3] == (10, 3)
    assert kpi_row(sheets)[1:3] == (3, 10)
    september = await workbook_of(app, Month(2026, 9))
    assert september["Độ phủ"][0][0].endswith("(số liệu đến hết ngày 30/09/2026)")
    assert "Không có số liệu sổ hộ" in september["Độ phủ"][1][0]
    assert len(september["Độ phủ"]) == 2  # no village rows invented from today's register
    assert kpi_row(september)[5] == "chưa có số liệu"


async def test_the_cli_exports_a_past_month_as_of_its_last_day(app: App, tmp_path: Path) -> None:
    data = await build_log(app)
    await october_snapshots(app, data)
    target = tmp_path / "thang-10.xlsx"
    result = run_cli(app, tmp_path, "export", "report", "--month", "2026-10", str(target))
    assert result.returncode == 0, result.stderr
    book = load_workbook(io.BytesIO(target.read_bytes()))
    for name in SHEETS:
        assert str(next(book[name].values)[0]).endswith(OCTOBER_END), name
    rows = {row[0]: row for row in list(book["Độ phủ"].values)[3:]}
    assert rows["Tổng cộng"][1:3] == (10, 3)


async def test_report_kpi_without_a_month_means_this_month(app: App, tmp_path: Path) -> None:
    await build_commune(app)
    before = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    data = parsed(run_cli(app, tmp_path, "report", "kpi", "--json"))
    after = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert data["month"] in {f"{moment:%Y-%m}" for moment in (before, after)}
    text = run_cli(app, tmp_path, "report", "kpi")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"🎯 Chỉ tiêu tháng {after:%m/%Y} — Xã Minh Họa")
