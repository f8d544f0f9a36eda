"""Household codes stay unique and never collide when many people save at the same moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.db.models import ChatIdentity, Household, Person, Role, Village
from bot.locales import t
from bot.services import households, people, places
from bot.services.household_io import import_households
from tests.helpers import ChatUser, first_commune, texts

VOLUNTEERS = 50
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Hà", "Khánh", "Lan", "Minh", "Nga", "Phúc")
NOW = datetime(2025, 7, 15, 3, 0, tzinfo=UTC)


async def make_village(app: App, name: str = "Thôn Đông") -> int:
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        return (await places.add_village(session, commune, name)).id


async def volunteer_at_summary(app: App, number: int, village_id: int) -> ChatUser:
    """A volunteer of the village who has answered every question and sees the summary."""
    user = ChatUser(app, user_id=str(5000 + number), name=f"Tình nguyện viên {number}")
    await user.says("/start")
    async with app.db.transaction() as session:
        identity = await session.scalar(
            select(ChatIdentity).where(
                ChatIdentity.channel == user.channel, ChatIdentity.external_id == user.user_id
            )
        )
        assert identity is not None
        person = await session.get(Person, identity.person_id)
        assert person is not None
        await people.grant_role(
            session,
            person,
            Role.VOLUNTEER,
            commune_id=await first_commune(session),
            granted_by_id=None,
            now=NOW,
            village_id=village_id,
        )
    await user.presses(f"hn:{village_id}")
    await user.presses("hc:ok:1")
    await user.says(f"{FAMILY[number % 5]} Văn {GIVEN[number // 5 % 10]}")
    for payload in ("hc:mem:4", "hc:acc:1", "hc:sub:0", "hc:pay:1", "hc:tel:skip"):
        await user.presses(payload)
    summary = await user.presses("hc:note:skip")
    assert "hc:done:save" in [c.payload for reply in summary for c in reply.choices]
    return user


async def codes_in(app: App, village_id: int) -> list[str]:
    async with app.sessionmaker() as session:
        return list(
            await session.scalars(select(Household.code).where(Household.village_id == village_id))
        )


async def test_fifty_volunteers_saving_at_once_all_get_distinct_codes(app: App) -> None:
    village_id = await make_village(app)
    volunteers = await asyncio.gather(
        *(volunteer_at_summary(app, number, village_id) for number in range(VOLUNTEERS))
    )
    saved = await asyncio.gather(*(user.presses("hc:done:save") for user in volunteers))
    codes = await codes_in(app, village_id)
    assert len(codes) == VOLUNTEERS and len(set(codes)) == VOLUNTEERS
    for replies in saved:
        created = [code for code in codes if t("volunteer.created", code=code) in texts(replies)]
        assert len(created) == 1, texts(replies)
    assert sorted(codes) == [f"TD-{number:04d}" for number in range(1, VOLUNTEERS + 1)]


async def test_an_import_waits_for_a_household_being_saved_in_its_village(
    app: App, tmp_path: Path
) -> None:
    village_id = await make_village(app)
    path = tmp_path / "register.csv"
    path.write_text(
        "Thôn,Chủ hộ,Số nhân khẩu\nThôn Đông,Lê Thị Lan,3\nThôn Đông,Phạm Văn Hải,5\n",
        encoding="utf-8",
    )

    async def run_import() -> int:
        async with app.db.transaction() as session:
            report = await import_households(session, path, actor_id=None, now=NOW)
        return report.created

    async with app.db.transaction() as session:
        village = await session.get(Village, village_id)
        assert village is not None
        await households.create(
            session,
            village,
            households.HouseholdData(head_name="Nguyễn Văn Bình", members=4),
            actor_id=None,
            consent=True,
            now=NOW,
        )
        importing = asyncio.create_task(run_import())
        await asyncio.sleep(0.5)  # the import reaches the village while this save is open
    assert await importing == 2
    assert sorted(await codes_in(app, village_id)) == ["TD-0001", "TD-0002", "TD-0003"]
