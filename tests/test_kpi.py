"""Monthly KPIs and per-helper figures from a known assistance log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.app import App
from bot.config import ReportsSettings
from bot.core.errors import DomainError
from bot.db.models import Person, Shift, ShiftAssignment
from bot.locales import t
from bot.services import places
from bot.services.reports import kpis
from bot.services.reports.figures import Figures
from bot.services.reports.kpis import Month
from bot.services.reports.text import kpi_text
from tests.test_reports import TZ, Commune, add_assistance, add_snapshot, build_commune

TODAY = date(2026, 11, 18)
TARGETS = ReportsSettings()

# (submitted_online, papers_digitised, fee_required, paid_online) for ten dossiers
DOSSIERS = [
    (True, True, True, True),
    (True, True, True, True),
    (True, True, True, False),
    (True, True, True, False),
    (True, True, True, False),
    (True, True, False, True),  # paid online but no fee: not part of the payment KPI
    (True, True, False, False),
    (False, True, False, False),
    (False, True, False, False),
    (False, False, False, False),
]


async def build_month(app: App) -> Commune:
    data = await build_commune(app)
    homes = [*data.households["An"], *data.households["Cát"], *data.households["Dương"]]
    for number, (submitted, digitised, fee, paid) in enumerate(DOSSIERS):
        await add_assistance(
            app,
            homes[number],
            date(2026, 11, 2 + number),
            data.hoa if number < 6 else data.tuan,
            procedure="certified-copy",
            fee_required=fee,
            submitted_online=submitted,
            papers_digitised=digitised,
            paid_online=paid,
        )
    # Help without a dossier, and a dossier in October: neither counts in November's KPIs.
    await add_assistance(app, homes[0], date(2026, 11, 3), data.hoa, account_created=True)
    await add_assistance(
        app, homes[1], date(2026, 10, 30), data.tuan, procedure="certified-copy", fee_required=True
    )
    return data


async def report_for(
    app: App, month: Month, scope: frozenset[int] | None = None
) -> kpis.KpiReport:
    async with app.sessionmaker() as session:
        return await kpis.kpi_report(session, scope, month, today=TODAY, targets=TARGETS)


async def test_dossier_kpis_against_the_default_targets(app: App) -> None:
    await build_month(app)
    report = await report_for(app, Month(2026, 11))
    assert report.dossiers == 10
    assert (report.submitted_online.numerator, report.submitted_online.denominator) == (7, 10)
    assert (report.submitted_online.pct, report.submitted_online.met) == (70.0, True)
    assert (report.papers_digitised.numerator, report.papers_digitised.denominator) == (9, 10)
    assert (report.papers_digitised.pct, report.papers_digitised.met) == (90.0, True)
    assert (report.paid_online.numerator, report.paid_online.denominator) == (2, 5)
    assert (report.paid_online.pct, report.paid_online.met) == (40.0, True)
    coverage = report.household_coverage
    assert (coverage.numerator, coverage.denominator, coverage.pct) == (6, 10, 60.0)
    assert (coverage.target_pct, coverage.met) == (100.0, False)
    assert (report.coverage_source, report.coverage_as_of) == ("register", TODAY)


async def test_one_short_of_a_target_is_not_met(app: App) -> None:
    await build_month(app)
    strict = ReportsSettings(kpi_submitted_online=70.1, kpi_paid_online=41)
    async with app.sessionmaker() as session:
        report = await kpis.kpi_report(session, None, Month(2026, 11), today=TODAY, targets=strict)
    assert report.submitted_online.met is False and report.paid_online.met is False


async def test_per_helper_households_visits_dossiers_and_no_shift_data_yet(app: App) -> None:
    data = await build_month(app)
    report = await report_for(app, Month(2026, 11))
    assert [h.to_json() for h in report.helpers] == [
        {
            "id": data.hoa,
            "name": "Nguyễn Thị Hoa",
            "households": 6,
            "visits": 7,
            "dossiers": 6,
            "shifts_served": None,
            "no_shows": None,
        },
        {
            "id": data.tuan,
            "name": "Trần Minh Tuấn",
            "households": 4,
            "visits": 4,
            "dossiers": 4,
            "shifts_served": None,
            "no_shows": None,
        },
    ]
    assert report.shift_data is False
    text = kpi_text(report, "Xã Minh Họa")
    assert "chưa có dữ liệu ca trực" in text
    assert "✅ Hồ sơ nộp trực tuyến: 70% (7/10) · mục tiêu 70%" in text
    assert "❌ Hộ có tài khoản: 60% (6/10) · mục tiêu 100%" in text


async def test_a_past_month_uses_its_last_snapshot_or_says_there_is_none(app: App) -> None:
    data = await build_month(app)
    october = await report_for(app, Month(2026, 10))
    assert october.dossiers == 1 and october.paid_online.pct == 0.0
    assert october.household_coverage.pct is None and october.coverage_source is None
    assert "➖ Hộ có tài khoản: chưa có số liệu" in kpi_text(october, "Xã Minh Họa")
    an, cat = data.villages["An"], data.villages["Cát"]
    await add_snapshot(app, date(2026, 10, 15), {an: Figures(4, 1), cat: Figures(3, 1)})
    await add_snapshot(app, date(2026, 10, 31), {an: Figures(4, 2), cat: Figures(3, 2)})
    await add_snapshot(app, date(2026, 11, 1), {an: Figures(4, 4), cat: Figures(3, 3)})
    october = await report_for(app, Month(2026, 10))
    coverage = october.household_coverage
    assert (coverage.numerator, coverage.denominator, coverage.pct) == (4, 7, 57.1)
    assert (october.coverage_source, october.coverage_as_of) == ("snapshot", date(2026, 10, 31))


async def test_a_month_without_dossiers_has_no_shares(app: App) -> None:
    await build_commune(app)
    report = await report_for(app, Month(2026, 11))
    assert report.dossiers == 0 and report.helpers == []
    assert [kpi.pct for kpi in report.kpis] == [None, None, None, 60.0]
    assert [kpi.met for kpi in report.kpis] == [None, None, None, False]


async def test_scope_and_json_keys(app: App) -> None:
    data = await build_month(app)
    report = await report_for(app, Month(2026, 11), frozenset({data.villages["Cát"]}))
    assert report.dossiers == 3  # Cát's three households got dossiers 4-6
    json = report.to_json()
    assert set(json) == {"month", "first", "last", "dossiers", "kpis", "shift_data", "helpers"}
    assert (json["month"], json["first"], json["last"]) == ("2026-11", "2026-11-01", "2026-11-30")
    assert set(json["kpis"]) == {
        "submitted_online",
        "papers_digitised",
        "paid_online",
        "household_coverage",
    }
    assert json["kpis"]["household_coverage"] == {
        "numerator": 3,
        "denominator": 3,
        "pct": 100.0,
        "target_pct": 100.0,
        "met": True,
        "as_of": "2026-11-18",
        "source": "register",
    }


async def test_a_future_month_is_refused(app: App) -> None:
    with pytest.raises(DomainError) as problem:
        await report_for(app, Month(2026, 12))
    assert problem.value.key == "reports.future_month"


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-11", Month(2026, 11)), ("2026-1", Month(2026, 1)), ("11/2026", Month(2026, 11))],
)
def test_month_parsing(text: str, month: Month) -> None:
    parsed = Month.parse(text)
    assert parsed == month
    assert (Month(2026, 12).first, Month(2026, 12).last) == (date(2026, 12, 1), date(2026, 12, 31))
    assert Month(2028, 2).last == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "nov", "26-11", ""])
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(DomainError) as problem:
        Month.parse(text)
    assert problem.value.key == "reports.bad_month"


async def add_shift(app: App, location_id: int, day: date, people: dict[int, str]) -> None:
    """A 08:00-11:00 shift; people maps person id to "served", "absent" or "withdrawn"."""
    async with app.db.transaction() as session:
        shift = Shift(
            location_id=location_id,
            day=day,
            starts_at=datetime.combine(day, time(8), TZ).astimezone(UTC),
            ends_at=datetime.combine(day, time(11), TZ).astimezone(UTC),
            needed=3,
        )
        session.add(shift)
        await session.flush()
        for person, how in people.items():
            session.add(
                ShiftAssignment(
                    shift_id=shift.id,
                    person_id=person,
                    status="withdrawn" if how == "withdrawn" else "active",
                    no_show=how == "absent",
                )
            )


async def test_shifts_served_and_no_shows_per_helper(app: App) -> None:
    data = await build_month(app)
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        desk = await places.add_location(session, commune, "Bộ phận một cửa")
        cuong = Person(display_name="Lê Văn Cường")
        session.add(cuong)
        await session.flush()
        desk_id, cuong_id = desk.id, cuong.id
    hoa, tuan = data.hoa, data.tuan
    await add_shift(app, desk_id, date(2026, 11, 10), {hoa: "served", tuan: "absent"})
    await add_shift(app, desk_id, date(2026, 11, 12), {hoa: "served", cuong_id: "served"})
    await add_shift(app, desk_id, date(2026, 11, 13), {tuan: "withdrawn"})
    await add_shift(app, desk_id, date(2026, 11, 25), {hoa: "served"})  # still to come
    await add_shift(app, desk_id, date(2026, 10, 30), {tuan: "served"})  # another month
    report = await report_for(app, Month(2026, 11))
    assert report.shift_data is True
    figures = [(h.name, h.households, h.shifts_served, h.no_shows) for h in report.helpers]
    assert figures == [
        ("Nguyễn Thị Hoa", 6, 2, 0),
        ("Trần Minh Tuấn", 4, 0, 1),
        ("Lê Văn Cường", 0, 1, 0),  # served a shift, logged no help
    ]
    text = kpi_text(report, "Xã Minh Họa")
    assert "• Nguyễn Thị Hoa: 6 hộ, 7 lượt, 6 hồ sơ · 2 ca trực, 0 lần vắng" in text
    assert t("reports.no_shift_data") not in text
    village = await report_for(app, Month(2026, 11), frozenset({data.villages["An"]}))
    assert [(h.name, h.shifts_served) for h in village.helpers] == [("Nguyễn Thị Hoa", 2)]
    september = await report_for(app, Month(2026, 9))
    assert september.shift_data is False
