"""Daily and weekly tallies from a known assistance log: every figure checked exactly."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest

from bot.app import App
from bot.db.models import DayOverride, Person
from bot.services.reports import daily, tallies
from bot.services.reports.digest import TallyDigest, tally_digest
from bot.services.reports.tallies import Work
from bot.services.reports.text import tally_text
from bot.services.shifts.calendar import is_working_day
from tests.test_reports import Commune, add_assistance, build_commune

MON, TUE, WED, THU = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)
LAST_FRIDAY = date(2026, 11, 13)


async def build_log(app: App) -> Commune:
    """Monday: 2 visits; Tuesday: none; Wednesday: 4 visits, one household helped twice."""
    data = await build_commune(app)
    an, cat, duong = data.households["An"], data.households["Cát"], data.households["Dương"]
    await add_assistance(app, an[2], LAST_FRIDAY, data.hoa, account_created=True)
    await add_assistance(app, an[0], MON, data.hoa, account_created=True)
    await add_assistance(
        app,
        cat[0],
        MON,
        data.tuan,
        submitted_online=True,
        paid_online=True,
        procedure="birth-registration",
        fee_required=True,
    )
    await add_assistance(app, an[0], WED, data.hoa, hour=8, account_created=True)
    await add_assistance(app, an[0], WED, data.hoa, hour=15, submitted_online=True)
    await add_assistance(app, an[1], WED, data.tuan, portal_login=True)
    await add_assistance(app, cat[1], WED, data.tuan, account_created=True, papers_digitised=True)
    await add_assistance(app, duong[0], THU, data.hoa, other=True)  # after the day asked for
    return data


async def tally_of(app: App, day: date, scope: frozenset[int] | None = None) -> daily.DailyTally:
    async with app.sessionmaker() as session:
        return await daily.daily_tally(session, scope, day)


async def digest_of(app: App, day: date, scope: frozenset[int] | None = None) -> TallyDigest:
    async with app.sessionmaker() as session:
        return await tally_digest(session, scope, day)


async def test_a_day_per_village_with_a_household_helped_twice_counted_once(app: App) -> None:
    data = await build_log(app)
    tally = await tally_of(app, WED)
    day = {v.name: v for v in tally.today.villages}
    assert list(day) == ["Thôn An", "Thôn Bình", "Thôn Cát", "Thôn Dương"]  # every village
    an = day["Thôn An"]
    assert (an.village_id, an.households) == (data.villages["An"], 2)
    assert an.work == Work(visits=3, account_created=1, portal_login=1, submitted_online=1)
    assert day["Thôn Cát"].households == 1
    assert day["Thôn Cát"].work == Work(visits=1, account_created=1, papers_digitised=1)
    assert day["Thôn Bình"].households == 0 and day["Thôn Bình"].work == Work()
    assert day["Thôn Dương"].households == 0  # Thursday's visit is not Wednesday's
    assert tally.today.households == 3
    assert tally.today.work == Work(
        visits=4, account_created=2, portal_login=1, submitted_online=1, papers_digitised=1
    )
    helpers = [(h.helper_id, h.name, h.households, h.visits) for h in tally.today.helpers]
    assert helpers == [
        (data.tuan, "Trần Minh Tuấn", 2, 2),
        (data.hoa, "Nguyễn Thị Hoa", 1, 2),
    ]
    assert tally.working_day is True


async def test_the_week_so_far_counts_distinct_households_from_monday(app: App) -> None:
    await build_log(app)
    tally = await tally_of(app, WED)
    assert (tally.week.first, tally.week.last) == (MON, WED)
    week = {v.name: tally.week.households_of(v.village_id) for v in tally.today.villages}
    # An: household 1 on Monday and Wednesday (once), household 2; last Friday's is not counted.
    assert week == {"Thôn An": 2, "Thôn Bình": 0, "Thôn Cát": 2, "Thôn Dương": 0}
    assert tally.week.households == 4
    assert tally.week.work.visits == 6
    assert tally.week.work.paid_online == 1
    assert tally.to_json()["week"] == {
        "first": "2026-11-16",
        "households": 4,
        "work": asdict(tally.week.work),
    }


async def test_a_day_with_no_assistance(app: App) -> None:
    await build_log(app)
    tally = await tally_of(app, TUE)
    assert tally.today.households == 0 and tally.today.work == Work()
    assert tally.today.helpers == []
    assert [v.households for v in tally.today.villages] == [0, 0, 0, 0]
    assert tally.week.households == 2  # Monday's two households
    text = tally_text(await digest_of(app, TUE), "Xã Minh Họa")
    assert "chưa có hộ nào được hỗ trợ" in text
    assert "📅 Tuần này (từ thứ Hai 16/11): 2 hộ, 2 lượt." in text
    assert "Thôn Bình" in text.splitlines()[-2]  # listed as quiet this week


async def test_scope_limits_villages_households_and_helpers(app: App) -> None:
    data = await build_log(app)
    tally = await tally_of(app, WED, frozenset({data.villages["An"]}))
    assert [v.name for v in tally.today.villages] == ["Thôn An"]
    assert tally.today.households == 2 and tally.week.households == 2
    assert [(h.name, h.households, h.visits) for h in tally.today.helpers] == [
        ("Nguyễn Thị Hoa", 1, 2),
        ("Trần Minh Tuấn", 1, 1),
    ]


async def test_helpers_with_the_same_figures_are_listed_by_name(app: App) -> None:
    data = await build_log(app)
    async with app.db.transaction() as session:
        bui = Person(display_name="Bùi Văn Tâm")  # added last, named first
        session.add(bui)
        await session.flush()
    await add_assistance(app, data.households["Dương"][1], THU, data.tuan, other=True)
    await add_assistance(app, data.households["An"][2], THU, bui.id, other=True)
    every_village = frozenset(data.villages.values())  # counted from the log, not kept rows
    for scope in (None, every_village):
        tally = await tally_of(app, THU, scope)
        assert [(h.name, h.households, h.visits) for h in tally.today.helpers] == [
            ("Bùi Văn Tâm", 1, 1),
            ("Nguyễn Thị Hoa", 1, 1),
            ("Trần Minh Tuấn", 1, 1),
        ]


async def test_a_deleted_helper_is_counted_without_a_name(app: App) -> None:
    data = await build_commune(app)
    await add_assistance(app, data.households["An"][0], WED, None, other=True)
    tally = await tally_of(app, WED)
    assert [(h.helper_id, h.name, h.households) for h in tally.today.helpers] == [(None, None, 1)]
    assert "không rõ 1 hộ" in tally_text(await digest_of(app, WED), "Xã Minh Họa")


async def test_tally_json_keys(app: App) -> None:
    data = await build_log(app)
    json = (await tally_of(app, WED)).to_json()
    assert set(json) == {"day", "working_day", "households", "work", "villages", "helpers", "week"}
    assert json["villages"][0] == {
        "id": data.villages["An"],
        "name": "Thôn An",
        "households": 2,
        "week_households": 2,
        "work": {
            "visits": 3,
            "account_created": 1,
            "level2_referral": 0,
            "portal_login": 1,
            "submitted_online": 1,
            "papers_digitised": 0,
            "paid_online": 0,
            "other": 0,
        },
    }
    assert json["helpers"][0] == {
        "id": data.tuan,
        "name": "Trần Minh Tuấn",
        "households": 2,
        "visits": 2,
    }


async def test_month_rows_per_day_and_village(app: App) -> None:
    data = await build_log(app)
    async with app.sessionmaker() as session:
        villages, days = await tallies.day_rows(session, None, MON, date(2026, 11, 30))
    assert [(r.day, r.village_id, r.households, r.work.visits) for r in villages] == [
        (MON, data.villages["An"], 1, 1),
        (MON, data.villages["Cát"], 1, 1),
        (WED, data.villages["An"], 2, 3),
        (WED, data.villages["Cát"], 1, 1),
        (THU, data.villages["Dương"], 1, 1),
    ]
    assert [(r.day, r.households, r.work.visits) for r in days] == [
        (MON, 2, 2),
        (WED, 3, 4),
        (THU, 1, 1),
    ]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (WED, True),
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 2, 17), False),  # Tết
        (date(2026, 4, 27), False),  # Hùng Kings, observed on Monday
        (date(2026, 9, 2), False),  # National Day
        (date(2026, 2, 23), True),  # the Monday after Tết
    ],
)
async def test_working_days_skip_weekends_and_vietnamese_holidays(
    app: App, day: date, working: bool
) -> None:
    async with app.db.transaction() as session:
        assert await is_working_day(session, day) is working


async def test_an_admin_override_makes_a_saturday_a_working_day_for_tallies(app: App) -> None:
    saturday = date(2026, 8, 22)  # the make-up Saturday the holidays package does not know
    async with app.db.transaction() as session:
        assert not await is_working_day(session, saturday)
        session.add(DayOverride(day=saturday, location_id=None, working=True, note="làm bù"))
        await session.flush()
        assert await is_working_day(session, saturday)
