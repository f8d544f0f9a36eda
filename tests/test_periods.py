"""Reporting periods: `report kpi`, `export report` and /kpi over a quarter 15/6–15/9, exactly."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import App
from bot.config import ReportsSettings
from bot.core.errors import DomainError
from bot.locales import t
from bot.services.reports.figures import Figures
from bot.services.reports.kpis import Month, Period, kpi_report
from bot.services.reports.text import kpi_text
from tests.helpers import texts
from tests.test_reports import Commune, add_assistance, add_snapshot, build_commune
from tests.test_reports_cli import dvcbot, parsed
from tests.test_reports_flow import official

FIRST, LAST = date(2026, 6, 15), date(2026, 9, 15)


async def build_quarter(app: App) -> Commune:
    """Help on 15/6, 30/6, 1/8 and 15/9, and one visit on each side of the quarter."""
    data = await build_commune(app)
    an, cat, duong = data.households["An"], data.households["Cát"], data.households["Dương"]
    await add_assistance(app, an[0], date(2026, 6, 14), data.hoa, account_created=True)  # before
    await add_assistance(
        app,
        an[0],
        FIRST,
        data.hoa,
        submitted_online=True,
        paid_online=True,
        procedure="birth-registration",
        fee_required=True,
    )
    await add_assistance(app, an[1], FIRST, data.tuan, account_created=True)
    await add_assistance(
        app,
        an[0],
        date(2026, 6, 30),
        data.hoa,
        papers_digitised=True,
        procedure="residence-registration",
        fee_required=False,
    )
    await add_assistance(
        app,
        cat[0],
        date(2026, 8, 1),
        data.tuan,
        submitted_online=True,
        procedure="death-registration",
        fee_required=True,
    )
    await add_assistance(app, duong[0], LAST, data.hoa, account_created=True)
    await add_assistance(app, cat[0], LAST, data.tuan, other=True)
    await add_assistance(  # after the quarter
        app, an[2], date(2026, 9, 16), data.hoa, submitted_online=True, procedure="id-card"
    )
    villages = data.villages
    await add_snapshot(
        app,
        date(2026, 6, 30),
        {
            villages["An"]: Figures(4, 1),
            villages["Bình"]: Figures(0, 0),
            villages["Cát"]: Figures(3, 2),
            villages["Dương"]: Figures(3, 0),
        },
    )
    await add_snapshot(
        app,
        LAST,
        {
            villages["An"]: Figures(4, 2),
            villages["Bình"]: Figures(0, 0),
            villages["Cát"]: Figures(3, 2),
            villages["Dương"]: Figures(3, 1),
        },
    )
    await add_snapshot(app, date(2026, 9, 16), {villages["An"]: Figures(4, 4)})  # not used
    return data


async def test_quarter_kpis_through_the_cli(app: App) -> None:
    await build_quarter(app)
    report = parsed(
        await dvcbot(app, "report", "kpi", "--from", "15/06/2026", "--to", "2026-09-15", "--json")
    )
    assert (report["month"], report["first"], report["last"]) == (None, "2026-06-15", "2026-09-15")
    assert report["dossiers"] == 3
    kpis = report["kpis"]
    assert kpis["submitted_online"] == {
        "numerator": 2,
        "denominator": 3,
        "pct": 66.7,
        "target_pct": 70.0,
        "met": False,
    }
    assert (kpis["papers_digitised"]["numerator"], kpis["papers_digitised"]["pct"]) == (1, 33.3)
    assert kpis["paid_online"] == {
        "numerator": 1,
        "denominator": 2,
        "pct": 50.0,
        "target_pct": 40.0,
        "met": True,
    }
    coverage = kpis["household_coverage"]
    assert (coverage["numerator"], coverage["denominator"], coverage["pct"]) == (5, 10, 50.0)
    assert (coverage["as_of"], coverage["source"]) == ("2026-09-15", "snapshot")
    helpers = [(h["name"], h["households"], h["visits"], h["dossiers"]) for h in report["helpers"]]
    assert helpers == [("Nguyễn Thị Hoa", 2, 3, 2), ("Trần Minh Tuấn", 2, 3, 1)]
    text = await dvcbot(app, "report", "kpi", "--from", "2026-06-15", "--to", "15/09/2026")
    assert text.exit_code == 0, text.output
    assert "🎯 Chỉ tiêu kỳ 15/06/2026 – 15/09/2026 — Xã Minh Họa" in text.stdout
    assert "📁 Hồ sơ đã hỗ trợ trong kỳ: 3" in text.stdout


async def test_month_option_unchanged(app: App) -> None:
    await build_quarter(app)
    june = parsed(await dvcbot(app, "report", "kpi", "--month", "2026-06", "--json"))
    assert (june["month"], june["first"], june["last"], june["dossiers"]) == (
        "2026-06",
        "2026-06-01",
        "2026-06-30",
        2,
    )
    assert june["kpis"]["household_coverage"]["as_of"] == "2026-06-30"
    assert june["kpis"]["household_coverage"]["pct"] == 30.0
    text = await dvcbot(app, "report", "kpi", "--month", "2026-06")
    assert "🎯 Chỉ tiêu tháng 06/2026" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "15/09/2026", "--to", "15/06/2026"],
            "Ngày bắt đầu 15/09/2026 sau ngày kết thúc 15/06/2026.",
        ),
        (["--from", "01/01/2099", "--to", "31/01/2099"], "Ngày bắt đầu 01/01/2099 chưa tới"),
        (["--from", "01/01/2025", "--to", "02/01/2026"], "Kỳ báo cáo dài quá 366 ngày."),
        (
            ["--month", "2026-06", "--from", "01/06/2026", "--to", "30/06/2026"],
            "không dùng cả hai",
        ),
        (["--from", "01/06/2026"], "Cần cả --from và --to"),
        (["--from", "31/02/2026", "--to", "01/03/2026"], "Ngày «31/02/2026» không đúng."),
    ],
)
async def test_bad_periods_refused_in_one_line(app: App, args: list[str], message: str) -> None:
    await build_commune(app)
    for command in (["report", "kpi", *args], ["export", "report", *args, "x.xlsx"]):
        result = await dvcbot(app, *command)
        assert result.exit_code == 1
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


async def test_a_whole_year_of_366_days_is_accepted(app: App) -> None:
    await build_quarter(app)
    year = parsed(
        await dvcbot(app, "report", "kpi", "--from", "01/01/2026", "--to", "01/01/2027", "--json")
    )
    assert year["dossiers"] == 4  # the quarter's 3 and the one of 16/09


async def test_a_period_reaching_today_is_as_of_now(app: App) -> None:
    await build_quarter(app)
    targets = ReportsSettings()
    async with app.sessionmaker() as session:
        ongoing = await kpi_report(
            session, None, Period(FIRST, LAST), today=date(2026, 9, 1), targets=targets
        )
        over = await kpi_report(
            session, None, Period(FIRST, LAST), today=date(2026, 9, 16), targets=targets
        )
        with pytest.raises(DomainError):
            await kpi_report(
                session, None, Period(FIRST, LAST), today=date(2026, 6, 14), targets=targets
            )
    # The register now (4+0+3+3 households, 2+0+3+1 covered) vs the snapshot of 15/09 (5/10).
    assert (ongoing.coverage_source, ongoing.coverage_as_of) == ("register", date(2026, 9, 1))
    assert (ongoing.household_coverage.numerator, ongoing.household_coverage.denominator) == (
        6,
        10,
    )
    assert (over.coverage_source, over.coverage_as_of) == ("snapshot", LAST)
    assert (over.household_coverage.numerator, over.household_coverage.denominator) == (5, 10)
    assert ongoing.dossiers == over.dossiers == 3
    assert Month(2026, 6).period == Period(date(2026, 6, 1), date(2026, 6, 30))
    assert Period(FIRST, LAST).label == "15/06/2026 – 15/09/2026"
    assert "Hồ sơ có phí đã thanh toán trực tuyến: 50" in kpi_text(over, "Xã Minh Họa")


async def test_kpis_of_a_period_in_chat(app: App) -> None:
    await build_quarter(app)
    user = await official(app)  # on 18/11/2026
    [kpi] = await user.says("/kpi 15/06/2026 2026-09-15")
    assert kpi.text.startswith("🎯 Chỉ tiêu kỳ 15/06/2026 – 15/09/2026 — Xã Minh Họa")
    assert "📁 Hồ sơ đã hỗ trợ trong kỳ: 3" in kpi.text
    assert "Hộ có tài khoản: 50" in kpi.text
    wrong = texts(await user.says("/kpi 15/09/2026 15/06/2026"))
    assert wrong.startswith(t("periods.start_after_end", first="15/09/2026", last="15/06/2026"))
    june = texts(await user.says("/kpi 2026-06"))
    assert june.startswith("🎯 Chỉ tiêu tháng 06/2026 — Xã Minh Họa")
