"""The communes an installation serves: listing them, finding one by name, adding one, and
tying each to its official administrative unit (units.py) so reports name the real unit and
its code."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Commune, Person, Village, VillageCounter
from bot.services import audit, units
from bot.vntext import fold


@dataclass(frozen=True)
class CommuneSummary:
    id: int
    name: str
    code: int | None
    province: str | None
    villages: int
    households: int


async def summaries(session: AsyncSession) -> list[CommuneSummary]:
    """Every commune by name, with its official unit, villages and registered households."""
    villages = (
        select(
            Village.commune_id,
            func.count().label("villages"),
            func.coalesce(func.sum(VillageCounter.households), 0).label("households"),
        )
        .outerjoin(VillageCounter, VillageCounter.village_id == Village.id)
        .group_by(Village.commune_id)
        .subquery()
    )
    query = select(
        Commune.id,
        Commune.name,
        Commune.code,
        Commune.province_code,
        func.coalesce(villages.c.villages, 0),
        func.coalesce(villages.c.households, 0),
    ).outerjoin(villages, villages.c.commune_id == Commune.id)
    found = [
        CommuneSummary(
            commune_id,
            name,
            code,
            _province_name(code) if code is not None else None,
            int(village_count),
            int(households),
        )
        for commune_id, name, code, _, village_count, households in await session.execute(query)
    ]
    return sorted(found, key=lambda summary: fold(summary.name))


def _province_name(code: int) -> str | None:
    unit = units.by_code(code)
    return unit.province if unit else None


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Commune)) or 0)


async def find(session: AsyncSession, name: str) -> Commune | None:
    """One of this installation's communes by name: accents, case and "Xã"/"Phường" optional."""
    wanted = units.bare_unit_name(name)
    communes = list(await session.scalars(select(Commune)))
    matches = [c for c in communes if units.bare_unit_name(c.name) == wanted]
    return matches[0] if len(matches) == 1 else None


async def chosen(session: AsyncSession, name: str | None) -> Commune:
    """The commune named; without a name, the installation's only one (with several, one must
    be named)."""
    if name is not None:
        found = await find(session, name)
        if found is None:
            raise DomainError("communes.unknown", name=name[:60])
        return found
    communes = list(await session.scalars(select(Commune).order_by(Commune.id).limit(2)))
    if len(communes) != 1:
        raise DomainError("communes.need_commune")
    return communes[0]


DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
CLOSE_ENOUGH = 80  # rapidfuzz ratio of bare folded names: one or two typos


async def matching(session: AsyncSession, text: str) -> list[Commune]:
    """The installation's communes a citizen means by `text`: the one named exactly (accents,
    case and "Xã"/"Phường" optional), else the closest few within a typo or two."""
    wanted = units.bare_unit_name(text)
    if not wanted:
        return []
    communes = sorted(await session.scalars(select(Commune)), key=lambda c: fold(c.name))
    names = [units.bare_unit_name(c.name) for c in communes]
    return [communes[index] for index in units.closest(wanted, names, CLOSE_ENOUGH)]


# A commune without an official code is linked by its id here, marked so that it is never read
# as another commune's code (official codes start at 1, as ids do).
ID_LINK_PREFIX = "i"


def link_value(commune: Commune) -> str:
    """What a deep link or poster names the commune by: its official code, else its id."""
    return str(commune.code) if commune.code is not None else f"{ID_LINK_PREFIX}{commune.id}"


async def by_link(session: AsyncSession, value: str) -> Commune | None:
    """The commune a deep link or poster names (`link_value`). A bare number that is no
    commune's code is also tried as an id: posters printed before ids were marked said so."""
    marked = value.removeprefix(ID_LINK_PREFIX)
    if not marked.isdigit() or len(marked) > 9:
        return None
    if marked != value:
        return await session.get(Commune, int(marked))
    by_code = await session.scalar(select(Commune).where(Commune.code == int(value)))
    return by_code or await session.get(Commune, int(value))


async def choose(session: AsyncSession, person: Person, commune: Commune) -> None:
    """The commune whose desk serves this person from now on."""
    if person.commune_id == commune.id:
        return
    before, person.commune_id = person.commune_id, commune.id
    await session.flush()
    await audit.record(
        session,
        actor_id=person.id,
        action="choose_commune",
        entity="person",
        entity_id=person.id,
        before={"commune_id": before},
        after={"commune_id": commune.id},
    )


async def acted_on(session: AsyncSession, name: str | None) -> Commune | None:
    """The commune a command acts on: the one named (required when there are several); None
    when the installation has one commune and none was named: everything is that commune's."""
    if name is None and await count(session) <= 1:
        return None
    return await chosen(session, name)


async def village_ids(session: AsyncSession, commune_id: int) -> frozenset[int]:
    """The commune's villages: the scope of its whole-commune reports."""
    found = await session.scalars(select(Village.id).where(Village.commune_id == commune_id))
    return frozenset(found)


async def set_unit(
    session: AsyncSession, commune: Commune, unit: units.Unit, *, actor_id: int | None = None
) -> Commune:
    """Tie a commune to its official unit: the official name, code and province."""
    taken = await session.scalar(
        select(Commune.id).where(Commune.code == unit.code, Commune.id != commune.id)
    )
    if taken is not None:
        raise DomainError("communes.unit_taken", unit=unit.label)
    before = {"name": commune.name, "code": commune.code}
    commune.name, commune.code, commune.province_code = unit.name, unit.code, unit.province_code
    await session.flush()
    await audit.record(
        session,
        actor_id=actor_id,
        action="set_unit",
        entity="commune",
        entity_id=commune.id,
        before=before,
        after={"name": unit.name, "code": unit.code},
    )
    return commune


async def add(
    session: AsyncSession,
    unit: units.Unit,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    actor_id: int | None = None,
) -> Commune:
    """A new commune for an official unit, under its official name, code and province. The
    communes already served keep all they hold; with two or more, commands name the one meant.

    A unit already served, or a commune already called by the same name (with or without
    "Xã"/"Phường", which `find` would then no longer tell apart), is refused."""
    await check_new(session, unit)
    commune = Commune(
        name=unit.name, code=unit.code, province_code=unit.province_code, timezone=timezone
    )
    session.add(commune)
    await session.flush()
    await audit.record(
        session,
        actor_id=actor_id,
        action="create",
        entity="commune",
        entity_id=commune.id,
        after={"name": unit.name, "code": unit.code, "province_code": unit.province_code},
    )
    return commune


async def serving(session: AsyncSession, unit: units.Unit) -> Commune | None:
    """The commune served here for this official unit, if any."""
    return await session.scalar(select(Commune).where(Commune.code == unit.code))


async def check_new(session: AsyncSession, unit: units.Unit) -> None:
    """Refuse a unit already served, or one named like a commune served here."""
    if await serving(session, unit) is not None:
        raise DomainError("communes.already_served", unit=unit.label, code=unit.code)
    wanted = units.bare_unit_name(unit.name)
    for existing in await session.scalars(select(Commune)):
        if units.bare_unit_name(existing.name) == wanted:
            raise DomainError("communes.same_name", name=existing.name, unit=unit.label)


async def new_units(
    session: AsyncSession, name: str, province: str | None = None
) -> list[units.Unit]:
    """The official units someone adding a commune means by `name` (accents optional, a typo
    forgiven; in `province` when given): those in the provinces already served, when any of
    them matches, else all."""
    found = units.find(name, province)
    provinces = set(
        await session.scalars(
            select(Commune.province_code).where(Commune.province_code.is_not(None))
        )
    )
    nearby = [unit for unit in found if unit.province_code in provinces]
    return nearby or found
