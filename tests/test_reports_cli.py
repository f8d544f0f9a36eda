"""`dvcbot report …` and `dvcbot export report` against known data, on each test database."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from bot.app import App
from bot.cli import cli
from tests.test_tally import build_log


async def dvcbot(app: App, *args: str) -> Result:
    env = {"DVCBOT_DATABASE__URL": app.settings.database.url, "DVCBOT_BOT__DEMO_DATA": "false"}
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, cli, list(args), env=env)


def parsed(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def test_coverage_json_and_text(app: App) -> None:
    await build_log(app)
    data = parsed(await dvcbot(app, "report", "coverage", "--json"))
    assert set(data) == {
        "day",
        "target_pct",
        "register_complete_pct",
        "change_since",
        "commune",
        "villages",
    }
    assert data["commune"] == {
        "households": 10,
        "covered": 6,
        "accounts": 8,
        "submitted_online": 3,
        "paid_online": 2,
        "coverage_pct": 60.0,
        "official_households": 21,
        "villages_without_official_count": 1,
        "registered_vs_official_pct": 33.3,
        "villages": 4,
        "lagging_villages": 0,
        "incomplete_villages": 2,  # Dương and An: 3 of 6 and 4 of 10 households registered
        "empty_villages": 1,
        "change_7d": None,
    }
    assert [(v["name"], v["status"], v["coverage_pct"]) for v in data["villages"]] == [
        ("Thôn Bình", "empty", None),
        ("Thôn Dương", "incomplete", 33.3),
        ("Thôn An", "incomplete", 50.0),
        ("Thôn Cát", "ok", 100.0),
    ]
    assert set(data["villages"][0]) == {
        "id",
        "name",
        "households",
        "covered",
        "accounts",
        "submitted_online",
        "paid_online",
        "coverage_pct",
        "status",
        "official_households",
        "registered_vs_official_pct",
        "change_7d",
    }
    text = await dvcbot(app, "report", "coverage", "--village", "thon an")
    assert text.exit_code == 0, text.output
    assert "🟠 Thôn An: 50% (2/4 hộ trong sổ) · sổ chưa đủ" in text.stdout
    assert "Thôn Cát" not in text.stdout
    unknown = await dvcbot(app, "report", "coverage", "--village", "Nowhere")
    assert unknown.exit_code == 1 and "Không tìm thấy thôn «Nowhere»" in unknown.stderr


async def test_daily_and_kpi_json(app: App) -> None:
    await build_log(app)
    daily = parsed(await dvcbot(app, "report", "daily", "--date", "2026-11-18", "--json"))
    assert (daily["day"], daily["households"], daily["working_day"]) == ("2026-11-18", 3, True)
    assert daily["week"]["households"] == 4
    assert [(v["name"], v["households"], v["week_households"]) for v in daily["villages"]] == [
        ("Thôn An", 2, 2),
        ("Thôn Bình", 0, 0),
        ("Thôn Cát", 1, 2),
        ("Thôn Dương", 0, 0),
    ]
    tuesday = parsed(await dvcbot(app, "report", "daily", "--date", "17/11/2026", "--json"))
    assert tuesday["households"] == 0 and tuesday["helpers"] == []
    kpi = parsed(await dvcbot(app, "report", "kpi", "--month", "2026-11", "--json"))
    assert kpi["dossiers"] == 1
    assert kpi["kpis"]["paid_online"] == {
        "numerator": 1,
        "denominator": 1,
        "pct": 100.0,
        "target_pct": 40.0,
        "met": True,
    }
    assert [h["name"] for h in kpi["helpers"]] == ["Nguyễn Thị Hoa", "Trần Minh Tuấn"]
    assert {h["shifts_served"] for h in kpi["helpers"]} == {None}
    bad = await dvcbot(app, "report", "kpi", "--month", "2026-13")
    assert bad.exit_code == 1 and "Tháng «2026-13» không đúng" in bad.stderr
    bad_day = await dvcbot(app, "report", "daily", "--date", "hôm qua")
    assert bad_day.exit_code == 1


async def test_export_report_workbook(app: App, tmp_path: Path) -> None:
    await build_log(app)
    target = tmp_path / "bao-cao.xlsx"
    result = await dvcbot(app, "export", "report", "--month", "2026-11", str(target))
    assert result.exit_code == 0, result.output
    workbook = load_workbook(io.BytesIO(target.read_bytes()))
    assert workbook.sheetnames == [
        "Độ phủ",
        "Theo ngày",
        "Tổng hợp theo ngày",
        "Chỉ tiêu",
        "Người hỗ trợ",
        "Khảo sát hài lòng",
        "Đánh giá cá nhân",
    ]
    rows = list(workbook["Theo ngày"].iter_rows(values_only=True))
    totals = [row for row in rows if row[1] == "Tổng cộng"]
    assert [(str(row[0])[:10], row[2], row[3]) for row in totals] == [
        ("2026-11-13", 1, 1),
        ("2026-11-16", 2, 2),
        ("2026-11-18", 3, 4),
        ("2026-11-19", 1, 1),
    ]
    csv = await dvcbot(app, "export", "report", "--month", "2026-11", str(tmp_path / "x.csv"))
    assert csv.exit_code == 1 and ".xlsx" in csv.stderr
