"""The province's view (issue 16, first part): three communes side by side, each line equal to
that commune's own reports, the province's line their sum, laggards first; the official list of
administrative units; `report province`, `report … --commune` and `communes list|set`."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select, text

from bot.app import App
from bot.config import ReportsSettings
from bot.db.migrate import downgrade, upgrade
from bot.db.models import Commune, HelpRequest, Household, Person, Question
from bot.services import communes, places, units
from bot.services.reports import coverage, figures, kpis, tallies
from bot.services.reports.province import ProvinceReport, province_report
from bot.services.reports.province_sheet import province_workbook
from bot.services.reports.province_view import province_png, province_text
from bot.vntext import fold
from tests.test_reports import NOW, TODAY, add_assistance
from tests.test_reports_cli import dvcbot

TARGETS = ReportsSettings()
# Per commune: villages (name, official count) and households per village as
# (members_with_account, submitted_online); then its visits: (village, household index,
# days before TODAY, procedure, submitted online).
COMMUNES: dict[str, dict[str, Any]] = {
    "Xã Đức Hợp": {
        "villages": {"Thôn 1": 4, "Thôn 2": None},
        "households": {"Thôn 1": [2, 0, 1], "Thôn 2": [1, 1]},
        "visits": [
            ("Thôn 1", 0, 0, "birth-registration", True),
            ("Thôn 1", 0, 0, None, False),  # the same household twice today: once
            ("Thôn 1", 1, 3, "certified-copy", False),
            ("Thôn 2", 0, 0, "birth-registration", False),
        ],
    },
    "Xã Mễ Sở": {  # the same village name as Đức Hợp: a village belongs to its commune
        "villages": {"Thôn 1": 3},
        "households": {"Thôn 1": [0, 0, 1]},
        "visits": [("Thôn 1", 2, 1, "birth-registration", True)],
    },
    "Xã Tân Tiến": {"villages": {"Thôn Mới": 10}, "households": {}, "visits": []},
}


async def build_province(app: App) -> dict[str, int]:
    """The three communes above (the installation's own commune renamed as the first)."""
    ids: dict[str, int] = {}
    async with app.db.transaction() as session:
        helper = Person(display_name="Cán bộ tỉnh")
        session.add(helper)
        first = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        first.name = "Xã Đức Hợp"
        for name, spec in COMMUNES.items():
            commune = first if name == "Xã Đức Hợp" else Commune(name=name)
            session.add(commune)
            await session.flush()
            ids[name] = commune.id
            for village_name, official in spec["villages"].items():
                village = await places.add_village(
                    session, commune, village_name, official_households=official
                )
                for number, accounts in enumerate(spec["households"].get(village_name, [])):
                    head = f"Chủ hộ {number}"
                    session.add(
                        Household(
                            village_id=village.id,
                            code=f"{commune.id}-{village.id}-{number}",
                            head_name=head,
                            folded_head=fold(head),
                            members=4,
                            members_with_account=accounts,
                            submitted_online=False,
                            paid_online=False,
                        )
                    )
        await session.flush()
        helper_id = helper.id
    for name, spec in COMMUNES.items():
        for village_name, index, days_ago, procedure, submitted in spec["visits"]:
            household_id = await household_of(app, ids[name], village_name, index)
            await add_assistance(
                app,
                household_id,
                TODAY - timedelta(days=days_ago),
                helper_id,
                procedure=procedure,
                fee_required=False if procedure else None,
                submitted_online=submitted,
            )
    async with app.db.transaction() as session:
        asker = Person(display_name="Người dân")
        session.add(asker)
        await session.flush()
        for commune_name, count in (("Xã Mễ Sở", 2), ("Xã Đức Hợp", 1)):
            for number in range(count):
                session.add(
                    Question(
                        person_id=asker.id, commune_id=ids[commune_name], text=f"Hỏi {number}"
                    )
                )
    return ids


async def household_of(app: App, commune_id: int, village_name: str, index: int) -> int:
    async with app.db.transaction() as session:
        village = await places.find_village(session, village_name, commune_id)
        assert village is not None
        homes = await session.scalars(
            select(Household.id).where(Household.village_id == village.id).order_by(Household.id)
        )
        return list(homes)[index]


async def report_of(app: App) -> ProvinceReport:
    async with app.db.transaction() as session:
        return await province_report(session, TODAY, targets=TARGETS)


async def test_each_commune_line_equals_that_communes_own_reports(app: App) -> None:
    ids = await build_province(app)
    report = await report_of(app)
    assert len(report.communes) == 3
    month = kpis.Month.of(TODAY)
    for row in report.communes:
        assert row.commune_id is not None
        async with app.db.transaction() as session:
            scope = await communes.village_ids(session, row.commune_id)
            own = await coverage.coverage(session, scope, TODAY, target_pct=80, record=False)
            today = await tallies.range_tally(session, scope, TODAY, TODAY)
            this_month = await tallies.range_tally(session, scope, month.first, TODAY)
            own_kpis = await kpis.kpi_report(session, scope, month, today=TODAY, targets=TARGETS)
        assert row.register == own.total
        assert (row.coverage_pct, row.villages) == (own.coverage_pct, len(own.villages))
        assert row.official_households == own.official_households
        assert row.registered_with_official == own.registered_with_official
        assert (row.helped_today, row.helped_month) == (today.households, this_month.households)
        submitted, digitised, paid = row.dossiers.kpis(TARGETS)
        assert submitted == own_kpis.submitted_online
        assert digitised == own_kpis.papers_digitised
        assert paid == own_kpis.paid_online
    by_name = {row.name: row for row in report.communes}
    duc_hop = by_name["Xã Đức Hợp"]
    assert (duc_hop.register.households, duc_hop.register.covered) == (5, 4)
    assert (duc_hop.helped_today, duc_hop.helped_month) == (2, 3)
    assert (duc_hop.dossiers.dossiers, duc_hop.dossiers.submitted) == (3, 1)
    assert (duc_hop.official_households, duc_hop.registered_with_official) == (4, 3)
    assert (duc_hop.open_questions, by_name["Xã Mễ Sở"].open_questions) == (1, 2)
    assert by_name["Xã Mễ Sở"].commune_id == ids["Xã Mễ Sở"]


async def test_the_province_line_is_the_sum_of_its_communes(app: App) -> None:
    await build_province(app)
    report = await report_of(app)
    total, rows = report.total, report.communes
    assert total.register == figures.Figures.total(row.register for row in rows)
    assert total.register.households == 8 and total.register.covered == 5
    assert total.helped_today == sum(row.helped_today for row in rows) == 2
    assert total.helped_month == sum(row.helped_month for row in rows) == 4
    assert total.dossiers.dossiers == sum(row.dossiers.dossiers for row in rows) == 4
    assert total.official_households == 4 + 3 + 10
    assert total.open_questions == 3
    assert report.to_json()["total"]["helped_month"] == 4


async def test_laggards_come_first(app: App) -> None:
    await build_province(app)
    report = await report_of(app)
    # Tân Tiến has no household registered; Mễ Sở 1/3 covered; Đức Hợp 4/5.
    assert [row.name for row in report.communes] == ["Xã Tân Tiến", "Xã Mễ Sở", "Xã Đức Hợp"]
    text = province_text(report)
    assert text.index("Xã Tân Tiến") < text.index("Xã Mễ Sở") < text.index("Xã Đức Hợp")
    assert "⚪ Xã Tân Tiến: chưa nhập hộ nào vào sổ" in text
    assert "🔴 Xã Mễ Sở: 33,3% (1/3 hộ)" in text
    assert "🔴 Xã Đức Hợp: 80% (4/5 hộ)" not in text  # 80 % meets the 80 % target
    assert "🟢 Xã Đức Hợp: 80% (4/5 hộ)" in text
    assert "Toàn tỉnh: 62,5% (5/8 hộ có tài khoản)" in text
    assert "Câu hỏi chờ trả lời toàn tỉnh: 3" in text


async def test_chart_and_workbook_list_every_commune(app: App) -> None:
    await build_province(app)
    report = await report_of(app)
    assert province_png(report).startswith(b"\x89PNG")
    sheet = load_workbook(io.BytesIO(province_workbook(report))).active
    assert sheet is not None and sheet.title == "Toàn tỉnh theo xã"
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    names = [row[0] for row in rows[2:6]]
    assert names == ["Xã Tân Tiến", "Xã Mễ Sở", "Xã Đức Hợp", "Toàn tỉnh"]
    assert rows[5][3:6] == (8, 5, 62.5)  # registered, covered, coverage % of the province


def test_official_units_are_found_with_or_without_accents_and_with_a_typo() -> None:
    (found,) = units.find("Xã Đức Hợp")
    assert (found.code, found.province) == (12313, "Hưng Yên")
    assert units.find("duc hop", "Hưng Yên") == [found]
    assert units.find("Duc Hopp") == [found]
    assert units.by_code(12313) == found
    assert len(units.find("Tân Phú")) > 1  # the same name in several provinces
    assert units.find("Xã Không Có Thật") == []


async def run_cli(app: App, *args: str) -> tuple[int, str]:
    result = await dvcbot(app, *args)
    return result.exit_code, result.output


async def test_report_commands_need_a_commune_once_there_are_several(app: App) -> None:
    await build_province(app)
    code, output = await run_cli(app, "report", "coverage")
    assert code == 1 and "nhiều xã, phường" in output and "--commune" in output
    code, output = await run_cli(app, "report", "coverage", "--commune", "me so")
    assert code == 0 and "Xã Mễ Sở" in output and "Thôn 1: 33,3% (1/3 hộ)" in output
    code, output = await run_cli(app, "report", "coverage", "--commune", "Xã Không Có")
    assert code == 1 and "Không tìm thấy xã, phường «Xã Không Có»" in output
    code, output = await run_cli(app, "report", "province")
    assert code == 0 and output.index("Xã Tân Tiến") < output.index("Xã Đức Hợp")
    code, output = await run_cli(app, "report", "province", "--json")
    assert code == 0 and '"open_questions": 3' in output and '"households": 8' in output


async def test_a_commune_is_tied_to_its_official_unit(app: App) -> None:
    ids = await build_province(app)
    code, output = await run_cli(app, "communes", "set", "--unit", "Tân Phú")
    assert code == 1 and "--commune" in output  # several communes: which one?
    code, output = await run_cli(
        app, "communes", "set", "--commune", "Tân Tiến", "--unit", "Tân Phú"
    )
    assert code == 1 and "Có nhiều đơn vị tên «Tân Phú»" in output and "--code" in output
    code, output = await run_cli(
        app, "communes", "set", "--commune", "Đức Hợp", "--unit", "duc hop"
    )
    assert code == 0 and "Xã Đức Hợp, Hưng Yên (mã 12313)" in output
    code, output = await run_cli(app, "communes", "set", "--commune", "Mễ Sở", "--code", "12313")
    assert code == 1 and "đã được gắn cho một xã khác" in output
    code, output = await run_cli(app, "communes", "list")
    assert code == 0 and "Xã Đức Hợp — mã 12313, Hưng Yên — 2 thôn, 5 hộ trong sổ" in output
    async with app.db.transaction() as session:
        stored = await session.get(Commune, ids["Xã Đức Hợp"])
        assert stored is not None and (stored.code, stored.province_code) == (12313, 33)
        assert (await session.get(Commune, ids["Xã Mễ Sở"])).code is None  # type: ignore[union-attr]


async def test_upgrading_keeps_everything_and_gives_old_requests_the_one_commune(
    app: App,
) -> None:
    # SQLite rebuilds a table to add a constraint: with foreign keys on, that would have
    # deleted every village (and household and visit) of the rebuilt communes table.
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        asker = Person(display_name="Người dân")
        session.add(asker)
        await session.flush()
        commune_id, asker_id = commune.id, asker.id
    await build_province(app)
    before = await table_sizes(app)
    await downgrade(app.engine, "0018")
    async with app.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO help_requests (person_id, question, status, messages, created_at)"
                " VALUES (:person, 'Cần hỏi', 'open', 0, :at)"
            ),
            {"person": asker_id, "at": NOW},
        )
    await upgrade(app.engine)
    assert await table_sizes(app) == before
    async with app.db.transaction() as session:
        request_communes = await session.scalars(select(HelpRequest.commune_id))
        assert list(request_communes) == [commune_id]
        people_communes = set(await session.scalars(select(Person.commune_id)))
        assert people_communes == {commune_id}  # they were the one commune's people


async def table_sizes(app: App) -> dict[str, int]:
    tables = ("communes", "villages", "households", "assistances", "people", "questions")
    async with app.db.transaction() as session:
        return {
            table: int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
            for table in tables
        }
