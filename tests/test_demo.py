"""The demo commune: loaded once, six villages, a plausible register and some history."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from bot.app import App
from bot.db.models import Assistance, Household, Location, Person, Role, RoleGrant, Village
from bot.services import places
from bot.services.demo import load_demo

NOW = datetime(2025, 7, 15, 8, 30, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def load(app: App) -> bool:
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Phú Thịnh", "Asia/Ho_Chi_Minh")
        return await load_demo(session, commune, now=NOW, tz=TZ)


async def count(app: App, model: type[object]) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_demo_loads_once(app: App) -> None:
    assert await load(app)
    counts = [await count(app, model) for model in (Village, Household, Assistance, Person)]
    assert not await load(app)
    assert [
        await count(app, model) for model in (Village, Household, Assistance, Person)
    ] == counts


async def test_demo_villages_places_and_register(app: App) -> None:
    await load(app)
    async with app.sessionmaker() as session:
        villages = list(await session.scalars(select(Village)))
        shares = dict(
            (
                await session.execute(
                    select(
                        Household.village_id,
                        func.avg(case((Household.members_with_account > 0, 1.0), else_=0.0)),
                    ).group_by(Household.village_id)
                )
            ).all()
        )
        locations = list(await session.scalars(select(Location)))
    assert len(villages) == 6
    assert sum(village.official_households is None for village in villages) == 1
    assert all(village.name.startswith("Thôn ") for village in villages)
    assert 300 <= await count(app, Household) <= 500
    coverage = [float(share) for share in shares.values()]
    assert len(coverage) == 6
    assert min(coverage) < 0.4 and max(coverage) > 0.8
    assert {location.kind for location in locations} == {"commune_desk", "cultural_house"}
    assert len(locations) == 3


async def test_demo_helpers_and_history(app: App) -> None:
    await load(app)
    async with app.sessionmaker() as session:
        grants = (await session.execute(select(RoleGrant.role, RoleGrant.village_id))).all()
        days = set(await session.scalars(select(Assistance.day)))
        helpers = set(await session.scalars(select(Assistance.helper_id)))
        online = await session.scalar(
            select(func.count()).where(Household.submitted_online, Household.paid_online)
        )
    assert any(role == Role.VOLUNTEER and village is not None for role, village in grants)
    assert {Role.OFFICER, Role.OFFICIAL} <= {Role(role) for role, _ in grants}
    assert len(days) >= 15 and max(days) <= NOW.astimezone(TZ).date()
    assert None not in helpers and len(helpers) >= 3
    assert online
