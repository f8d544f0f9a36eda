"""Household import speed: a 100,000-household CSV into a fresh database, then again.

The second run imports the same file, so every row should come back unchanged.
Run: uv run python bench/import_households.py [--households 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.services import places
from bot.services.household_io import ImportReport, import_households
from bot.vntext import fold

HEADER = [
    "STT",
    "Thôn",
    "Mã hộ",
    "Họ tên chủ hộ",
    "Số nhân khẩu",
    "Số tài khoản DVC",
    "Đã nộp trực tuyến",
    "Đã thanh toán trực tuyến",
    "Số điện thoại",
    "Ghi chú",
]
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Quang", "Thu", "Hữu")
GIVEN = ("An", "Bình", "Cường", "Dung", "Hải", "Hoa", "Hùng", "Lan", "Mai", "Nam", "Sơn", "Yến")
VILLAGE_WORDS = ("Đức", "Phú", "Tân", "Hòa", "Đông", "Trung", "An", "Lộc", "Xuân", "Sơn")


def village_names(count: int) -> list[str]:
    """Distinct, plausible village names."""
    names = [f"Thôn {a} {b}" for a in VILLAGE_WORDS for b in VILLAGE_WORDS if a != b]
    return names[:count]


def write_csv(path: Path, households: int, villages: list[str]) -> None:
    """A register as a commune would export it from Excel: BOM, title line, `;`."""
    rng = random.Random(1)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["DANH SÁCH HỘ GIA ĐÌNH"])
        writer.writerow(HEADER)
        for number in range(1, households + 1):
            village = villages[number % len(villages)]
            members = rng.randint(1, 7)
            accounts = rng.randint(0, members)
            writer.writerow(
                [
                    number,
                    village,
                    f"H{number:06d}",
                    f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                    members,
                    accounts,
                    "x" if accounts and rng.random() < 0.4 else "",
                    "x" if accounts and rng.random() < 0.2 else "",
                    f"09{rng.randrange(10**8):08d}" if rng.random() < 0.5 else "",
                    "",
                ]
            )


async def prepare(database: Database, villages: list[str]) -> None:
    """Migrate and add the commune and its villages."""
    await upgrade(database.engine)
    async with database.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Thử Nghiệm", "Asia/Ho_Chi_Minh")
        existing = {fold(village.name) for village in await places.list_villages(session)}
        for name in villages:
            if fold(name) not in existing:
                await places.add_village(session, commune, name)


async def timed_import(database: Database, path: Path) -> tuple[float, ImportReport]:
    """One import in one transaction, commit included in the time."""
    started = time.perf_counter()
    async with database.transaction() as session:
        report = await import_households(session, path, actor_id=None, now=datetime.now(UTC))
    return time.perf_counter() - started, report


def show(label: str, seconds: float, report: ImportReport, rows: int) -> None:
    print(f"{label}: {seconds:6.2f} s  {rows / seconds:9,.0f} rows/s  — {report.summary()}")


async def run(households: int, village_count: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "households.csv"
        villages = village_names(village_count)
        started = time.perf_counter()
        write_csv(path, households, villages)
        size = path.stat().st_size / 1_000_000
        print(f"CSV: {households:,} households, {len(villages)} villages, {size:.1f} MB, "
              f"written in {time.perf_counter() - started:.2f} s")  # fmt: skip
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        database = Database(url)
        try:
            await prepare(database, villages)
            print(f"database: {database.engine.dialect.name}")
            seconds, report = await timed_import(database, path)
            show("first import ", seconds, report, households)
            seconds, report = await timed_import(database, path)
            show("second import", seconds, report, households)
        finally:
            await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--villages", type=int, default=50)
    parser.add_argument(
        "--database-url", help="an empty, migratable database (default: a fresh SQLite file)"
    )
    args = parser.parse_args()
    asyncio.run(run(args.households, args.villages, args.database_url))


if __name__ == "__main__":
    main()
