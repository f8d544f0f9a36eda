"""`dvcbot import households` as an administrator runs it: what it prints and how it exits."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.db.models import Village
from tests.test_household_io import (
    EXCEL_ROWS,
    NOW,
    add_villages,
    register,
    write_csv,
    write_xlsx,
)
from tests.test_households_flow import add_household


async def dvcbot(app: App, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, in its own process, on the test's database."""
    env = {
        **os.environ,
        "DVCBOT_DATABASE__URL": app.settings.database.url,
        "DVCBOT_BOT__DEMO_DATA": "false",
    }
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


PARTLY_BAD: list[list[object]] = [
    ["Thôn", "Mã hộ", "Chủ hộ", "Số nhân khẩu", "Ngày sinh"],
    ["Thôn Đức An", "DA-1", "Nguyễn Văn An", "4", "1/1/1970"],
    ["Thôn Đức An", "DA-2", "Trần Thị Bình", "abc", ""],
    ["Thôn Không Có", "X-1", "Phạm Văn Dũng", "3", ""],
]


async def test_rows_print_as_people_read_them_and_a_partial_import_exits_3(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    path = write_csv(tmp_path / "ho.csv", PARTLY_BAD)
    for dry_run in (("--dry-run",), ()):
        done = await dvcbot(app, tmp_path, "import", "households", str(path), *dry_run)
        assert done.returncode == 3, done.stdout + done.stderr
        assert "RowError" not in done.stdout
        assert "Dòng 1: Bỏ qua các cột không nhận ra: «Ngày sinh»." in done.stdout
        assert "Dòng 3: Cột «Số nhân khẩu»: «abc» không phải là số." in done.stdout
        assert "Dòng 4: Không có «Thôn Không Có» trong danh sách thôn" in done.stdout
    assert set(await register(app)) == {"DA-1"}


async def test_nothing_imported_exits_1_and_a_clean_import_exits_0(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    bad = write_csv(tmp_path / "loi.csv", [PARTLY_BAD[0], *PARTLY_BAD[2:]])
    failed = await dvcbot(app, tmp_path, "import", "households", str(bad))
    assert failed.returncode == 1 and "Dòng 2: " in failed.stdout
    assert await register(app) == {}
    good = write_csv(tmp_path / "tot.csv", PARTLY_BAD[:2])
    assert (await dvcbot(app, tmp_path, "import", "households", str(good))).returncode == 0


async def test_help_explains_the_exit_statuses(app: App, tmp_path: Path) -> None:
    shown = await dvcbot(app, tmp_path, "import", "households", "--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "3 some rows imported, others skipped" in text
    assert "1 nothing imported" in text and "2 bad usage" in text
    assert "--prefer-file" in text


async def test_dry_run_and_import_list_each_change(app: App, tmp_path: Path) -> None:
    await add_villages(app)
    first = write_xlsx(tmp_path / "v1.xlsx", EXCEL_ROWS)
    assert (await dvcbot(app, tmp_path, "import", "households", str(first))).returncode == 0
    rows = [list(row) for row in EXCEL_ROWS]
    rows[4][5] = 3  # DA-002: three accounts
    rows[6][3] = "Phạm Thị Dung Anh"  # household 17: the head's full name
    second = write_xlsx(tmp_path / "v2.xlsx", rows)
    lines = (
        "DA-002 – Trần Thị Bình (Thôn Đức An): Số tài khoản DVC: 0 → 3",
        "17 – Phạm Thị Dung (Thôn Phú Lộc): Chủ hộ: Phạm Thị Dung → Phạm Thị Dung Anh",
    )
    dry = await dvcbot(app, tmp_path, "import", "households", str(second), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "cập nhật 2 hộ" in dry.stdout
    for line in lines:
        assert line in dry.stdout
    assert (await register(app))["DA-002"].members_with_account == 0
    real = await dvcbot(app, tmp_path, "import", "households", str(second))
    for line in lines:
        assert line in real.stdout
    assert (await register(app))["DA-002"].members_with_account == 3


async def test_values_changed_in_chat_are_kept_and_reported_unless_the_file_is_preferred(
    app: App, tmp_path: Path
) -> None:
    await add_villages(app)
    async with app.sessionmaker() as session:
        village = await session.scalar(select(Village.id).where(Village.name == "Thôn Đức An"))
    assert village is not None
    await add_household(
        app, village, "Trần Thị Bình", members=3, accounts=2, code="DA-002", now=NOW
    )
    path = write_xlsx(tmp_path / "v1.xlsx", EXCEL_ROWS)
    kept = await dvcbot(app, tmp_path, "import", "households", str(path))
    assert kept.returncode == 0, kept.stderr
    assert "giữ 2 giá trị đã sửa trong chat" in kept.stdout
    assert "--prefer-file" in kept.stdout
    assert "DA-002 – Trần Thị Bình (Thôn Đức An): Số tài khoản DVC: " in kept.stdout
    assert "trong chat là 2, trong tệp là 0" in kept.stdout
    assert "Ghi chú: trong chat là (trống), trong tệp là Neo đơn" in kept.stdout
    assert (await register(app))["DA-002"].members_with_account == 2
    taken = await dvcbot(app, tmp_path, "import", "households", str(path), "--prefer-file")
    assert taken.returncode == 0, taken.stderr
    assert "Số tài khoản DVC: 2 → 0" in taken.stdout
    binh = (await register(app))["DA-002"]
    assert (binh.members_with_account, binh.note) == (0, "Neo đơn")
