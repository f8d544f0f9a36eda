"""Importing and exporting the household register: Excel and CSV, idempotent, row errors."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.app import App
from bot.core.errors import DomainError
from bot.db.models import AuditEntry, Household, Village
from bot.locales import t
from bot.services import places
from bot.services.demo import load_demo
from bot.services.household_io import (
    ImportReport,
    RowError,
    export_households,
    import_households,
    vocabulary,
)

NOW = datetime(2025, 7, 15, 3, 0, tzinfo=UTC)
TITLE = "DANH SÁCH HỘ GIA ĐÌNH XÃ PHÚ THỊNH NĂM 2025"


async def add_villages(app: App) -> None:
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Phú Thịnh", "Asia/Ho_Chi_Minh")
        await places.add_village(session, commune, "Thôn Đức An", official_households=120)
        await places.add_village(session, commune, "Thôn Phú Lộc")


async def run_import(app: App, path: Path, **options: Any) -> ImportReport:
    async with app.db.transaction() as session:
        return await import_households(session, path, actor_id=None, now=NOW, **options)


async def register(app: App) -> dict[str, Household]:
    """Every household by code."""
    async with app.sessionmaker() as session:
        return {
            household.code: household for household in await session.scalars(select(Household))
        }


async def count(app: App, model: type[object]) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(
    path: Path, rows: list[list[object]], *, delimiter: str = ",", bom: bool = True
) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


EXCEL_ROWS: list[list[object]] = [
    [TITLE],
    [],
    [
        "STT",
        "Thôn",
        "Mã hộ",
        "Họ và tên chủ hộ",
        "Số nhân khẩu (người)",
        "Số người có tài khoản",
        "Đã nộp trực tuyến",
        "Đã thanh toán trực tuyến",
        "SĐT",
        "Ghi chú",
    ],
    [1, "Thôn Đức An", "DA-001", "Nguyễn Văn An", 4, 2, "x", None, 912345678, None],
    [2, "Thôn Đức An", "DA-002", "  Trần   Thị Bình ", 3, 0, None, None, None, "Neo đơn"],
    [3, "Thôn Phú Lộc", "PL-001", "Lê Văn Cường", 5.0, 5, "có", "Có", "0987 654 321", None],
    [4, "Thôn Phú Lộc", 17, "Phạm Thị Dung", 2, 1, True, False, "+84 912 000 111", None],
]


async def test_imports_excel_with_a_title_above_the_header(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    report = await run_import(app, write_xlsx(tmp_path / "ho.xlsx", EXCEL_ROWS))
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert report.errors == [] and report.warnings == []
    households = await register(app)
    assert set(households) == {"DA-001", "DA-002", "PL-001", "17"}
    an = households["DA-001"]
    assert (an.head_name, an.members, an.members_with_account) == ("Nguyễn Văn An", 4, 2)
    assert (an.submitted_online, an.paid_online) == (True, False)
    assert an.phone == "0912345678"  # Excel dropped the leading zero of a typed number
    binh = households["DA-002"]
    assert (binh.head_name, binh.folded_head, binh.note) == (
        "Trần Thị Bình",
        "tran thi binh",
        "Neo đơn",
    )
    assert households["PL-001"].paid_online and households["PL-001"].phone == "0987654321"
    assert households["17"].submitted_online and households["17"].phone == "0912000111"


async def test_imports_csv_with_semicolons_and_headers_without_accents(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    path = write_csv(
        tmp_path / "ho.csv",
        [
            ["Danh sach ho"],
            [
                "thon",
                "MA HO",
                "chu ho",
                "so khau",
                "so tk dvc",
                "da nop truc tuyen",
                "paid_online",
                "sdt",
                "ghi chu",
            ],
            [
                "duc an",
                "A1",
                "Hoàng Văn Em",
                "3",
                "1",
                "đã",
                "chưa",
                "",
                "ghi chú; có dấu chấm phẩy",
            ],
            ["PHU LOC", "B1", "Vũ Thị Hoa", "2", "", "0", "1", "0912345678", ""],
            ["Thôn Phú Lộc", "B2", "Đỗ Văn Giang", "4", "4", "yes", "no", "", ""],
        ],
        delimiter=";",
    )
    report = await run_import(app, path)
    assert (report.created, report.errors) == (3, [])
    households = await register(app)
    em = households["A1"]
    assert (em.members, em.members_with_account, em.submitted_online, em.paid_online) == (
        3,
        1,
        True,
        False,
    )
    assert em.note == "ghi chú; có dấu chấm phẩy"
    hoa = households["B1"]
    assert (hoa.members_with_account, hoa.submitted_online, hoa.paid_online) == (0, False, True)
    assert households["B2"].submitted_online
    async with app.sessionmaker() as session:
        villages = dict((await session.execute(select(Village.id, Village.name))).all())
    assert villages[em.village_id] == "Thôn Đức An"
    assert villages[hoa.village_id] == "Thôn Phú Lộc"


async def test_reimporting_the_same_file_changes_nothing(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    path = write_xlsx(tmp_path / "ho.xlsx", EXCEL_ROWS)
    await run_import(app, path)
    audits = await count(app, AuditEntry)
    before = {code: h.updated_at for code, h in (await register(app)).items()}
    report = await run_import(app, path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert await count(app, AuditEntry) == audits
    assert {code: h.updated_at for code, h in (await register(app)).items()} == before


async def test_a_changed_cell_updates_that_household_with_an_audit_row(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    await run_import(app, write_xlsx(tmp_path / "ho.xlsx", EXCEL_ROWS))
    audits = await count(app, AuditEntry)
    changed = [list(row) for row in EXCEL_ROWS]
    changed[4][5] = 3  # DA-002: three members now have an account
    report = await run_import(app, write_xlsx(tmp_path / "ho2.xlsx", changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    assert await count(app, AuditEntry) == audits + 1
    household = (await register(app))["DA-002"]
    assert household.members_with_account == 3
    async with app.sessionmaker() as session:
        entry = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry is not None
    assert (entry.action, entry.entity, entry.entity_id) == (
        "import",
        "household",
        str(household.id),
    )
    assert (entry.before, entry.after) == (
        {"members_with_account": 0},
        {"members_with_account": 3},
    )


async def test_a_column_missing_from_the_file_keeps_the_stored_values(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    await run_import(app, write_xlsx(tmp_path / "ho.xlsx", EXCEL_ROWS))
    path = write_csv(
        tmp_path / "ten.csv",
        [
            ["Thôn", "Mã hộ", "Chủ hộ", "Số nhân khẩu"],
            ["Thôn Đức An", "DA-001", "Nguyễn Văn Ân", 4],
        ],
    )
    report = await run_import(app, path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    an = (await register(app))["DA-001"]
    assert (an.head_name, an.folded_head) == ("Nguyễn Văn Ân", "nguyen van an")
    assert (an.members_with_account, an.submitted_online, an.phone) == (2, True, "0912345678")


BAD_ROWS: list[list[object]] = [
    ["Thôn", "Mã hộ", "Chủ hộ", "Số nhân khẩu", "Số tài khoản DVC", "Số điện thoại"],
    ["Thôn Đức An", "DA-1", "Nguyễn Văn An", "4", "2", "0912345678"],
    ["Thôn Đức An", "DA-2", "Trần Thị Bình", "abc", "0", ""],
    ["Thôn Đức An", "DA-3", "Lê Văn Cường", "2", "3", ""],
    ["Thôn Không Có", "X-1", "Phạm Văn Dũng", "3", "1", ""],
    ["Thôn Đức An", "DA-4", "", "3", "1", ""],
    ["Thôn Đức An", "DA-1", "Hoàng Văn Em", "2", "0", ""],
    ["Thôn Phú Lộc", "PL-1", "Vũ Thị Hoa", "3", "0", "12345"],
    [],
    ["Thôn Phú Lộc", "PL-2", "Đỗ Văn Giang", "5", "5", "+84 912 000 111"],
]


async def test_bad_rows_are_reported_with_row_and_reason_and_skipped(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    report = await run_import(app, write_csv(tmp_path / "loi.csv", BAD_ROWS))
    assert report.errors == [
        RowError(3, t("household_io.not_a_number", column="Số nhân khẩu", value="abc")),
        RowError(4, t("households.accounts_over_members")),
        RowError(5, t("household_io.unknown_village", name="Thôn Không Có")),
        RowError(6, t("household_io.missing_head")),
        RowError(7, t("household_io.duplicate_code", code="DA-1", village="Thôn Đức An", row=2)),
        RowError(8, t("households.bad_phone")),
    ]
    assert "Không có «Thôn Không Có» trong danh sách thôn" in report.errors[2].reason
    assert report.created == 2
    households = await register(app)
    assert set(households) == {"DA-1", "PL-2"}
    assert households["DA-1"].head_name == "Nguyễn Văn An"  # the duplicate row wrote nothing
    assert households["PL-2"].phone == "0912000111"
    assert await count(app, AuditEntry) == 2 + 2  # two villages added, two households imported
    assert report.summary() == ("Thêm mới 2 hộ, cập nhật 0 hộ, không đổi 0 hộ, 6 dòng lỗi")


async def test_unknown_villages_are_created_only_when_asked_and_only_for_good_rows(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    path = write_csv(
        tmp_path / "moi.csv",
        [
            ["Thôn", "Mã hộ", "Chủ hộ", "Số nhân khẩu"],
            ["Thôn Mới", "M-1", "Bùi Văn Hưng", "3"],
            ["thon moi", "M-2", "Bùi Thị Lan", "2"],
            ["Thôn Hỏng", "H-1", "Ngô Văn Long", "không rõ"],
        ],
    )
    report = await run_import(app, path, create_villages=True)
    assert report.created == 2
    assert [error.row for error in report.errors] == [4]
    assert report.warnings == [RowError(2, t("household_io.new_village", name="Thôn Mới"))]
    async with app.sessionmaker() as session:
        names = set(await session.scalars(select(Village.name)))
    assert names == {"Thôn Đức An", "Thôn Phú Lộc", "Thôn Mới"}
    households = await register(app)
    assert households["M-1"].village_id == households["M-2"].village_id


async def test_rows_without_a_code_get_one_and_a_warning(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    path = write_csv(
        tmp_path / "khongma.csv",
        [
            ["Thôn", "Mã hộ", "Chủ hộ", "Số nhân khẩu"],
            ["Thôn Đức An", "", "Lý Văn Minh", "3"],
            ["Thôn Đức An", "TDA-0001", "Lý Thị Nga", "2"],
        ],
    )
    report = await run_import(app, path)
    assert report.created == 2
    assert report.warnings == [RowError(2, t("household_io.generated_code", code="TDA-0002"))]
    assert (await register(app))["TDA-0002"].head_name == "Lý Văn Minh"
    assert "1 cảnh báo" in report.summary()


async def test_dry_run_reports_the_same_and_writes_nothing(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    path = write_csv(tmp_path / "loi.csv", BAD_ROWS)
    audits = await count(app, AuditEntry)
    dry = await run_import(app, path, dry_run=True, create_villages=True)
    assert await count(app, Household) == 0
    assert await count(app, Village) == 2
    assert await count(app, AuditEntry) == audits
    assert dry.dry_run and dry.summary().startswith(t("household_io.dry_run"))
    real = await run_import(app, path, create_villages=True)
    assert (dry.created, dry.updated, dry.unchanged, dry.errors, dry.warnings) == (
        real.created,
        real.updated,
        real.unchanged,
        real.errors,
        real.warnings,
    )


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
async def test_export_then_import_is_all_unchanged(app: App, tmp_path: Path, suffix: str) -> None:
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Phú Thịnh", "Asia/Ho_Chi_Minh")
        assert await load_demo(session, commune, now=NOW, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    total = await count(app, Household)
    path = tmp_path / f"so-ho{suffix}"
    async with app.sessionmaker() as session:
        assert await export_households(session, path) == total
    audits = await count(app, AuditEntry)
    report = await run_import(app, path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, total)
    assert report.errors == [] and report.warnings == []
    assert await count(app, AuditEntry) == audits


async def test_export_has_vietnamese_headers_and_respects_the_village_scope(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    await run_import(app, write_xlsx(tmp_path / "ho.xlsx", EXCEL_ROWS))
    an = (await register(app))["DA-001"]
    path = tmp_path / "thon.xlsx"
    async with app.sessionmaker() as session:
        written = await export_households(session, path, village_ids=frozenset({an.village_id}))
    assert written == 2
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "Thôn",
        "Mã hộ",
        "Chủ hộ",
        "Số nhân khẩu",
        "Số tài khoản DVC",
        "Đã nộp trực tuyến",
        "Đã thanh toán trực tuyến",
        "Số điện thoại",
        "Ghi chú",
    ]
    assert list(rows[1]) == [
        "Thôn Đức An",
        "DA-001",
        "Nguyễn Văn An",
        4,
        2,
        "có",
        "không",
        "0912345678",
        None,
    ]


async def test_a_file_without_the_required_columns_is_refused(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    no_header = write_csv(tmp_path / "a.csv", [["Họ tên", "Ngày sinh"], ["An", "1/1/1970"]])
    with pytest.raises(DomainError) as raised:
        await run_import(app, no_header)
    assert raised.value.key == "household_io.no_header"
    no_members = write_csv(
        tmp_path / "b.csv", [["Thôn", "Mã hộ", "Chủ hộ", "SĐT"], ["Thôn Đức An", "1", "An", ""]]
    )
    with pytest.raises(DomainError) as raised:
        await run_import(app, no_members)
    assert raised.value.key == "household_io.missing_columns"
    assert raised.value.values == {"columns": "Số nhân khẩu"}
    with pytest.raises(DomainError) as raised:
        await run_import(app, write_csv(tmp_path / "c.ods", [["x"]]))
    assert raised.value.key == "household_io.unsupported_file"


def test_header_vocabulary_reads_what_communes_write() -> None:
    words = vocabulary()
    assert words.field_for("Họ và tên chủ hộ") == "head_name"
    assert words.field_for("HO TEN CHU HO") == "head_name"
    assert words.field_for("Số nhân khẩu (người)") == "members"
    assert words.field_for("Số người có tài khoản định danh mức 2") == "members_with_account"
    assert words.field_for("tổ dân phố") == "village"
    assert words.field_for("submitted_online") == "submitted_online"
    assert words.field_for("Ngày sinh") is None
    answers = {"Có": True, "x": True, "✓": True, "đã": True, "": False, "không": False}
    answers |= {"Chưa": False, "-": False, "?": None, "abc": None}
    for answer, expected in answers.items():
        assert words.yes_no(answer) is expected, answer
