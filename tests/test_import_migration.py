"""Migration 0012 remembers what earlier imports wrote, so upgrading loses no chat work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from bot.app import App
from bot.db.migrate import downgrade, upgrade
from bot.db.models import AuditEntry, Household, Village
from tests.test_household_io import NOW, run_import, write_csv

IMPORTED = {
    "head_name": "Nguyễn Văn An",
    "members": 4,
    "members_with_account": 0,
    "submitted_online": False,
    "paid_online": False,
    "phone": "0912345678",
    "note": None,
}


async def downgrade_to_0011(app: App) -> None:
    await downgrade(app.engine, "0011")


def household(village_id: int, code: str, **values: Any) -> dict[str, Any]:
    return {
        "village_id": village_id,
        "code": code,
        "folded_head": "nguyen van an",
        "created_at": NOW,
        "updated_at": NOW,
        **IMPORTED,
        **values,
    }


def audit(household_id: int, action: str, after: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": NOW,
        "action": action,
        "entity": "household",
        "entity_id": str(household_id),
        "after": after,
    }


async def stored_imports(app: App) -> dict[str, dict[str, Any] | None]:
    async with app.sessionmaker() as session:
        rows = await session.execute(select(Household.code, Household.imported_values))
        return dict(rows.all())


async def test_upgrade_remembers_imported_fields_not_changed_in_chat_since(
    app: App, tmp_path: Path
) -> None:
    await downgrade_to_0011(app)
    async with app.db.transaction() as session:
        connection = await session.connection()  # the schema of 0011: Core, not today's models
        commune = (await connection.execute(text("SELECT min(id) FROM communes"))).scalar()
        village = (
            await connection.execute(
                insert(Village.__table__)
                .values(commune_id=commune, name="Thôn Đức An", folded_name="thon duc an")
                .returning(Village.__table__.c.id)
            )
        ).scalar_one()
        columns = [Household.id, Household.code]
        rows = [
            household(village, "DA-1", members_with_account=2),  # imported, then +2 in chat
            household(village, "DA-2"),  # imported, untouched since
            household(village, "DA-3", head_name="Lê Văn Chat"),  # created in chat
        ]
        created = await connection.execute(insert(Household).returning(*columns), rows)
        ids = {code: id_ for id_, code in created.all()}
        audits = [
            audit(ids["DA-1"], "import", {"village_id": village, "code": "DA-1", **IMPORTED}),
            audit(ids["DA-2"], "import", {"village_id": village, "code": "DA-2", **IMPORTED}),
            audit(ids["DA-3"], "create", {"code": "DA-3", **IMPORTED}),
            audit(ids["DA-1"], "update", {"members_with_account": 2}),
        ]
        await connection.execute(insert(AuditEntry), audits)
    await upgrade(app.engine)

    remembered = await stored_imports(app)
    assert remembered["DA-2"] == IMPORTED
    assert remembered["DA-1"] == {k: v for k, v in IMPORTED.items() if k != "members_with_account"}
    assert remembered["DA-3"] is None
    # Re-importing the old sheet keeps the chat's 2 accounts and takes nothing else.
    path = write_csv(
        tmp_path / "cu.csv",
        [
            ["Thôn", "Mã hộ", "Chủ hộ", "Số nhân khẩu", "Số tài khoản DVC"],
            ["Thôn Đức An", "DA-1", "Nguyễn Văn An", "4", "0"],
            ["Thôn Đức An", "DA-2", "Nguyễn Văn An", "5", "0"],
        ],
    )
    report = await run_import(app, path)
    assert [(c.code, c.field, c.stored, c.in_file) for c in report.conflicts] == [
        ("DA-1", "members_with_account", 2, 0)
    ]
    assert [(c.code, c.field, c.stored, c.in_file) for c in report.changes] == [
        ("DA-2", "members", 4, 5)
    ]
