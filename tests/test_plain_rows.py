"""Report rows read straight from the driver carry the same values as SQLAlchemy's rows, and
columns SQLAlchemy converts (a day on SQLite is text in the file) still come back converted."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal, select

from bot.app import App
from bot.db.models import CoverageSnapshot, Village
from bot.db.rows import plain_rows
from bot.services import places
from bot.services.reports import coverage
from bot.services.reports.figures import Figures
from bot.services.reports.snapshots import record_snapshot

DAY = date(2026, 11, 13)


async def villages(app: App) -> list[int]:
    """Three villages, one with a name in Vietnamese and emoji, each with a snapshot row."""
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Thử", "Asia/Ho_Chi_Minh")
        ids = []
        for name in ("Thôn Đông", "Thôn Tây 🌾", "Xóm Mới"):
            village = await places.add_village(session, commune, name)
            ids.append(village.id)
        await record_snapshot(session, DAY, {vid: Figures(n, n, 0, 0, 0) for n, vid in
                                             enumerate(ids, 1)})  # fmt: skip
    return ids


async def test_integer_and_text_columns_read_as_fetched_equal_sqlalchemys_rows(app: App) -> None:
    ids = await villages(app)
    async with app.sessionmaker() as session:
        query = (
            select(Village.id, Village.name, CoverageSnapshot.households, literal(None))
            .join(CoverageSnapshot, CoverageSnapshot.village_id == Village.id)
            .where(CoverageSnapshot.day == DAY, Village.id.in_(ids[1:]))
            .order_by(*coverage.by_name(session))
        )
        fetched = await plain_rows(session, query)
        converted = (await session.execute(query)).all()
    assert [tuple(row) for row in fetched] == [tuple(row) for row in converted]
    assert [tuple(row) for row in fetched] == [
        (ids[1], "Thôn Tây 🌾", 2, None),
        (ids[2], "Xóm Mới", 3, None),
    ]


async def test_a_day_column_comes_back_as_a_date(app: App) -> None:
    await villages(app)
    query = select(CoverageSnapshot.day, func.count()).group_by(CoverageSnapshot.day)
    async with app.sessionmaker() as session:
        assert [tuple(row) for row in await plain_rows(session, query)] == [(DAY, 3)]
