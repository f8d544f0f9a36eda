"""The village each row names, found with or without accents and prefix words like "Thôn"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Village
from bot.services import places
from bot.services.household_io.rows import ParsedRow
from bot.vntext import fold


@dataclass
class VillageEntry:
    """A village a row may name: an existing one (with id) or one the import would add."""

    name: str
    folded: str
    id: int | None = None
    first_row: int = 0


class VillageResolver:
    """Finds villages by name with or without accents and with or without "Thôn"."""

    def __init__(self, villages: Iterable[VillageEntry]) -> None:
        self.by_folded = {village.folded: village for village in villages}
        bare: dict[str, list[VillageEntry]] = {}
        for village in self.by_folded.values():
            bare.setdefault(places.bare_village_name(village.folded), []).append(village)
        # Without the prefix, a name counts only when exactly one village fits it.
        self.by_bare = {name: found[0] for name, found in bare.items() if len(found) == 1}
        # A register names a few villages thousands of times: remember each spelling.
        self.by_written: dict[str, VillageEntry] = {}

    def find(self, name: str) -> VillageEntry | None:
        """The village a name means, or None when none (or more than one) fits."""
        if name in self.by_written:
            return self.by_written[name]
        folded = fold(name)
        found = self.by_folded.get(folded) or self.by_bare.get(places.bare_village_name(folded))
        if found is not None:
            self.by_written[name] = found
        return found

    def add(self, name: str, row: int) -> VillageEntry:
        """A village the import will create; later rows naming it find it."""
        village = VillageEntry(name=name, folded=fold(name), first_row=row)
        self.by_folded[village.folded] = village
        return village


async def load_villages(
    session: AsyncSession, commune_id: int | None = None
) -> list[VillageEntry]:
    """The stored villages (one commune's when given), as entries the resolver can match."""
    query = select(Village.id, Village.name, Village.folded_name)
    if commune_id is not None:
        query = query.where(Village.commune_id == commune_id)
    rows = await session.execute(query)
    return [VillageEntry(name=name, folded=folded, id=id_) for id_, name, folded in rows]


def resolve_village(
    resolver: VillageResolver, row: ParsedRow, create_villages: bool
) -> VillageEntry:
    """The village a row names; a new one only when allowed and the name is valid."""
    village = resolver.find(row.village)
    if village is not None:
        return village
    if not create_villages:
        raise DomainError("household_io.unknown_village", name=row.village)
    if not fold(row.village) or len(row.village) > 120:
        raise DomainError("places.bad_name")
    return resolver.add(row.village, row.number)
