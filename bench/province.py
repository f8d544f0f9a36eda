"""The province's report and one commune's coverage, next to a bare GROUP BY on the same data.

Generates communes × villages × households and a year of assistance (working days) with the
loader of bench/reports.py, into a fresh migrated database, then times (median of --repeat):
the province report (bot/services/reports/province.py) next to a bare
`SELECT commune_id, count(*) … GROUP BY commune_id` over the households, and one commune's
village coverage next to a bare GROUP BY village over that commune's households.

Run:
  uv run python bench/province.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
  uv run python bench/province.py --communes 10 --villages-per 10 --households-per 50 --sqlite
Default size: 100 communes × 100 villages × 100 households (1,000,000), 5,000,000 visits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reports import (
    TODAY,
    Size,
    Timing,
    prepare,
    run_postgres,
    run_sqlite,
    timed,
    working_days,
)
from bot.config import ReportsSettings
from bot.db.engine import Database
from bot.services import communes
from bot.services.reports import coverage
from bot.services.reports.province import ProvinceReport, province_report

BARE_PROVINCE = (
    "SELECT v.commune_id, count(*) FROM households h JOIN villages v ON v.id = h.village_id"
    " GROUP BY v.commune_id"
)
BARE_COMMUNE = (
    "SELECT h.village_id, count(*) FROM households h JOIN villages v ON v.id = h.village_id"
    " WHERE v.commune_id = :commune GROUP BY h.village_id"
)
PAIRS = (
    ("province report (all communes)", "bare GROUP BY commune on households"),
    ("one commune's coverage (its villages)", "bare GROUP BY village, one commune's households"),
)


async def measure(url: str, size: Size, repeat: int) -> list[Timing]:
    database = Database(url)
    targets = ReportsSettings()
    commune_id = max(1, size.communes // 2)
    try:
        await prepare(database)
        async with database.sessionmaker() as session:
            scope = await communes.village_ids(session, commune_id)

        async def bare_province(session: Any) -> int:
            return len((await session.execute(text(BARE_PROVINCE))).all())

        async def bare_commune(session: Any) -> int:
            rows = await session.execute(text(BARE_COMMUNE), {"commune": commune_id})
            return len(rows.all())

        async def province(session: Any) -> ProvinceReport:
            return await province_report(session, TODAY, targets=targets)

        async def one_commune(session: Any) -> coverage.CoverageReport:
            return await coverage.coverage(
                session, scope, TODAY, target_pct=targets.coverage_target, record=False
            )

        return [
            await timed(database, PAIRS[0][1], bare_province, repeat, lambda n: f"{n:,} groups"),
            await timed(database, PAIRS[0][0], province, repeat,
                        lambda r: f"{len(r.communes):,} communes, {r.total.helped_month:,} "
                                  f"households helped this month"),
            await timed(database, PAIRS[1][1], bare_commune, repeat,
                        lambda n: f"{n:,} groups"),
            await timed(database, PAIRS[1][0], one_commune, repeat,
                        lambda r: f"{len(r.villages):,} villages, {r.total.households:,} hh"),
        ]  # fmt: skip
    finally:
        await database.dispose()


def show(backend: str, generation: float, timings: list[Timing]) -> None:
    print(f"\n{backend}: data generated and loaded in {generation:.1f} s")
    width = max(len(t.label) for t in timings)
    for timing in timings:
        print(
            f"  {timing.label:<{width}}  {timing.median * 1000:7.1f} ms median"
            f"  {timing.first * 1000:7.1f} ms first  {timing.note}"
        )
    by_label = {timing.label: timing.median * 1000 for timing in timings}
    for ours, bare in PAIRS:
        ratio = by_label[ours] / by_label[bare] if by_label[bare] else float("inf")
        print(f"  {ours}: {by_label[ours]:.1f} ms against {bare} {by_label[bare]:.1f} ms"
              f" ({ratio:.1f}×)")  # fmt: skip


async def main_async(args: argparse.Namespace) -> None:
    villages = args.communes * args.villages_per
    size = Size(
        households=villages * args.households_per,
        villages=villages,
        assistance=args.assistance,
        helpers=args.helpers,
        days=args.days,
        communes=args.communes,
    )
    days = working_days(TODAY, size.days)
    print(
        f"{size.communes:,} communes × {args.villages_per} villages × {args.households_per}"
        f" households = {size.households:,}; {size.assistance:,} visits over {len(days)}"
        f" working days; {os.cpu_count()} CPUs"
    )
    bench = (measure, show)
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            await run_sqlite(size, days, args.repeat, Path(folder) / "bench.db", bench)
    if args.postgres:
        await run_postgres(args.postgres, size, days, args.repeat, bench)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--villages-per", type=int, default=100)
    parser.add_argument("--households-per", type=int, default=100)
    parser.add_argument("--assistance", type=int, default=5_000_000)
    parser.add_argument("--helpers", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=365, help="calendar days of history")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query")
    parser.add_argument("--postgres", help="PostgreSQL server URL (a bench database is made)")
    parser.add_argument("--sqlite", action="store_true", help="also on a SQLite file")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
