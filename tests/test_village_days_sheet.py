"""The villages × days sheet of the workbook ("Tổng hợp theo ngày"): every cell checked exactly."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from bot.app import App
from bot.services.reports.figures import Figures
from tests.test_periods import build_quarter
from tests.test_reports import add_assistance, add_snapshot, build_commune
from tests.test_reports_cli import dvcbot
from tests.test_reports_flow import official

SHEET = "Tổng hợp theo ngày"
VILLAGES = ["Thôn An", "Thôn Bình", "Thôn Cát", "Thôn Dương"]


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(content))
    assert SHEET in workbook.sheetnames
    return list(workbook[SHEET].iter_rows(values_only=True))


async def test_quarter_sheet_cells_totals_and_coverage(app: App, tmp_path: Path) -> None:
    await build_quarter(app)
    target = tmp_path / "quy.xlsx"
    result = await dvcbot(
        app, "export", "report", "--from", "15/06/2026", "--to", "15/09/2026", str(target)
    )
    assert result.exit_code == 0, result.output
    assert "Đã ghi báo cáo kỳ 15/06/2026 – 15/09/2026" in result.stdout
    rows = sheet_rows(target.read_bytes())
    assert rows[0][0] == (
        "Số hộ được hỗ trợ theo thôn và ngày, 15/06/2026 – 15/09/2026 — Xã Minh Họa"
        " (số liệu đến hết ngày 15/09/2026)"
    )
    header = rows[1]
    assert len(header) == 1 + 93 + 2  # 15/06 to 15/09: 93 days
    assert header[:3] == ("Thôn", "15/06", "16/06")
    assert header[-3:] == ("15/09", "Tổng số hộ", "Độ phủ cuối kỳ (%)")
    days = list(header[1:-2])
    table = {row[0]: dict(zip(days, row[1:-2], strict=True)) for row in rows[2:7]}
    assert list(table) == [*VILLAGES, "Tổng cộng"]
    nonzero = {name: {day: n for day, n in cells.items() if n} for name, cells in table.items()}
    assert nonzero == {
        "Thôn An": {"15/06": 2, "30/06": 1},  # household 1 on both days
        "Thôn Bình": {},
        "Thôn Cát": {"01/08": 1, "15/09": 1},  # the same household twice
        "Thôn Dương": {"15/09": 1},
        "Tổng cộng": {"15/06": 2, "30/06": 1, "01/08": 1, "15/09": 2},
    }
    assert all(n == 0 for cells in table.values() for n in cells.values() if not n)
    # Totals are distinct households over the quarter, not sums of the cells (3 and 2).
    totals = {row[0]: (row[-2], row[-1]) for row in rows[2:7]}
    assert totals == {
        "Thôn An": (2, 50.0),
        "Thôn Bình": (0, None),
        "Thôn Cát": (1, 66.7),
        "Thôn Dương": (1, 33.3),
        "Tổng cộng": (4, 50.0),
    }
    assert "số hộ khác nhau trong cả kỳ" in rows[8][0]


async def test_month_sheet_has_day_numbers_and_month_end_coverage(
    app: App, tmp_path: Path
) -> None:
    await build_quarter(app)
    target = tmp_path / "thang6.xlsx"
    result = await dvcbot(app, "export", "report", "--month", "2026-06", str(target))
    assert result.exit_code == 0, result.output
    rows = sheet_rows(target.read_bytes())
    header = rows[1]
    assert header == ("Thôn", *range(1, 31), "Tổng số hộ", "Độ phủ cuối tháng (%)")
    an = rows[2]
    assert an[0] == "Thôn An"
    assert {day: n for day, n in zip(range(1, 31), an[1:31], strict=True) if n} == {
        14: 1,
        15: 2,
        30: 1,
    }
    assert an[31:] == (2, 25.0)  # household 1 on three days; snapshot of 30/06: 1 of 4
    total = rows[6]
    assert total[0] == "Tổng cộng"
    assert (total[14], total[15], total[30]) == (1, 2, 1)  # 14/06 is in June, not the quarter
    assert total[31:] == (2, 30.0)


async def test_without_a_snapshot_the_coverage_column_is_blank_and_said(
    app: App, tmp_path: Path
) -> None:
    data = await build_commune(app)
    await add_assistance(app, data.households["An"][0], date(2026, 7, 3), data.hoa, other=True)
    target = tmp_path / "thang7.xlsx"
    result = await dvcbot(app, "export", "report", "--month", "2026-07", str(target))
    assert result.exit_code == 0, result.output
    rows = sheet_rows(target.read_bytes())
    assert [row[-1] for row in rows[2:7]] == [None] * 5
    assert rows[2][3] == 1 and rows[2][-2] == 1
    assert rows[-1][0].startswith("Không có số liệu sổ hộ nào được lưu trong tháng 07/2026")


async def test_the_sheet_in_the_workbook_sent_in_chat(app: App) -> None:
    data = await build_commune(app)
    await add_assistance(app, data.households["Cát"][1], date(2026, 11, 2), data.tuan, other=True)
    await add_snapshot(app, date(2026, 11, 1), {data.villages["Cát"]: Figures(3, 1)})
    user = await official(app)  # on 18/11/2026 at 17:30
    [excel] = await user.presses("rp:x")
    assert excel.document is not None
    rows = sheet_rows(excel.document.content)
    assert "(số liệu đến 17:30 ngày 18/11/2026)" in rows[0][0]
    assert rows[1][:3] == ("Thôn", 1, 2) and len(rows[1]) == 1 + 30 + 2
    cat = next(row for row in rows if row[0] == "Thôn Cát")
    assert (cat[2], cat[-2], cat[-1]) == (1, 1, 100.0)  # the register now (3 of 3), not 1 Nov's
