"""The commune, its villages and help-desk locations."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Commune, Location, LocationKind, Person, Village
from bot.services import audit, people
from bot.vntext import fold

VILLAGE_WORDS_FILE = Path(__file__).resolve().parent.parent / "content" / "import_headers.toml"


async def get_commune(session: AsyncSession) -> Commune | None:
    """The commune this installation serves (the first one)."""
    return await session.scalar(select(Commune).order_by(Commune.id).limit(1))


async def commune_of(session: AsyncSession, person_id: int) -> int | None:
    """The commune whose desk serves a person: the one they chose (`/xa`; set at first contact
    when the installation has one commune), else the one they hold a role in, else the
    installation's only commune; None when there are several and they have not chosen."""
    person = await session.get(Person, person_id)
    if person is not None and person.commune_id is not None:
        return person.commune_id
    held = await people.staff_commune(session, person_id)
    if held is not None:
        return held
    communes = list(await session.scalars(select(Commune.id).limit(2)))
    return communes[0] if len(communes) == 1 else None


async def ensure_commune(session: AsyncSession, name: str, timezone: str) -> Commune:
    commune = await get_commune(session)
    if commune is None:
        commune = Commune(name=name, timezone=timezone)
        session.add(commune)
        await session.flush()
    return commune


async def has_villages(session: AsyncSession, commune: Commune) -> bool:
    found = await session.scalar(
        select(Village.id).where(Village.commune_id == commune.id).limit(1)
    )
    return found is not None


async def list_villages(
    session: AsyncSession, ids: set[int] | None = None, *, commune_id: int | None = None
) -> list[Village]:
    """Villages by name; only those in `ids`, and of one commune, when given."""
    query = select(Village).order_by(Village.folded_name)
    if ids is not None:
        query = query.where(Village.id.in_(ids))
    if commune_id is not None:
        query = query.where(Village.commune_id == commune_id)
    return list(await session.scalars(query))


@cache
def village_prefixes() -> tuple[str, ...]:
    """Words a village name may be written with or without ("Thôn", "Tổ dân phố"...), folded."""
    with VILLAGE_WORDS_FILE.open("rb") as handle:
        words = tomllib.load(handle)["village_prefixes"]["words"]
    return tuple(sorted((fold(word) + " " for word in words), key=len, reverse=True))


def bare_village_name(name: str) -> str:
    """'Thôn Đức An' -> 'duc an'."""
    folded = fold(name)
    for prefix in village_prefixes():
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


async def find_village(
    session: AsyncSession, name: str, commune_id: int | None = None
) -> Village | None:
    """A village by name, with or without accents and with or without 'Thôn' and the like;
    only among a commune's villages when given (two communes may both have a "Thôn 1")."""
    query = select(Village)
    if commune_id is not None:
        query = query.where(Village.commune_id == commune_id)
    exact = list(await session.scalars(query.where(Village.folded_name == fold(name))))
    if len(exact) == 1:
        return exact[0]
    wanted = bare_village_name(name)
    matches = [v for v in await session.scalars(query) if bare_village_name(v.name) == wanted]
    return matches[0] if len(matches) == 1 else None


async def add_village(
    session: AsyncSession,
    commune: Commune,
    name: str,
    *,
    official_households: int | None = None,
    actor_id: int | None = None,
) -> Village:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise DomainError("places.bad_name")
    if official_households is not None and not 0 <= official_households <= 100_000:
        raise DomainError("places.bad_count")
    existing = await find_village(session, name, commune.id)
    if existing is not None:
        # Named as stored, "Thôn Đức An" even when "duc an" was typed.
        raise DomainError("places.village_exists", name=existing.name)
    village = Village(
        commune_id=commune.id,
        name=name,
        folded_name=fold(name),
        official_households=official_households,
    )
    session.add(village)
    await session.flush()
    await audit.record(
        session,
        actor_id=actor_id,
        action="create",
        entity="village",
        entity_id=village.id,
        after={"name": name, "official_households": official_households},
    )
    return village


async def set_official_households(
    session: AsyncSession, village: Village, count: int | None, *, actor_id: int | None
) -> None:
    if count is not None and not 0 <= count <= 100_000:
        raise DomainError("places.bad_count")
    before = village.official_households
    village.official_households = count
    await audit.record(
        session,
        actor_id=actor_id,
        action="update",
        entity="village",
        entity_id=village.id,
        before={"official_households": before},
        after={"official_households": count},
    )
    await session.flush()


async def add_location(
    session: AsyncSession,
    commune: Commune,
    name: str,
    *,
    kind: LocationKind = LocationKind.COMMUNE_DESK,
    village: Village | None = None,
    address: str | None = None,
    actor_id: int | None = None,
) -> Location:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise DomainError("places.bad_name")
    exists = await session.scalar(
        select(Location).where(Location.commune_id == commune.id, Location.name == name)
    )
    if exists is not None:
        raise DomainError("places.location_exists", name=name)
    location = Location(
        commune_id=commune.id,
        name=name,
        kind=kind,
        village_id=village.id if village else None,
        address=address,
    )
    session.add(location)
    await session.flush()
    await audit.record(
        session,
        actor_id=actor_id,
        action="create",
        entity="location",
        entity_id=location.id,
        after={"name": name, "kind": kind.value},
    )
    return location


async def list_locations(
    session: AsyncSession, *, commune_id: int | None = None
) -> list[Location]:
    """Help-desk places by name; only one commune's when given."""
    query = select(Location).order_by(Location.name)
    if commune_id is not None:
        query = query.where(Location.commune_id == commune_id)
    return list(await session.scalars(query))
