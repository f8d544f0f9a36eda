"""Coverage when a village's register is incomplete: never green, never "all on target".

The case from the field: a village showed 🟢 83,3 % with 6 of its 368 official households in the
register, and the summary said every village met the target.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from bot.app import App
from bot.config import ReportsSettings
from bot.db.models import Household
from bot.locales import t
from bot.services import places
from bot.services.reports import charts, coverage
from bot.services.reports.tallies import range_tally
from bot.services.reports.text import coverage_text, weekly_text
from bot.vntext import fold
from tests.test_reports import TODAY
from tests.test_reports_flow import official

# name -> (official households, registered households, covered households)
FIELD = {"Thôn Xuân": (368, 6, 5), "Thôn Hạ": (10, 10, 9)}
LAGGING = {"Thôn Thu": (20, 19, 10)}  # 95 % registered, 52,6 % covered: truly below target
XUAN_LINE = (
    "🟠 Thôn Xuân: 83,3% (5/6 hộ trong sổ) · sổ chưa đủ: mới ghi 6/368 hộ chính thức (1,6%)"
)


async def build_register(app: App, villages: dict[str, tuple[int, int, int]]) -> dict[str, int]:
    """Villages with an official count, and a register with `covered` households covered."""
    ids: dict[str, int] = {}
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        for name, (official_count, registered, covered) in villages.items():
            village = await places.add_village(
                session, commune, name, official_households=official_count
            )
            ids[name] = village.id
            for number in range(registered):
                head = f"Chủ hộ {name} {number}"
                session.add(
                    Household(
                        village_id=village.id,
                        code=f"{fold(name)[-3:].upper()}-{number:03d}",
                        head_name=head,
                        folded_head=fold(head),
                        members=3,
                        members_with_account=1 if number < covered else 0,
                    )
                )
    return ids


async def report_of(app: App, complete: float = 90) -> coverage.CoverageReport:
    async with app.db.transaction() as session:
        return await coverage.coverage(
            session, None, TODAY, target_pct=80, register_complete_pct=complete, record=False
        )


async def test_an_incomplete_register_is_not_green_and_not_on_target(app: App) -> None:
    await build_register(app, FIELD)
    report = await report_of(app)
    rows = {village.name: village for village in report.villages}
    xuan = rows["Thôn Xuân"]
    assert (xuan.status, xuan.coverage_pct, xuan.registered_vs_official_pct) == (
        "incomplete",
        83.3,
        1.6,
    )
    assert rows["Thôn Hạ"].status == "ok"
    assert [v.name for v in report.incomplete] == ["Thôn Xuân"] and report.lagging == []
    data = report.to_json()
    assert data["register_complete_pct"] == 90
    assert data["commune"]["incomplete_villages"] == 1
    assert data["commune"]["lagging_villages"] == 0
    village_json = {v["name"]: v for v in data["villages"]}["Thôn Xuân"]
    assert (village_json["status"], village_json["coverage_pct"]) == ("incomplete", 83.3)
    assert village_json["registered_vs_official_pct"] == 1.6

    user = await official(app)
    table, chart = await user.presses("rp:c")
    lines = table.text.splitlines()
    assert XUAN_LINE in lines
    assert not any(line.startswith("🟢 Thôn Xuân") for line in lines)
    assert t("reports.all_on_target") not in lines
    assert t("reports.incomplete_line", count=1, threshold="90%") in lines
    assert "🟢 Thôn Hạ: 90% (9/10 hộ)" in lines
    assert chart.image is not None and chart.image.startswith(b"\x89PNG")

    bars, _ = charts.bars_for(report, "Xã Minh Họa")
    xuan_bar = next(bar for bar in bars if bar.label == "Thôn Xuân")
    assert xuan_bar.colour == charts.INCOMPLETE != charts.ON_TARGET
    assert (xuan_bar.note, xuan_bar.detail) == ("83,3% (5/6)", "sổ chưa đủ: 6/368 hộ (1,6%)")
    assert charts.render_png(report, "Xã Minh Họa").startswith(b"\x89PNG")

    [excel] = await user.presses("rp:x")
    assert excel.document is not None
    sheet = list(load_workbook(io.BytesIO(excel.document.content))["Độ phủ"].values)
    xuan_row = next(row for row in sheet if row[0] == "Thôn Xuân")
    # coverage of the registered households and registered vs official, side by side
    assert xuan_row[3] == 83.3 and xuan_row[7:10] == (368, 1.6, "Sổ chưa đủ")


async def test_the_weekly_summary_does_not_claim_every_village_is_on_target(app: App) -> None:
    await build_register(app, FIELD)
    report = await report_of(app)
    async with app.sessionmaker() as session:
        week = await range_tally(session, None, date(2026, 11, 16), TODAY)
    text = weekly_text(week, report, "Xã Minh Họa")
    assert t("reports.all_on_target") not in text
    assert "🟠 Sổ chưa đủ 90% số hộ chính thức: Thôn Xuân (mới ghi 6/368 hộ)" in text


async def test_lagging_and_incomplete_are_told_apart(app: App) -> None:
    await build_register(app, {**FIELD, **LAGGING})
    report = await report_of(app)
    assert [(v.name, v.status) for v in report.villages] == [
        ("Thôn Xuân", "incomplete"),  # not green, and first: its register needs work
        ("Thôn Thu", "lagging"),
        ("Thôn Hạ", "ok"),
    ]
    lines = coverage_text(report, "Xã Minh Họa").splitlines()
    assert "🔴 Thôn Thu: 52,6% (10/19 hộ)" in lines
    assert t("reports.lagging_line", count=1) in lines
    assert t("reports.incomplete_line", count=1, threshold="90%") in lines
    assert t("reports.all_on_target") not in lines
    lenient = await report_of(app, complete=1)  # a register with 1 % of the count is "complete"
    assert {v.name: v.status for v in lenient.villages}["Thôn Xuân"] == "ok"


def test_the_setting_defaults_to_90_and_is_a_percentage() -> None:
    assert ReportsSettings().register_complete_pct == 90
    assert ReportsSettings(register_complete_pct=75).register_complete_pct == 75
    for wrong in (-1, 101):
        try:
            ReportsSettings(register_complete_pct=wrong)
        except ValueError:
            continue
        raise AssertionError(f"{wrong} accepted")


def run_cli(app: App, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real `python -m bot` in a subprocess, on the test's database."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DVCBOT_")},
        "DVCBOT_DATABASE__URL": app.settings.database.url,
        "DVCBOT_BOT__DEMO_DATA": "false",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )


def parsed(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_the_cli_json_and_text_and_the_setting(app: App, tmp_path: Path) -> None:
    await build_register(app, FIELD)
    data = parsed(run_cli(app, tmp_path, "report", "coverage", "--json"))
    assert data["register_complete_pct"] == 90
    assert data["commune"]["incomplete_villages"] == 1
    assert [(v["name"], v["status"]) for v in data["villages"]] == [
        ("Thôn Xuân", "incomplete"),
        ("Thôn Hạ", "ok"),
    ]
    text = run_cli(app, tmp_path, "report", "coverage")
    assert XUAN_LINE in text.stdout.splitlines()
    assert t("reports.all_on_target") not in text.stdout
    lenient = parsed(
        run_cli(
            app,
            tmp_path,
            "report",
            "coverage",
            "--json",
            DVCBOT_REPORTS__REGISTER_COMPLETE_PCT="1",
        )
    )
    assert lenient["register_complete_pct"] == 1
    assert {v["name"]: v["status"] for v in lenient["villages"]}["Thôn Xuân"] == "ok"


async def test_the_register_threshold_is_compared_exactly(app: App) -> None:
    await build_register(app, {"Thôn Đông": (6, 3, 3)})  # half the official count registered
    at_half = await report_of(app, complete=50)
    assert at_half.villages[0].status == "ok"  # exactly 50 % registered meets 50 %
    above = await report_of(app, complete=50.1)
    assert above.villages[0].status == "incomplete"
