"""Whose report it is: a scope that is exactly one commune's villages (an official's in an
installation with several communes) is that commune, named by its own name; with one commune a
whole-commune scope is None and the configured `[commune] name` labels it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Commune, Village
from bot.services.reports.figures import Scope
from bot.services.reports.text import area_label


async def whole_commune(session: AsyncSession, scope: Scope) -> Commune | None:
    """The commune whose villages are exactly the scope, if any."""
    if not scope:
        return None
    found = set(
        await session.scalars(
            select(Village.commune_id).where(Village.id.in_(scope)).distinct().limit(2)
        )
    )
    if len(found) != 1:
        return None
    commune_id = found.pop()
    villages = await session.scalars(select(Village.id).where(Village.commune_id == commune_id))
    return await session.get(Commune, commune_id) if frozenset(villages) == scope else None


async def area_name(
    session: AsyncSession, scope: Scope, names: Sequence[str], configured: str
) -> str:
    """A report's heading: the commune's own name for one whole commune, the configured name
    for everything (one commune), else the villages' names (or how many)."""
    commune = await whole_commune(session, scope)
    if commune is not None:
        return commune.name
    return area_label(configured, scope, names)
