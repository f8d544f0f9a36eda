"""Re-importing a register never silently undoes what volunteers changed in chat.

Each field is compared three ways: the file's value now, the file's value at the last import,
and the value in the database. A value changed in chat since the last import is kept (unless
the import prefers the file) and reported; every change is listed field by field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.actions.households import AddAccount, EditHousehold
from bot.app import App
from bot.db.models import AuditEntry, Household, Role, Village
from bot.locales import t
from bot.services.household_io import FieldDiff, ImportReport, RowError
from bot.services.privacy import mask_phone
from tests.helpers import ChatUser, texts
from tests.test_household_io import (
    EXCEL_ROWS,
    NOW,
    add_villages,
    register,
    run_import,
    write_xlsx,
)
from tests.test_households_flow import add_household, staff_user


async def volunteer(app: App) -> ChatUser:
    return await staff_user(app, "2001", Role.VOLUNTEER, name="Lê Thị Tình")


async def household_id(app: App, code: str) -> int:
    return (await register(app))[code].id


async def import_audits(app: App, household: int) -> list[AuditEntry]:
    async with app.sessionmaker() as session:
        return list(
            await session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.entity == "household",
                    AuditEntry.entity_id == str(household),
                    AuditEntry.action == "import",
                )
                .order_by(AuditEntry.id)
            )
        )


async def audit_count(app: App) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def edit_in_chat(user: ChatUser, household: int, field: Any, answer: str) -> None:
    """A volunteer changes one field of a household through the edit buttons."""
    await user.presses(EditHousehold(household, field).pack())
    assert t("volunteer.saved") in texts(await user.says(answer))


def changed_copy(changes: dict[tuple[int, int], object]) -> list[list[object]]:
    """EXCEL_ROWS with some cells replaced: {(row index, column index): value}."""
    rows = [list(row) for row in EXCEL_ROWS]
    for (row, column), value in changes.items():
        rows[row][column] = value
    return rows


def text_of(report: ImportReport) -> str:
    return "\n".join([report.summary(), *report.lines()])


async def test_reimporting_the_original_sheet_keeps_what_volunteers_changed_in_chat(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    original = write_xlsx(tmp_path / "so-ho.xlsx", EXCEL_ROWS)
    await run_import(app, original)
    user = await volunteer(app)
    binh, dung, an = [await household_id(app, code) for code in ("DA-002", "17", "DA-001")]
    await user.presses(AddAccount(binh).pack())
    await user.presses(AddAccount(binh).pack())  # 0 -> 2 accounts
    await user.presses(AddAccount(dung).pack())  # 1 -> 2 accounts
    await edit_in_chat(user, an, "tel", "0987 654 321")
    audits = await audit_count(app)

    dry = await run_import(app, original, dry_run=True)
    real = await run_import(app, original)
    conflicts = [
        FieldDiff("Thôn Đức An", "DA-001", "Nguyễn Văn An", "phone", "0987654321", "0912345678"),
        FieldDiff("Thôn Đức An", "DA-002", "Trần Thị Bình", "members_with_account", 2, 0),
        FieldDiff("Thôn Phú Lộc", "17", "Phạm Thị Dung", "members_with_account", 2, 1),
    ]
    for report in (dry, real):
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        assert report.changes == [] and report.conflicts == conflicts
        text = text_of(report)
        assert "giữ 3 giá trị đã sửa trong chat" in report.summary()
        assert "DA-002 – Trần Thị Bình (Thôn Đức An): Số tài khoản DVC" in text
        assert "trong chat là 2, trong tệp là 0" in text
        assert "Số điện thoại: trong chat là 098****321, trong tệp là 091****678" in text
    stored = await register(app)
    assert stored["DA-002"].members_with_account == 2
    assert stored["17"].members_with_account == 2
    assert stored["DA-001"].phone == "0987654321"
    assert await audit_count(app) == audits

    preferred = await run_import(app, original, prefer_file=True)
    assert (preferred.updated, preferred.unchanged) == (3, 1)
    assert preferred.conflicts == conflicts
    assert [(c.code, c.field, c.stored, c.in_file) for c in preferred.changes] == [
        ("DA-001", "phone", "0987654321", "0912345678"),
        ("DA-002", "members_with_account", 2, 0),
        ("17", "members_with_account", 2, 1),
    ]
    assert "Số tài khoản DVC: 2 → 0" in text_of(preferred)
    assert (await register(app))["DA-002"].members_with_account == 0
    [*_, entry] = await import_audits(app, binh)
    assert (entry.before, entry.after) == (
        {"members_with_account": 2},
        {"members_with_account": 0},
    )
    again = await run_import(app, original)
    assert (again.updated, again.unchanged, again.conflicts) == (0, 4, [])


async def test_a_file_change_to_a_field_not_changed_in_chat_is_applied_and_listed(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    await run_import(app, write_xlsx(tmp_path / "v1.xlsx", EXCEL_ROWS))
    user = await volunteer(app)
    binh = await household_id(app, "DA-002")
    await user.presses(AddAccount(binh).pack())
    await user.presses(AddAccount(binh).pack())  # 0 -> 2 in chat
    await user.presses(AddAccount(await household_id(app, "17")).pack())  # 1 -> 2 in chat
    # The commune's new sheet: Bình's household has 5 members now and An's has a note; the
    # accounts column still says 0 for Bình, and now says 2 for Dung, as the chat does.
    newer = changed_copy({(4, 4): 5, (3, 9): "Đã chuyển đi", (6, 5): 2})
    path = write_xlsx(tmp_path / "v2.xlsx", newer)

    report = await run_import(app, path, dry_run=True)
    assert report.changes == [
        FieldDiff("Thôn Đức An", "DA-001", "Nguyễn Văn An", "note", None, "Đã chuyển đi"),
        FieldDiff("Thôn Đức An", "DA-002", "Trần Thị Bình", "members", 3, 5),
    ]
    assert report.conflicts == [
        FieldDiff("Thôn Đức An", "DA-002", "Trần Thị Bình", "members_with_account", 2, 0),
    ]
    text = text_of(report)
    assert "DA-001 – Nguyễn Văn An (Thôn Đức An): Ghi chú: (trống) → Đã chuyển đi" in text
    assert "DA-002 – Trần Thị Bình (Thôn Đức An): Số nhân khẩu: 3 → 5" in text
    assert report.summary().startswith(t("household_io.dry_run"))
    assert "cập nhật 2 hộ" in report.summary()

    real = await run_import(app, path)
    assert (real.changes, real.conflicts) == (report.changes, report.conflicts)
    stored = await register(app)
    assert (stored["DA-002"].members, stored["DA-002"].members_with_account) == (5, 2)
    assert stored["DA-001"].note == "Đã chuyển đi"
    assert stored["17"].members_with_account == 2  # the file now says 2 as well
    [*_, entry] = await import_audits(app, binh)
    assert (entry.before, entry.after) == ({"members": 3}, {"members": 5})


async def test_both_sides_changed_keeps_the_chat_value(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    await run_import(app, write_xlsx(tmp_path / "v1.xlsx", EXCEL_ROWS))
    user = await volunteer(app)
    binh = await household_id(app, "DA-002")
    await user.presses(AddAccount(binh).pack())
    await user.presses(AddAccount(binh).pack())  # chat: 0 -> 2; the new sheet says 1
    report = await run_import(app, write_xlsx(tmp_path / "v2.xlsx", changed_copy({(4, 5): 1})))
    assert report.conflicts == [
        FieldDiff("Thôn Đức An", "DA-002", "Trần Thị Bình", "members_with_account", 2, 1)
    ]
    assert (await register(app))["DA-002"].members_with_account == 2


async def test_households_created_in_chat_count_as_changed_in_chat_for_every_field(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    async with app.sessionmaker() as session:
        village = await session.scalar(select(Village.id).where(Village.name == "Thôn Đức An"))
    assert village is not None
    await add_household(
        app, village, "Nguyễn Văn An", members=4, accounts=3, code="DA-001", now=NOW
    )
    path = write_xlsx(tmp_path / "so-ho.xlsx", EXCEL_ROWS)
    first = await run_import(app, path)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 1)
    assert [(c.field, c.stored, c.in_file) for c in first.conflicts] == [
        ("members_with_account", 3, 2),
        ("submitted_online", False, True),
        ("phone", None, "0912345678"),
    ]
    an = (await register(app))["DA-001"]
    assert (an.members_with_account, an.submitted_online, an.phone) == (3, False, None)
    assert "Đã nộp trực tuyến: trong chat là không, trong tệp là có" in text_of(first)
    assert "Số điện thoại: trong chat là (trống), trong tệp là 091****678" in text_of(first)
    # The file says the same again: the chat's values stay protected.
    second = await run_import(app, path)
    assert second.conflicts == first.conflicts and second.changes == []
    preferred = await run_import(app, path, prefer_file=True)
    assert preferred.updated == 1
    an = (await register(app))["DA-001"]
    assert (an.members_with_account, an.submitted_online, an.phone) == (2, True, "0912345678")
    assert (await run_import(app, path)).conflicts == []


async def test_a_kept_chat_value_that_clashes_with_the_file_skips_the_row(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    await run_import(app, write_xlsx(tmp_path / "v1.xlsx", EXCEL_ROWS))
    user = await volunteer(app)
    binh = await household_id(app, "DA-002")
    for _ in range(3):
        await user.presses(AddAccount(binh).pack())  # 3 of 3 members in chat
    # The new sheet says 2 members: with the 3 accounts kept from chat, that cannot be.
    report = await run_import(app, write_xlsx(tmp_path / "v2.xlsx", changed_copy({(4, 4): 2})))
    assert report.errors == [
        RowError(
            5,
            t("household_io.kept_value_invalid", reason=t("households.accounts_over_members")),
        )
    ]
    assert (report.updated, report.changes) == (0, [])
    stored = (await register(app))["DA-002"]
    assert (stored.members, stored.members_with_account) == (3, 3)


async def test_import_audit_rows_keep_phones_masked(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    await run_import(app, write_xlsx(tmp_path / "v1.xlsx", EXCEL_ROWS))
    an = await household_id(app, "DA-001")
    await run_import(app, write_xlsx(tmp_path / "v2.xlsx", changed_copy({(3, 8): "0977000111"})))
    created, updated = await import_audits(app, an)
    assert created.after is not None and created.after["phone"] == mask_phone("0912345678")
    assert (updated.before, updated.after) == (
        {"phone": mask_phone("0912345678")},
        {"phone": mask_phone("0977000111")},
    )
    async with app.sessionmaker() as session:
        stored = await session.get(Household, an)
    assert stored is not None and stored.phone == "0977000111"
