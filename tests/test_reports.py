"""Coverage per village and for the commune, from known data: every figure checked exactly.

The builders here (`build_commune`, `add_assistance`, ...) are shared by the other report tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import App
from bot.db.models import (
    Assistance,
    CoverageSnapshot,
    Household,
    Person,
    Role,
    RoleGrant,
)
from bot.services import places
from bot.services.reports import coverage, figures, snapshots
from bot.services.reports.figures import Figures
from bot.vntext import fold
from tests.helpers import first_commune

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 11, 18)  # a Wednesday
NOW = datetime.combine(TODAY, time(17, 30), TZ).astimezone(UTC)

# (members, members_with_account, submitted_online, paid_online) per household
REGISTER = {
    "Thôn An": (
        10,
        [(3, 2, True, True), (2, 1, True, False), (4, 0, False, False), (1, 0, False, False)],
    ),
    "Thôn Bình": (5, []),
    "Thôn Cát": (None, [(2, 2, False, False), (5, 1, True, True), (3, 1, False, False)]),
    "Thôn Dương": (6, [(1, 1, False, False), (2, 0, False, False), (2, 0, False, False)]),
}


@dataclass
class Commune:
    villages: dict[str, int]  # "An", "Bình", "Cát", "Dương" -> id
    households: dict[str, list[int]]  # same keys -> household ids in REGISTER order
    hoa: int
    tuan: int


async def build_commune(app: App) -> Commune:
    """Four villages: An (official 10), Bình (official 5, empty), Cát (no count), Dương (6)."""
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        villages: dict[str, int] = {}
        homes: dict[str, list[int]] = {}
        for name, (official, rows) in REGISTER.items():
            village = await places.add_village(
                session, commune, name, official_households=official
            )
            short = name.removeprefix("Thôn ")
            villages[short] = village.id
            homes[short] = []
            for number, (members, accounts, submitted, paid) in enumerate(rows, 1):
                household = Household(
                    village_id=village.id,
                    code=f"{fold(short)[:2].upper()}-{number:03d}",
                    head_name=f"Chủ hộ {short} {number}",
                    folded_head=fold(f"Chủ hộ {short} {number}"),
                    members=members,
                    members_with_account=accounts,
                    submitted_online=submitted,
                    paid_online=paid,
                )
                session.add(household)
                await session.flush()
                homes[short].append(household.id)
        hoa = Person(display_name="Nguyễn Thị Hoa")
        tuan = Person(display_name="Trần Minh Tuấn")
        session.add_all([hoa, tuan])
        await session.flush()
        return Commune(villages, homes, hoa.id, tuan.id)


async def add_assistance(
    app: App,
    household_id: int,
    day: date,
    helper_id: int | None,
    *,
    hour: int = 9,
    procedure: str | None = None,
    fee_required: bool | None = None,
    **actions: bool,
) -> None:
    async with app.db.transaction() as session:
        household = await session.get(Household, household_id)
        assert household is not None
        session.add(
            Assistance(
                household_id=household_id,
                village_id=household.village_id,
                helper_id=helper_id,
                at=datetime.combine(day, time(hour, 0), TZ).astimezone(UTC),
                day=day,
                procedure=procedure,
                fee_required=fee_required,
                **actions,
            )
        )


async def add_snapshot(app: App, day: date, rows: dict[int, Figures]) -> None:
    async with app.db.transaction() as session:
        await snapshots.record_snapshot(session, day, rows)


async def coverage_of(
    app: App,
    scope: frozenset[int] | None = None,
    *,
    target: float = 80,
    complete: float = 90,
    record: bool = True,
) -> coverage.CoverageReport:
    async with app.db.transaction() as session:
        return await coverage.coverage(
            session,
            scope,
            TODAY,
            target_pct=target,
            register_complete_pct=complete,
            record=record,
        )


async def test_every_figure_per_village_and_for_the_commune(app: App) -> None:
    data = await build_commune(app)
    report = await coverage_of(app)
    rows = {village.name: village for village in report.villages}
    assert [village.name for village in report.villages] == [
        "Thôn Bình",  # empty villages first
        "Thôn Dương",  # 33.3 %
        "Thôn An",  # 50 %
        "Thôn Cát",  # 100 %
    ]
    an = rows["Thôn An"]
    assert an.village_id == data.villages["An"]
    assert an.figures == Figures(
        households=4, covered=2, accounts=3, submitted_online=2, paid_online=1
    )
    assert (an.coverage_pct, an.status) == (50.0, "incomplete")  # 4 of 10 households registered
    assert (an.official_households, an.registered_vs_official_pct) == (10, 40.0)
    empty = rows["Thôn Bình"]
    assert empty.figures == Figures() and empty.coverage_pct is None and empty.status == "empty"
    assert (empty.official_households, empty.registered_vs_official_pct) == (5, 0.0)
    cat = rows["Thôn Cát"]
    assert cat.figures == Figures(3, 3, 4, 1, 1)
    assert (cat.coverage_pct, cat.status) == (100.0, "ok")
    assert cat.official_households is None and cat.registered_vs_official_pct is None
    duong = rows["Thôn Dương"]
    assert duong.figures == Figures(3, 1, 1, 0, 0)
    assert (duong.coverage_pct, duong.status, duong.registered_vs_official_pct) == (
        33.3,
        "incomplete",
        50.0,
    )
    assert report.total == Figures(
        households=10, covered=6, accounts=8, submitted_online=3, paid_online=2
    )
    assert report.coverage_pct == 60.0
    # Official counts exist for An, Bình and Dương: 21 households, of which 7 are registered.
    assert (report.official_households, report.registered_with_official) == (21, 7)
    assert (report.registered_vs_official_pct, report.villages_without_official) == (33.3, 1)
    assert report.lagging == []  # both registers are too incomplete to judge
    assert [v.name for v in report.incomplete] == ["Thôn Dương", "Thôn An"]
    assert report.change is None and report.change_since is None
    assert all(village.change is None for village in report.villages)


async def test_target_is_compared_exactly(app: App) -> None:
    await build_commune(app)

    async def statuses(target: float) -> dict[str, str]:
        # complete=0: every register counts as complete, so only the target decides
        report = await coverage_of(app, target=target, complete=0)
        return {v.name: v.status for v in report.villages}

    at_fifty = await statuses(50)
    assert at_fifty["Thôn An"] == "ok"  # exactly 50 % meets a 50 % target
    just_above = await statuses(50.1)
    assert just_above["Thôn An"] == "lagging"
    third = await statuses(33.4)
    assert third["Thôn Dương"] == "lagging"  # 1/3 is below 33.4 even if it shows as 33.3


async def test_change_over_seven_days_from_the_snapshot(app: App) -> None:
    data = await build_commune(app)
    v = data.villages
    await add_snapshot(
        app,
        TODAY - timedelta(days=7),
        {
            v["An"]: Figures(3, 1, 1, 1, 0),
            v["Cát"]: Figures(3, 2, 3, 1, 1),
            v["Bình"]: Figures(),
            # no row for Dương: it did not exist a week ago
        },
    )
    report = await coverage_of(app)
    rows = {village.name: village for village in report.villages}
    assert report.change_since == TODAY - timedelta(days=7)
    an = rows["Thôn An"].change
    assert an is not None and an.delta == Figures(1, 1, 2, 1, 1)
    assert an.coverage_points == 16.7  # 50 % now, 33.3 % then
    cat = rows["Thôn Cát"].change
    assert cat is not None and cat.delta == Figures(0, 1, 1, 0, 0) and cat.coverage_points == 33.3
    binh = rows["Thôn Bình"].change
    assert binh is not None and binh.delta == Figures() and binh.coverage_points is None
    assert rows["Thôn Dương"].change is None
    assert report.change is not None
    assert report.change.delta == Figures(4, 3, 4, 1, 1)  # now 10/6/8/3/2, then 6/3/4/2/1
    assert report.change.coverage_points == 10.0  # 60 % now, 50 % then
    json = report.to_json()
    assert json["commune"]["change_7d"] == {
        "households": 4,
        "covered": 3,
        "accounts": 4,
        "submitted_online": 1,
        "paid_online": 1,
        "coverage_points": 10.0,
    }
    assert json["change_since"] == "2026-11-11"


@pytest.mark.parametrize(
    ("age", "expected"),
    [(9, 9), (13, 13), (14, None), (3, None)],
)
async def test_missing_exact_snapshot_uses_a_slightly_older_one_or_none(
    app: App, age: int, expected: int | None
) -> None:
    data = await build_commune(app)
    await add_snapshot(
        app, TODAY - timedelta(days=age), {data.villages["An"]: Figures(4, 1, 1, 0, 0)}
    )
    report = await coverage_of(app)
    if expected is None:
        assert report.change is None and report.change_since is None
    else:
        assert report.change_since == TODAY - timedelta(days=expected)
        assert report.change is not None and report.change.delta.covered == 5


async def test_village_scope_sees_only_its_villages(app: App) -> None:
    data = await build_commune(app)
    report = await coverage_of(app, frozenset({data.villages["An"]}))
    assert [village.name for village in report.villages] == ["Thôn An"]
    assert report.total == Figures(4, 2, 3, 2, 1)
    assert (report.official_households, report.registered_vs_official_pct) == (10, 40.0)
    assert report.villages_without_official == 0


async def test_viewing_records_todays_snapshot_and_the_job_records_every_village(
    app: App,
) -> None:
    data = await build_commune(app)
    await coverage_of(app, frozenset({data.villages["An"]}))
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(CoverageSnapshot)))
    assert [(row.day, row.village_id, row.households, row.covered) for row in rows] == [
        (TODAY, data.villages["An"], 4, 2)
    ]
    async with app.db.transaction() as session:  # the household gets an account: updated
        household = await session.get(Household, data.households["An"][2])
        assert household is not None
        household.members_with_account = 1
    async with app.db.transaction() as session:
        assert await snapshots.snapshot_all(session, TODAY) == 4
    async with app.sessionmaker() as session:
        stored = {
            row.village_id: (row.households, row.covered, row.accounts)
            for row in await session.scalars(
                select(CoverageSnapshot).where(CoverageSnapshot.day == TODAY)
            )
        }
    v = data.villages
    assert stored == {
        v["An"]: (4, 3, 4),
        v["Bình"]: (0, 0, 0),
        v["Cát"]: (3, 3, 4),
        v["Dương"]: (3, 1, 1),
    }


@pytest.mark.parametrize("changed", figures.FIGURE_FIELDS)
async def test_a_days_snapshot_written_again_follows_any_one_changed_figure(
    app: App, changed: str
) -> None:
    data = await build_commune(app)
    an, cat = data.villages["An"], data.villages["Cát"]
    first = {an: Figures(4, 2, 3, 2, 1), cat: Figures(3, 3, 4, 1, 1)}
    await add_snapshot(app, TODAY, first)
    moved = Figures(**{**first[an].to_json(), changed: getattr(first[an], changed) + 1})
    await add_snapshot(app, TODAY, {an: moved, cat: first[cat]})
    async with app.sessionmaker() as session:
        stored = {
            row.village_id: Figures(*(getattr(row, name) for name in figures.FIGURE_FIELDS))
            for row in await session.scalars(select(CoverageSnapshot))
        }
    assert stored == {an: moved, cat: first[cat]}


async def test_a_village_without_households_or_villages_at_all(app: App) -> None:
    report = await coverage_of(app)
    assert report.villages == [] and report.total == Figures() and report.coverage_pct is None
    assert report.official_households is None and report.registered_vs_official_pct is None


async def grant(app: App, person_id: int, role: Role, village_id: int | None = None) -> None:
    async with app.db.transaction() as session:
        commune_id = await first_commune(session)
        session.add(
            RoleGrant(person_id=person_id, role=role, commune_id=commune_id, village_id=village_id)
        )


async def scope_of(app: App, person_id: int) -> frozenset[int] | None:
    async with app.sessionmaker() as session:
        return await coverage.report_scope(session, person_id)


async def test_report_scope_counts_only_official_and_admin_grants(app: App) -> None:
    data = await build_commune(app)
    v = data.villages
    await grant(app, data.hoa, Role.VOLUNTEER)  # a commune-wide volunteer...
    assert await scope_of(app, data.hoa) == frozenset()  # ...sees no reports
    await grant(app, data.hoa, Role.OFFICIAL, v["An"])
    assert await scope_of(app, data.hoa) == frozenset({v["An"]})  # only her own village
    await grant(app, data.hoa, Role.OFFICIAL, v["Cát"])
    assert await scope_of(app, data.hoa) == frozenset({v["An"], v["Cát"]})
    await grant(app, data.tuan, Role.OFFICIAL)
    assert await scope_of(app, data.tuan) is None
    async with app.db.transaction() as session:
        await session.execute(
            RoleGrant.__table__.update()
            .where(RoleGrant.person_id == data.tuan)
            .values(revoked_at=NOW)
        )
    assert await scope_of(app, data.tuan) == frozenset()
    await grant(app, data.tuan, Role.ADMIN, v["An"])
    assert await scope_of(app, data.tuan) is None  # admins see everything


def test_percent_rounds_halves_up_and_refuses_zero() -> None:
    assert figures.percent(1, 8) == 12.5
    assert figures.percent(1, 16) == 6.3  # 6.25 -> 6.3, not banker's 6.2
    assert figures.percent(2, 3) == 66.7
    assert figures.percent(0, 0) is None and figures.percent(3, None) is None


def test_a_province_sized_report_is_cut_for_the_phone_and_the_chart() -> None:
    from bot.services.reports.charts import MAX_BARS, bars_for, render_png
    from bot.services.reports.text import MAX_LINES, coverage_text

    villages = [
        coverage.VillageCoverage(
            n, f"Thôn {n}", None, Figures(10, n % 10), "lagging" if n % 10 < 8 else "ok", None
        )
        for n in range(1, 51)
    ]
    report = coverage.CoverageReport(
        day=TODAY,
        target_pct=80,
        villages=villages,
        total=Figures.total(v.figures for v in villages),
        change=None,
        official_households=None,
        registered_with_official=0,
        villages_without_official=50,
    )
    text = coverage_text(report, "Tỉnh Thử")
    assert sum(line[:2] in ("🔴 ", "🟢 ") for line in text.splitlines()) == MAX_LINES
    assert "… và 10 mục khác (xem đầy đủ trong bảng Excel)." in text
    bars, note = bars_for(report, "Tỉnh Thử")
    assert len(bars) == MAX_BARS + 1 and bars[-1].label == "Tổng cộng"
    assert note == "30 thôn thấp nhất trong 50 thôn"
    assert render_png(report, "Tỉnh Thử").startswith(b"\x89PNG")
