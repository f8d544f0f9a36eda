"""The kept village and helper days stay equal to a recount of the help log after every kind
of change to it, so the daily tally, the week so far and the month's KPIs read from them
show exactly what counting the log shows.

The recount here is the test's own, in Python from the log's rows: per village and day the
visits and distinct households, the week so far from Monday, the commune's distinct
households (a household that moved village counts once), per helper the day's and the
month's distinct households. `dvcbot db check` finds an injected drift and `--repair` fixes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select, text

from bot.app import App
from bot.config import ReportsSettings
from bot.db.migrate import downgrade, upgrade
from bot.db.models import Assistance, AuditEntry, Household, Role
from bot.locales import t
from bot.services import visit_totals
from bot.services.reports import daily, kpis, tallies
from tests.test_assistance_import import SHEET
from tests.test_assistance_import import build as build_for_import
from tests.test_demo import load as load_demo
from tests.test_help_log_changes import log_help
from tests.test_household_io import write_xlsx
from tests.test_households_flow import staff_user
from tests.test_reports import add_assistance
from tests.test_reports_cli import dvcbot
from tests.test_tally import MON, WED, build_log


@dataclass
class Recount:
    """What the log says, counted here."""

    visits: dict[tuple[int, date], int] = field(default_factory=lambda: defaultdict(int))
    homes: dict[tuple[int, date], set[int]] = field(default_factory=lambda: defaultdict(set))
    helpers: dict[tuple[int | None, date], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def households(self, village: int | None, first: date, last: date) -> int:
        return len(
            {
                home
                for (v, day), homes in self.homes.items()
                if (village is None or v == village) and first <= day <= last
                for home in homes
            }
        )

    def helper(self, helper: int | None, first: date, last: date) -> tuple[int, int]:
        homes = [
            home
            for (h, day), homes in self.helpers.items()
            if h == helper and first <= day <= last
            for home in homes
        ]
        return len(set(homes)), len(homes)


async def recount(app: App) -> Recount:
    found = Recount()
    async with app.sessionmaker() as session:
        for entry in await session.scalars(select(Assistance)):
            found.visits[(entry.village_id, entry.day)] += 1
            found.homes[(entry.village_id, entry.day)].add(entry.household_id)
            found.helpers[(entry.helper_id, entry.day)].append(entry.household_id)
    return found


async def assert_reports_match_the_log(app: App) -> int:
    """Every day's tally (and week so far) and every month's helper KPIs against the recount;
    the number of days compared."""
    log = await recount(app)
    days = sorted({day for _, day in log.visits})
    assert days, "the log is empty: nothing would be compared"
    async with app.sessionmaker() as session:
        assert await visit_totals.check(session) is None
        for day in days:
            tally = await daily.daily_tally(session, None, day)
            monday = day - timedelta(days=day.weekday())
            for village in tally.today.villages:
                visits = log.visits.get((village.village_id, day), 0)
                assert (village.households, village.work.visits) == (
                    log.households(village.village_id, day, day),
                    visits,
                ), (village.name, day)
            for village in tally.today.villages:
                assert tally.week.households_of(village.village_id) == log.households(
                    village.village_id, monday, day
                )
            assert tally.today.households == log.households(None, day, day)
            assert tally.week.households == log.households(None, monday, day)
            week = await tallies.range_tally(session, None, monday, day)  # the weekly summary's
            assert [v.village_id for v in week.villages] == [
                v.village_id for v in tally.today.villages
            ]
            for village in week.villages:
                visits = sum(
                    count
                    for (village_id, seen), count in log.visits.items()
                    if village_id == village.village_id and monday <= seen <= day
                )
                assert (village.households, village.work.visits) == (
                    log.households(village.village_id, monday, day),
                    visits,
                ), (village.name, monday, day)
            assert week.households == log.households(None, monday, day)
            for helper in tally.today.helpers:
                assert (helper.households, helper.visits) == log.helper(helper.helper_id, day, day)
        for month in sorted({kpis.Month(day.year, day.month) for day in days}):
            today = max(days[-1], month.last)
            report = await kpis.kpi_report(
                session, None, month, today=today, targets=ReportsSettings()
            )
            for helper in report.helpers:
                expected = log.helper(helper.helper_id, month.first, month.last)
                assert (helper.households, helper.visits) == expected
    return len(days)


async def test_logging_in_chat_and_a_household_that_moved_keep_the_kept_days_exact(
    app: App,
) -> None:
    data = await build_log(app)
    an, cat = data.households["An"], data.households["Cát"]
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER)
    await log_help(volunteer, an[1], "account_created")
    await log_help(volunteer, cat[0], "portal_login", "papers_digitised")
    async with app.db.transaction() as session:  # the household moves to Bình on Wednesday
        home = await session.get(Household, an[0])
        assert home is not None
        home.village_id = data.villages["Bình"]
    await add_assistance(app, an[0], WED, data.tuan, hour=16, other=True)
    await add_assistance(app, an[0], MON, data.tuan, hour=7, other=True)  # logged late
    assert await assert_reports_match_the_log(app) >= 4

    async with app.sessionmaker() as session:
        tally = await daily.daily_tally(session, None, WED)
    by_name = {v.name: v.households for v in tally.today.villages}
    assert (by_name["Thôn An"], by_name["Thôn Bình"]) == (2, 1)  # in both villages' figures
    assert tally.today.households == 3  # and once in the commune's
    helpers = {h.helper_id: (h.households, h.visits) for h in tally.today.helpers}
    assert helpers[data.hoa] == (1, 2) and helpers[data.tuan] == (3, 3)


async def test_an_imported_help_sheet_keeps_the_kept_days_exact(app: App, tmp_path: Path) -> None:
    await build_for_import(app)
    path = write_xlsx(tmp_path / "so-ho-tro.xlsx", SHEET)
    done = await dvcbot(app, "import", "assistance", str(path))
    assert done.exit_code == 3, done.output  # good rows in, bad rows listed
    assert await assert_reports_match_the_log(app) == 4


async def test_the_demo_history_is_counted_into_the_kept_days(app: App) -> None:
    assert await load_demo(app)
    assert await assert_reports_match_the_log(app) > 15


async def test_db_check_finds_a_drifting_day_and_repair_recounts(app: App) -> None:
    data = await build_log(app)
    clean = await dvcbot(app, "db", "check")
    assert clean.exit_code == 0, clean.output
    assert t("counters.visits_match") in clean.output
    async with app.db.transaction() as session:
        await session.execute(
            text("UPDATE village_days SET households = 9 WHERE village_id = :v AND day = :d"),
            {"v": data.villages["An"], "d": WED},
        )
        # Five helper days credit a household's first visit of the month by its helper.
        await session.execute(text("UPDATE helper_days SET month_households = 0"))
        await session.execute(
            text("UPDATE village_weeks SET visits = 1 WHERE village_id = :v AND week = :w"),
            {"v": data.villages["Cát"], "w": MON},
        )
    drifted = await dvcbot(app, "db", "check")
    assert drifted.exit_code == 1, drifted.output
    assert (
        t("counters.visits_drifting", village_days=1, village_weeks=1, helper_days=5)
        in drifted.output
    )
    assert t("counters.visit_day", name="Thôn An", day="18/11/2026") in drifted.output
    async with app.sessionmaker() as session:
        wrong = await daily.daily_tally(session, None, WED)
    assert wrong.today.village(data.villages["An"]).households == 9  # type: ignore[union-attr]

    repaired = await dvcbot(app, "db", "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert t("counters.visits_repaired") in repaired.output
    await assert_reports_match_the_log(app)
    async with app.sessionmaker() as session:
        [entry] = await session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "visit_totals")
        )
    assert (entry.action, entry.before) == (
        "repair",
        {
            "village_days": 1,
            "helper_days": 5,
            "village_weeks": 1,
        },
    )


async def test_the_migration_counts_the_help_already_logged(app: App) -> None:
    await build_log(app)
    await downgrade(app.engine, "0021")
    await upgrade(app.engine)
    assert await assert_reports_match_the_log(app) == 4
