"""`dvcbot import assistance`: the desk's own sheet into the log, bad rows listed, idempotent."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App
from bot.db.models import Assistance, AuditEntry, Person, Role, RoleGrant
from bot.services.reports import daily
from tests.helpers import first_commune
from tests.test_household_io import write_csv, write_xlsx
from tests.test_reports import Commune, add_assistance, build_commune
from tests.test_reports_cli import dvcbot

TUAN_PHONE = "0912345678"
HEADER: list[object] = [
    "STT",
    "Ngay ho tro",  # no accents
    "THÔN",
    "Mã hộ",
    "Họ tên chủ hộ",
    "Người hỗ trợ",
    "Tạo TK",
    "Nộp trực tuyến",
    "Số hóa giấy tờ",
    "TTTT",
    "Thủ tục",
    "Có phí",
    "Ghi chú",
    "Ký nhận",  # unknown: left aside with a warning
]


def row(
    number: int, day: object, village: str, code: str, head: str, helper: str, *ticks: object
) -> list[object]:
    cells = [*ticks, *([""] * (7 - len(ticks)))]
    return [number, day, village, code, head, helper, *cells, ""]


SHEET: list[list[object]] = [
    ["SỔ THEO DÕI HỖ TRỢ CỦA TỔ CÔNG NGHỆ SỐ"],
    HEADER,
    row(1, datetime(2026, 6, 15), "Thôn An", "AN-001", "", "Nguyễn Thị Hoa", "x"),  # 3
    # 4: the household by its head's name without accents, the helper by phone; a dossier
    row(
        2,
        "16/06/2026",
        "an",
        "",
        "chu ho an 2",
        "0912 345 678",
        "",
        "x",
        "x",
        "x",
        "Đăng ký khai sinh",
        "có",
    ),
    row(3, "2026-06-17", "Thôn Cát", "CA-002", "", "Hoa"),  # 5: nothing done
    row(4, "31/02/2026", "Thôn Cát", "CA-002", "", "Hoa", "x"),  # 6: no such day
    row(5, "17/06/2026", "Thôn Xa", "XA-1", "", "Hoa", "x"),  # 7: unknown village
    row(6, "17/06/2026", "Thôn Cát", "CA-009", "", "Hoa", "x"),  # 8: unknown code
    row(7, "17/06/2026", "Thôn Cát", "CA-001", "", "Lê Văn Không", "x"),  # 9: unknown helper
    # 10: village and code written loosely; the procedure by its title without accents
    row(
        8,
        "17/06/2026",
        "Thon Duong",
        "du-001",
        "",
        "Trần Minh Tuấn",
        "",
        "",
        "",
        "",
        "dang ky khai tu",
        "không",
    ),
    row(9, "01/01/2099", "Thôn Cát", "CA-001", "", "Hoa", "x"),  # 11: in the future
    row(10, datetime(2026, 6, 15), "Thôn An", "AN-001", "", "Nguyễn Thị Hoa", "x"),  # 12: again
    [],  # 13: blank, not a row error
    row(11, "18/06/2026", "Thôn Cát", "CA-001", "", "Hoa", "có"),  # 14
    row(12, "18/06/2026", "Thôn An", "", "", "Hoa", "x"),  # 15: no household
    row(13, "18/06/2026", "Thôn An", "AN-003", "", "Hoa", "chắc vậy"),  # 16: not yes/no
    row(14, "18/06/2026", "Thôn An", "AN-004", "", "Hoa", "x"),  # 17: logged in chat already
]
ERRORS = [
    "Dòng 5: Không có việc nào được đánh dấu và không ghi thủ tục.",
    "Dòng 6: Ngày «31/02/2026» không đúng; ghi theo mẫu 15/06/2026 hoặc 2026-06-15.",
    "Dòng 7: Không có «Thôn Xa» trong danh sách thôn, tổ dân phố.",
    "Dòng 8: Không có hộ mã «CA-009» ở thôn này.",
    "Dòng 9: Không tìm thấy người hỗ trợ «Lê Văn Không» trong danh sách tình nguyện viên, cán bộ.",
    "Dòng 11: Ngày 01/01/2099 chưa tới.",
    "Dòng 15: Thiếu mã hộ hoặc tên chủ hộ.",
    "Dòng 16: Cột «Tạo tài khoản»: «chắc vậy» không hiểu là có hay không (ghi «có», «không», «x»"
    " hoặc để trống).",
]


async def build(app: App) -> Commune:
    data = await build_commune(app)
    async with app.db.transaction() as session:
        tuan = await session.get(Person, data.tuan)
        assert tuan is not None
        tuan.phone = TUAN_PHONE
        commune_id = await first_commune(session)
        session.add_all(
            [
                RoleGrant(person_id=data.hoa, role=Role.VOLUNTEER, commune_id=commune_id),
                RoleGrant(person_id=data.tuan, role=Role.OFFICER, commune_id=commune_id),
            ]
        )
    await add_assistance(
        app, data.households["An"][3], date(2026, 6, 18), data.hoa, account_created=True
    )
    return data


async def count(app: App, action: str | None = None) -> int:
    async with app.sessionmaker() as session:
        if action is None:
            query = select(func.count()).select_from(Assistance)
        else:
            query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        return int(await session.scalar(query) or 0)


def lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines()]


async def test_bad_rows_listed_good_rows_imported_and_reimport_changes_nothing(
    app: App, tmp_path: Path
) -> None:
    data = await build(app)
    path = write_xlsx(tmp_path / "so-ho-tro.xlsx", SHEET)
    dry = await dvcbot(app, "import", "assistance", str(path), "--dry-run")
    assert dry.exit_code == 3, dry.output
    assert lines(dry.stdout)[0] == (
        "Chạy thử, chưa ghi gì vào dữ liệu: Nhập sổ hỗ trợ: 4 lần hỗ trợ mới, 2 lần đã có,"
        " 8 dòng bị bỏ qua."
    )
    assert await count(app) == 1
    done = await dvcbot(app, "import", "assistance", str(path))
    assert done.exit_code == 3, done.output
    output = lines(done.stdout)
    assert output[0] == "Nhập sổ hỗ trợ: 4 lần hỗ trợ mới, 2 lần đã có, 8 dòng bị bỏ qua."
    assert output[1:3] == ["Cảnh báo (1):", "Dòng 2: Bỏ qua các cột không nhận ra: «Ký nhận»."]
    assert output[3] == "Dòng bị bỏ qua (8):"
    assert output[-8:] == ERRORS
    assert await count(app) == 5 and await count(app, "assist_import") == 4
    async with app.sessionmaker() as session:
        imported = [
            (a.day, a.household_id, a.helper_id, a.logged_late, a.procedure, a.fee_required)
            for a in await session.scalars(
                select(Assistance).where(Assistance.logged_late).order_by(Assistance.day)
            )
        ]
        june16 = await daily.daily_tally(session, None, date(2026, 6, 16))
    an, cat, duong = data.households["An"], data.households["Cát"], data.households["Dương"]
    assert imported == [
        (date(2026, 6, 15), an[0], data.hoa, True, None, None),
        (date(2026, 6, 16), an[1], data.tuan, True, "birth-registration", True),
        (date(2026, 6, 17), duong[0], data.tuan, True, "death-registration", False),
        (date(2026, 6, 18), cat[0], data.hoa, True, None, None),
    ]
    assert june16.today.households == 1
    assert (june16.today.work.submitted_online, june16.today.work.papers_digitised) == (1, 1)
    assert june16.today.work.paid_online == 1
    again = await dvcbot(app, "import", "assistance", str(path))
    assert again.exit_code == 3
    assert lines(again.stdout)[0] == (
        "Nhập sổ hỗ trợ: 0 lần hỗ trợ mới, 6 lần đã có, 8 dòng bị bỏ qua."
    )
    assert await count(app) == 5 and await count(app, "assist_import") == 4
    kpi = await dvcbot(app, "report", "kpi", "--month", "2026-06")
    assert "📁 Hồ sơ đã hỗ trợ trong tháng: 2" in kpi.stdout


async def test_exit_statuses_all_good_and_nothing_good(app: App, tmp_path: Path) -> None:
    await build(app)
    good = write_csv(tmp_path / "tot.csv", [HEADER, SHEET[2], SHEET[3]], delimiter=";")
    done = await dvcbot(app, "import", "assistance", str(good))
    assert done.exit_code == 0, done.output
    assert lines(done.stdout)[0].startswith("Nhập sổ hỗ trợ: 2 lần hỗ trợ mới, 0 lần đã có")
    bad = write_csv(tmp_path / "hong.csv", [HEADER, SHEET[4], SHEET[5]])
    refused = await dvcbot(app, "import", "assistance", str(bad))
    assert refused.exit_code == 1
    assert lines(refused.stdout)[0] == (
        "Nhập sổ hỗ trợ: 0 lần hỗ trợ mới, 0 lần đã có, 2 dòng bị bỏ qua."
    )
    no_header = write_csv(tmp_path / "la.csv", [["a", "b"], ["1", "2"]])
    unreadable = await dvcbot(app, "import", "assistance", str(no_header))
    assert unreadable.exit_code == 1
    assert "Dòng tiêu đề cần có ít nhất các cột Ngày, Thôn và Người hỗ trợ" in unreadable.stderr
    assert await count(app) == 3
