"""Each village's kept register figures stay equal to a recount after every kind of change.

Coverage reads `village_counters` instead of aggregating the households, so after each change
the product allows (chat create and edit, help logging and its undo, imports, parallel saves)
the kept figures must equal a recount done here from the households; `dvcbot db check` finds
an injected drift and `--repair` fixes it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import case, func, select, text, update
from typer.testing import CliRunner, Result

from bot.app import App
from bot.cli import cli
from bot.db.migrate import downgrade, upgrade
from bot.db.models import AuditEntry, Household, Role, Village, VillageCounter
from bot.locales import t
from bot.services.reports import coverage, figures, snapshots
from tests.helpers import texts
from tests.test_help_log_changes import log_help, undo_buttons
from tests.test_household_concurrency import make_village, volunteer_at_summary
from tests.test_household_io import EXCEL_ROWS, NOW, add_villages, register, run_import, write_xlsx
from tests.test_households_flow import add_household, make_villages, staff_user

Counts = tuple[int, int, int, int, int]


async def recount(app: App) -> dict[int, Counts]:
    """Each village's figures counted here from its households (villages without any: zeros)."""
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(
                Village.id,
                func.count(Household.id),
                func.coalesce(func.sum(case((Household.members_with_account >= 1, 1))), 0),
                func.coalesce(func.sum(Household.members_with_account), 0),
                func.coalesce(func.sum(case((Household.submitted_online, 1))), 0),
                func.coalesce(func.sum(case((Household.paid_online, 1))), 0),
            )
            .outerjoin(Household, Household.village_id == Village.id)
            .group_by(Village.id)
        )
        return {village_id: tuple(int(v) for v in values) for village_id, *values in rows}  # type: ignore[misc]


async def kept(app: App) -> dict[int, Counts]:
    """The kept figures, with zeros for a village that has no row yet."""
    async with app.sessionmaker() as session:
        villages = list(await session.scalars(select(Village.id)))
        rows = {
            row.village_id: (
                row.households,
                row.covered,
                row.accounts,
                row.submitted_online,
                row.paid_online,
            )
            for row in await session.scalars(select(VillageCounter))
        }
    return {village_id: rows.get(village_id, (0, 0, 0, 0, 0)) for village_id in villages}


async def assert_in_step(app: App) -> dict[int, Counts]:
    counted = await recount(app)
    assert await kept(app) == counted
    return counted


async def test_every_chat_change_keeps_the_counters_equal_to_a_recount(app: App) -> None:
    east, west = await make_villages(app, "Thôn Đông", "Thôn Tây")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER)
    # Created in chat: 4 members, 1 with an account, not submitted, paid online.
    await volunteer.presses(f"hn:{east}")
    await volunteer.presses("hc:ok:1")
    await volunteer.says("Nguyễn Văn An")
    for payload in ("hc:mem:4", "hc:acc:1", "hc:sub:0", "hc:pay:1", "hc:tel:skip", "hc:note:skip"):
        await volunteer.presses(payload)
    assert t("volunteer.created", code="TD-0001") in texts(await volunteer.presses("hc:done:save"))
    assert (await assert_in_step(app))[east] == (1, 1, 1, 0, 1)
    [household] = [h.id for h in (await register(app)).values()]

    # Every field edited in chat, one at a time.
    edits = [
        ("acc", "0", (1, 0, 0, 0, 1)),
        ("mem", "6", (1, 0, 0, 0, 1)),
        ("acc", "3", (1, 1, 3, 0, 1)),
        ("name", "Nguyễn Văn Anh", (1, 1, 3, 0, 1)),
        ("code", "TD-0100", (1, 1, 3, 0, 1)),
        ("tel", "0912345678", (1, 1, 3, 0, 1)),
        ("note", "Nhà gần trạm y tế", (1, 1, 3, 0, 1)),
    ]
    for field, answer, expected in edits:
        await volunteer.presses(f"he:{household}:{field}")
        assert t("volunteer.saved") in texts(await volunteer.says(answer)), field
        assert (await assert_in_step(app))[east] == expected, field
    await volunteer.presses(f"he:{household}:sub")
    await volunteer.presses("hf:sub:1")
    assert (await assert_in_step(app))[east] == (1, 1, 3, 1, 1)
    await volunteer.presses(f"he:{household}:pay")
    await volunteer.presses("hf:pay:0")
    assert (await assert_in_step(app))[east] == (1, 1, 3, 1, 0)
    await volunteer.presses(f"h1:{household}")  # one more member with an account
    assert (await assert_in_step(app))[east] == (1, 1, 4, 1, 0)

    # Help logged in the other village creates its first account and sets both flags; undone.
    other = await add_household(app, west, "Trần Thị Bình", members=3, accounts=0)
    assert (await assert_in_step(app))[west] == (1, 0, 0, 0, 0)
    saved = await log_help(volunteer, other, "account_created", "submitted_online", "paid_online")
    assert (await assert_in_step(app))[west] == (1, 1, 1, 1, 1)
    [undo] = undo_buttons(saved)
    await volunteer.presses(undo)
    counted = await assert_in_step(app)
    assert (counted[east], counted[west]) == ((1, 1, 4, 1, 0), (1, 0, 0, 0, 0))


async def test_moving_and_deleting_households_keep_the_counters(app: App) -> None:
    """No chat step moves or deletes a household yet; any code that does is kept in step."""
    east, west = await make_villages(app, "Thôn Đông", "Thôn Tây")
    first = await add_household(app, east, "Nguyễn Văn An", members=4, accounts=2)
    second = await add_household(app, east, "Lê Văn Chung", members=2, accounts=1)
    async with app.db.transaction() as session:
        household = await session.get(Household, first)
        assert household is not None
        household.village_id, household.paid_online = west, True
    assert await assert_in_step(app) == {east: (1, 1, 1, 0, 0), west: (1, 1, 2, 0, 1)}
    async with app.db.transaction() as session:  # loaded in another session, then deleted
        household = await session.get(Household, second)
        assert household is not None
        session.expire(household)
        await session.delete(household)
    assert await assert_in_step(app) == {east: (0, 0, 0, 0, 0), west: (1, 1, 2, 0, 1)}


async def test_imports_keep_the_counters(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    first = await run_import(app, write_xlsx(tmp_path / "v1.xlsx", EXCEL_ROWS))
    assert first.created == 4
    counted = await assert_in_step(app)
    assert sorted(counted.values()) == [(2, 1, 2, 1, 0), (2, 2, 6, 2, 1)]
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER)
    binh = (await register(app))["DA-002"].id
    await volunteer.presses(f"h1:{binh}")  # changed in chat: the file's 0 is kept below
    changed = [list(row) for row in EXCEL_ROWS]
    changed[3][5] = 0  # DA-001: no account any more
    changed[5][5] = 1  # PL-001: 1 account instead of 5
    changed[6][7] = "x"  # 17: paid online
    report = await run_import(app, write_xlsx(tmp_path / "v2.xlsx", changed))
    assert (report.updated, len(report.conflicts)) == (3, 1)
    counted = await assert_in_step(app)
    assert sorted(counted.values()) == [(2, 1, 1, 1, 0), (2, 2, 2, 2, 2)]
    preferred = await run_import(app, write_xlsx(tmp_path / "v3.xlsx", changed), prefer_file=True)
    assert preferred.updated == 1
    counted = await assert_in_step(app)
    assert sorted(counted.values()) == [(2, 0, 0, 1, 0), (2, 2, 2, 2, 2)]


async def test_fifty_parallel_saves_in_one_village_lose_no_increment(app: App) -> None:
    village = await make_village(app)
    volunteers = await asyncio.gather(
        *(volunteer_at_summary(app, number, village) for number in range(50))
    )
    await asyncio.gather(*(user.presses("hc:done:save") for user in volunteers))
    assert (await assert_in_step(app))[village] == (50, 50, 50, 0, 50)


async def test_coverage_and_snapshots_come_from_the_counters(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    await add_household(app, village, "Nguyễn Văn An", members=4, accounts=2)
    await add_household(app, village, "Lê Văn Chung", members=2)
    async with app.db.transaction() as session:  # a stale figure shows what coverage reads
        await session.execute(
            update(VillageCounter).where(VillageCounter.village_id == village).values(covered=2)
        )
        report = await coverage.coverage(session, None, NOW.date(), target_pct=60.0)
        assert (report.total.households, report.total.covered) == (2, 2)
        assert await snapshots.snapshot_all(session, NOW.date()) == 1
        figures = await snapshots.snapshot_figures(session, NOW.date(), None)
        assert figures[village].covered == 2


async def dvcbot(app: App, *args: str) -> Result:
    env = {"DVCBOT_DATABASE__URL": app.settings.database.url, "DVCBOT_BOT__DEMO_DATA": "false"}
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)


async def test_db_check_reports_a_drift_and_repair_fixes_it(app: App) -> None:
    east, west = await make_villages(app, "Thôn Đông", "Thôn Tây")
    await add_household(app, east, "Nguyễn Văn An", members=4, accounts=2)
    await add_household(app, west, "Lê Văn Chung", members=2, accounts=0)
    clean = await dvcbot(app, "db", "check")
    assert clean.exit_code == 0, clean.output
    assert t("counters.all_match") in clean.output
    async with app.db.transaction() as session:
        await session.execute(
            text("UPDATE village_counters SET households = 7, accounts = 0 WHERE village_id = :v"),
            {"v": east},
        )
    drifted = await dvcbot(app, "db", "check")
    assert drifted.exit_code == 1, drifted.output
    assert t("counters.drifting", count=1) in drifted.output
    label = t("counters.households")
    assert f"Thôn Đông (mã {east}): {label} đang lưu 7, đếm lại 1" in drifted.output
    assert f"{t('counters.accounts')} đang lưu 0, đếm lại 2" in drifted.output
    assert "Thôn Tây" not in drifted.output
    assert await kept(app) != await recount(app)  # a check alone writes nothing

    repaired = await dvcbot(app, "db", "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert t("counters.repaired", count=1) in repaired.output
    assert (await assert_in_step(app))[east] == (1, 1, 2, 0, 0)
    async with app.sessionmaker() as session:
        [entry] = await session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "village_counters")
        )
    assert entry.action == "repair"
    assert entry.before == {
        str(east): dict(zip(figures.FIGURE_FIELDS, (7, 1, 0, 0, 0), strict=True))
    }
    assert entry.after == {
        str(east): dict(zip(figures.FIGURE_FIELDS, (1, 1, 2, 0, 0), strict=True))
    }
    again = await dvcbot(app, "db", "check")
    assert again.exit_code == 0 and t("counters.all_match") in again.output


async def test_the_migration_counts_the_households_already_registered(app: App) -> None:
    east, west, empty = await make_villages(app, "Thôn Đông", "Thôn Tây", "Thôn Mới")
    await add_household(app, east, "Nguyễn Văn An", members=4, accounts=2)
    await add_household(app, east, "Lê Văn Chung", members=2)
    await add_household(app, west, "Trần Thị Bình", members=3, accounts=3)

    await downgrade(app.engine, "0016")
    await upgrade(app.engine)
    async with app.sessionmaker() as session:
        rows = set(await session.scalars(select(VillageCounter.village_id)))
    assert rows == {east, west}  # a village without households gets its row when one comes
    counted = await assert_in_step(app)
    assert (counted[east], counted[west], counted[empty]) == (
        (2, 1, 2, 0, 0),
        (1, 1, 3, 0, 0),
        (0, 0, 0, 0, 0),
    )
