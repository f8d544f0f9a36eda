"""`dvcbot targets set|import|show` and the workbook from `dvcbot export report`, on known data.

The data is tests/test_targets.py's `build_targets` (November 2026).
"""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from bot.app import App
from bot.db.models import PersonalTarget, Role
from bot.locales import t
from tests.test_reports_cli import dvcbot
from tests.test_targets import (
    HEADER,
    SHEET_ROWS,
    build_targets,
    chat_user,
    give_november,
    person_of,
    set_phone,
)

SET_MAI = ("targets", "set", "Lê Thị Mai", "Hộ tịch", "--month", "2026-11")


async def stored(app: App) -> list[tuple[int, str, str, int, int, int]]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(select(PersonalTarget).order_by(PersonalTarget.id))
        return [
            (r.person_id, r.field, r.month.isoformat(), r.submitted, r.digitised, r.paid)
            for r in rows
        ]


async def test_set_then_show_with_exact_progress(app: App) -> None:
    team = await build_targets(app)
    result = await dvcbot(app, *SET_MAI, "--submitted", "4", "--digitised", "3", "--paid", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "✅ Đã giao chỉ tiêu tháng 11/2026 cho Lê Thị Mai, lĩnh vực Hộ tịch: nộp trực tuyến 4,"
        " số hóa 3, thanh toán trực tuyến 2 hồ sơ."
    )
    by_phone = await dvcbot(
        app, "targets", "set", "0912.345.678", "cu tru", "--month", "11/2026",
        "--submitted", "1", "--digitised", "1", "--paid", "1",
    )  # fmt: skip
    assert by_phone.exit_code == 0, by_phone.output
    assert "cho Đỗ Văn Nam, lĩnh vực Cư trú" in by_phone.stdout
    same = await dvcbot(app, *SET_MAI, "--submitted", "4", "--digitised", "3", "--paid", "2")
    assert same.stdout.startswith("Chỉ tiêu tháng 11/2026 của Lê Thị Mai, lĩnh vực Hộ tịch vẫn")
    assert await stored(app) == [
        (team.mai_id, "civil-status", "2026-11-01", 4, 3, 2),
        (team.nam_id, "residence", "2026-11-01", 1, 1, 1),
    ]
    shown = await dvcbot(app, "targets", "show", "--month", "2026-11")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines() == [
        "🎯 Chỉ tiêu cá nhân tháng 11/2026",
        "👤 Đỗ Văn Nam",
        "✅ Cư trú: nộp trực tuyến 1/1 (100%) · số hóa giấy tờ 1/1 (100%)"
        " · thanh toán trực tuyến 1/1 (100%)",
        "👤 Lê Thị Mai",
        "⏳ Hộ tịch: nộp trực tuyến 3/4 (75%) · số hóa giấy tờ 2/3 (66,7%)"
        " · thanh toán trực tuyến 1/2 (50%)",
    ]
    data = json.loads(
        (await dvcbot(app, "targets", "show", "--month", "2026-11", "--json")).stdout
    )
    assert data["month"] == "2026-11"
    assert data["targets"][1] == {
        "person_id": team.mai_id,
        "name": "Lê Thị Mai",
        "field": "civil-status",
        "submitted": {"target": 4, "done": 3, "pct": 75.0, "met": False},
        "digitised": {"target": 3, "done": 2, "pct": 66.7, "met": False},
        "paid": {"target": 2, "done": 1, "pct": 50.0, "met": False},
        "met": False,
    }


async def test_bad_input_is_refused_politely_and_changes_nothing(app: App) -> None:
    await build_targets(app)
    await chat_user(app, "8003", "Phạm Văn Hùng", Role.VOLUNTEER)
    await chat_user(app, "8004", "Phạm Văn Hùng", Role.OFFICER)
    await set_phone(app, await person_of(app, "8003"), "0987654321")
    await chat_user(app, "8009", "Người Dân", None)
    cases = {
        ("--submitted", "mười", "--digitised", "1", "--paid", "1"): t(
            "targets.bad_number", value="mười", limit=10_000
        ),
        ("--submitted", "-1", "--digitised", "1", "--paid", "1"): t(
            "targets.bad_number", value="-1", limit=10_000
        ),
        ("--submitted", "1", "--digitised", "9" * 5000, "--paid", "1"): t(
            "targets.bad_number", value="9" * 20, limit=10_000
        ),
    }
    for numbers, message in cases.items():
        result = await dvcbot(app, *SET_MAI, *numbers)
        assert result.exit_code == 1
        assert result.stderr.strip() == f"dvcbot: {message}"
    numbers = ("--submitted", "1", "--digitised", "1", "--paid", "1")
    month = ("--month", "2026-11")
    ambiguous = await dvcbot(app, "targets", "set", "Phạm Văn Hùng", "Hộ tịch", *month, *numbers)
    assert ambiguous.exit_code == 1
    assert ambiguous.stderr.strip() == "dvcbot: " + t(
        "targets.ambiguous_person",
        name="Phạm Văn Hùng",
        candidates="Phạm Văn Hùng (098****321); Phạm Văn Hùng (chưa có số điện thoại)",
    )
    citizen = await dvcbot(app, "targets", "set", "Người Dân", "Hộ tịch", *month, *numbers)
    assert citizen.stderr.strip() == "dvcbot: " + t("targets.unknown_person", name="Người Dân")
    field = await dvcbot(app, "targets", "set", "Lê Thị Mai", "Thời tiết", *month, *numbers)
    assert field.stderr.startswith("dvcbot: Không có lĩnh vực «Thời tiết». Các lĩnh vực: Hộ tịch,")
    bad_month = await dvcbot(app, "targets", "set", "Lê Thị Mai", "Hộ tịch", "--month", "2026-13",
                             *numbers)  # fmt: skip
    assert bad_month.stderr.strip() == "dvcbot: " + t("reports.bad_month", value="2026-13")
    assert await stored(app) == []


def write_sheet(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Chỉ tiêu cá nhân tháng 12/2026"])
    sheet.append(["STT", "Họ và tên", "Lĩnh vực", "Nộp trực tuyến", "Số hóa", "Thanh toán"])
    sheet.append([1, "le thi mai", "Hộ tịch", 5, 4, 3])
    sheet.append([2, "0912 345 678", "cu tru", 2, None, 1])
    sheet.append([3, "Mai", "Chứng thực", -1, 1, 1])
    sheet.append([4, "Không Ai", "Hộ tịch", 1, 1, 1])
    sheet.append([])
    sheet.append([5, "Lê Thị Mai", "Thủy lợi", 1, 1, 1])
    sheet.append([6, "Lê Thị Mai", "hộ tịch", 1, 1, 1])
    sheet.append([7, None, "Hộ tịch", 1, 1, 1])
    workbook.save(path)


async def test_import_from_a_sheet_reports_bad_rows(app: App, tmp_path: Path) -> None:
    team = await build_targets(app)
    path = tmp_path / "chi-tieu.xlsx"
    write_sheet(path)
    result = await dvcbot(app, "targets", "import", str(path), "--month", "2026-12")
    assert result.exit_code == 3, result.output
    assert result.stdout.splitlines() == [
        "Chỉ tiêu tháng 12/2026: giao mới 2, sửa 0, không đổi 0, 5 dòng lỗi.",
        "Dòng bị bỏ qua (5):",
        "Dòng 5: " + t("targets.bad_number", value="-1", limit=10_000),
        "Dòng 6: " + t("targets.unknown_person", name="Không Ai"),
        "Dòng 8: Không có lĩnh vực «Thủy lợi». Các lĩnh vực: Hộ tịch, Chứng thực, Bảo trợ xã hội,"
        " Người có công, Đất đai, Cư trú, Căn cước, định danh, Khác.",
        "Dòng 9: " + t("targets.duplicate_row", row=3),
        "Dòng 10: " + t("targets.missing_person"),
    ]
    assert await stored(app) == [
        (team.mai_id, "civil-status", "2026-12-01", 5, 4, 3),
        (team.nam_id, "residence", "2026-12-01", 2, 0, 1),
    ]
    again = await dvcbot(app, "targets", "import", str(path), "--month", "2026-12")
    assert again.stdout.splitlines()[0] == (
        "Chỉ tiêu tháng 12/2026: giao mới 0, sửa 0, không đổi 2, 5 dòng lỗi."
    )
    other = tmp_path / "khac.xlsx"
    workbook = Workbook()
    assert workbook.active is not None
    workbook.active.append(["Thôn", "Chủ hộ"])
    workbook.save(other)
    refused = await dvcbot(app, "targets", "import", str(other), "--month", "2026-12")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == "dvcbot: " + t("targets.no_header")


async def test_exported_workbook_has_the_personal_sheet(app: App, tmp_path: Path) -> None:
    team = await build_targets(app)
    await give_november(app, team)
    path = tmp_path / "bao-cao.xlsx"
    result = await dvcbot(app, "export", "report", str(path), "--month", "2026-11")
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(path)["Đánh giá cá nhân"].iter_rows(values_only=True))
    assert str(rows[0][0]).startswith("Đánh giá cá nhân tháng 11/2026: chỉ tiêu")
    assert list(rows[2]) == HEADER
    assert [tuple(row) for row in rows[3:]] == SHEET_ROWS
