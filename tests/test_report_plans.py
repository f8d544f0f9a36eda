"""Tallies and KPIs read the kept village and helper days: a fixed number of statements whatever
the number of villages and helpers, none reading the assistance log, and on PostgreSQL through
the kept rows' indexes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event

from bot.app import App
from bot.config import ReportsSettings
from bot.db.models import Assistance, Household, Person
from bot.services import places, visit_totals
from bot.services.reports import daily, digest, kpis
from bot.vntext import fold
from tests.conftest import POSTGRES_ENV
from tests.test_tally import THU, WED, build_log

NOVEMBER = kpis.Month(2026, 11)


@contextmanager
def statements(app: App) -> Iterator[list[str]]:
    """The SQL statements sent while inside (transaction control left out)."""
    seen: list[str] = []

    def record(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    engine = app.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def add_villages(app: App, count: int) -> None:
    """`count` more villages, each with a household helped on Wednesday by its own helper."""
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        for number in range(count):
            village = await places.add_village(session, commune, f"Thôn Mới {number}")
            name = f"Chủ hộ mới {number}"
            household = Household(
                village_id=village.id, code=f"M-{number:03d}", head_name=name,
                folded_head=fold(name), members=2, members_with_account=1,
            )  # fmt: skip
            helper = Person(display_name=f"Tình nguyện viên {number}")
            session.add_all([household, helper])
            await session.flush()
            session.add(
                Assistance(
                    household_id=household.id, village_id=village.id, helper_id=helper.id,
                    at=datetime(2026, 11, 18, 2, tzinfo=UTC), day=WED, account_created=True,
                    submitted_online=True, procedure="birth-registration", fee_required=False,
                )
            )  # fmt: skip


async def tally_and_kpis(app: App) -> tuple[list[str], list[str], daily.DailyTally]:
    async with app.sessionmaker() as session:
        with statements(app) as for_tally:
            tally = await daily.daily_tally(session, None, WED)
        with statements(app) as for_kpis:
            await kpis.kpi_report(session, None, NOVEMBER, today=WED, targets=ReportsSettings())
    return for_tally, for_kpis, tally


def reading(table: str, seen: list[str]) -> list[str]:
    return [statement for statement in seen if f"FROM {table}" in statement]


async def test_a_daily_tally_takes_six_statements_for_4_villages_as_for_44(app: App) -> None:
    await build_log(app)
    small_tally, small_kpis, small = await tally_and_kpis(app)
    # whether the week goes on, the villages with their day and week, the day's total, the
    # week's total, the day's helpers, the day's override
    assert len(small_tally) == 6
    assert reading("assistances", small_tally + small_kpis) == []
    # Help was logged later in the week (Thursday), so the week so far is summed from its days:
    # in the villages' statement and in the week's total.
    assert len(reading("village_days", small_tally)) == 4
    assert len(reading("helper_days", small_tally)) == 1
    assert len(reading("village_days", small_kpis)) == 1  # the dossiers
    assert len(reading("helper_days", small_kpis)) == 1
    assert (small.today.households, small.week.households, len(small.today.villages)) == (3, 4, 4)

    await add_villages(app, 40)
    big_tally, big_kpis, big = await tally_and_kpis(app)
    assert len(big_tally) == len(small_tally)
    assert reading("assistances", big_tally + big_kpis) == []
    assert len(big_kpis) == len(small_kpis)
    assert (big.today.households, big.week.households, len(big.today.villages)) == (43, 44, 44)
    assert len(big.today.helpers) == 42  # Tuấn, Hoa and the 40 new helpers
    assert big.today.work.submitted_online == 41

    async with app.sessionmaker() as session:  # Thursday: the last day with help, the week's row
        with statements(app) as for_thursday:
            thursday = await daily.daily_tally(session, None, THU)
    assert len(for_thursday) == 6
    assert len(reading("village_weeks", for_thursday)) == 2  # the villages' and the total
    assert (thursday.today.households, thursday.week.households) == (1, 45)


def scans_of(plan: Any, table: str) -> list[tuple[str, str | None]]:
    """(node type, index name) of every plan node reading `table`."""
    found: list[tuple[str, str | None]] = []
    if isinstance(plan, dict):
        if plan.get("Relation Name") == table:
            found.append((plan["Node Type"], plan.get("Index Name")))
        for value in plan.values():
            found += scans_of(value, table)
    elif isinstance(plan, list):
        for item in plan:
            found += scans_of(item, table)
    return found


LOAD = """
WITH homes AS (SELECT id, village_id, row_number() OVER (ORDER BY id) - 1 AS n FROM households),
     counted AS (SELECT count(*) AS k FROM households)
INSERT INTO assistances (household_id, village_id, helper_id, at, day, account_created,
    level2_referral, portal_login, submitted_online, papers_digitised, paid_online, other,
    procedure, fee_required, logged_late)
SELECT homes.id, homes.village_id, $1, now(), $2::date - (g % 250), g % 3 = 0, g % 11 = 0,
    g % 5 = 0, g % 7 = 0, g % 13 = 0, g % 17 = 0, g % 19 = 0,
    CASE WHEN g % 4 = 0 THEN 'birth-registration' END, CASE WHEN g % 4 = 0 THEN g % 8 = 0 END,
    false
FROM generate_series(1, 200000) AS g CROSS JOIN counted JOIN homes ON homes.n = g % counted.k
"""


if os.environ.get(POSTGRES_ENV):  # plans are PostgreSQL's (like conftest.BACKENDS)

    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    async def test_a_days_tally_and_the_kpis_read_kept_rows_through_their_indexes(
        app: App,
    ) -> None:
        data = await build_log(app)
        await add_villages(app, 40)
        async with app.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.execute(LOAD, data.hoa, WED)  # 200,000 visits over 250 days
        async with app.db.transaction() as session:  # loaded with SQL: kept rows recounted
            await visit_totals.rebuild(session)
        async with app.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.execute("VACUUM ANALYZE village_days")
            await raw.execute("VACUUM ANALYZE helper_days")
        seen: list[tuple[str, tuple[Any, ...]]] = []

        def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if any(table in statement for table in ("_days", "_weeks", "assistances")):
                seen.append((statement, tuple(parameters)))

        engine = app.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            async with app.sessionmaker() as session:
                tally = await daily.daily_tally(session, None, WED)
                report = await kpis.kpi_report(
                    session, None, NOVEMBER, today=date(2026, 11, 30), targets=ReportsSettings()
                )
        finally:
            event.remove(engine, "before_cursor_execute", record)
        # 800 loaded visits on Wednesday, 4 logged, 40 in the new villages; 1 + 40 + 3,600 dossiers
        assert (tally.today.work.visits, report.dossiers) == (844, 3641)
        # The tally's: help later that week (Thursday's), the villages with their day and the
        # week summed from its days, the day's total, the week's total, the helpers; the KPIs'
        # dossiers and helpers.
        assert len(seen) == 7
        assert not [sql for sql, _ in seen if "assistances" in sql]
        villages_statement = seen[1]
        async with app.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            # The kept rows here (44 villages × 250 days) are few enough that reading them all
            # may rightly be cheapest; what is checked is that an index serves each statement,
            # as the planner will choose once there are 10,000 villages.
            await raw.execute("SET enable_seqscan = off")

            async def scans(statement: tuple[str, tuple[Any, ...]]) -> list[Any]:
                sql, parameters = statement
                plan = await raw.fetchval("EXPLAIN (FORMAT JSON) " + sql, *parameters)
                found = json.loads(plan) if isinstance(plan, str) else plan
                return scans_of(found, "village_days") + scans_of(found, "helper_days")

            day_scans = await scans(villages_statement)
            # Each village's day and the week's days are read through the key (day, village).
            assert len(day_scans) == 2
            assert all(node != "Seq Scan" for node, _ in day_scans)
            sql, parameters = villages_statement
            plan = await raw.fetchval("EXPLAIN (FORMAT JSON) " + sql, *parameters)
            assert "pk_village_days" in str(plan)  # keyed by day first
            for statement in seen:
                found = await scans(statement)
                assert found and all(node != "Seq Scan" for node, _ in found)

        seen.clear()  # the message's digest: kept rows only, each through an index
        event.listen(engine, "before_cursor_execute", record)
        try:
            async with app.sessionmaker() as session:
                message = await digest.tally_digest(session, None, WED)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        helped = [v for v in tally.today.villages if tally.week.households_of(v.village_id)]
        assert (message.work, message.helped_villages) == (tally.today.work, len(helped))
        assert seen and not [sql for sql, _ in seen if "assistances" in sql]
        async with app.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.execute("SET enable_seqscan = off")
            read = 0
            for sql, parameters in seen:
                plan = await raw.fetchval("EXPLAIN (FORMAT JSON) " + sql, *parameters)
                found = json.loads(plan) if isinstance(plan, str) else plan
                kept = scans_of(found, "village_days") + scans_of(found, "helper_days")
                assert all(node != "Seq Scan" for node, _ in kept), sql
                read += len(kept)
            assert read >= 3  # the day's villages, the day's total, the helpers
            # The busiest come in the order of the day's helped villages by households: the
            # first few are read, not every village of the day sorted.
            busiest = next(statement for statement in seen if "households DESC" in statement[0])
            plan = await raw.fetchval("EXPLAIN (FORMAT JSON) " + busiest[0], *busiest[1])
            found = json.loads(plan) if isinstance(plan, str) else plan
            used = {index for _, index in scans_of(found, "village_days")}
            assert "ix_village_days_day_households" in used
