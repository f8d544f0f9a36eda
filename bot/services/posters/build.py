"""The poster PDFs from the database (places and hours) and the bot's links."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.catalog import Guide
from bot.core.errors import DomainError
from bot.db.models import Commune
from bot.locales import t
from bot.services import communes
from bot.services.posters import card, guide_page
from bot.services.posters.desk import DeskPlace, desk_places
from bot.services.posters.links import BotLinks, ask_codes, guide_codes, survey_codes
from bot.services.posters.sheet import PAPERS, Sheet


class PosterSize(StrEnum):
    A4 = "A4"
    A3 = "A3"
    A1 = "A1"
    A0 = "A0"


async def guide_posters(
    session: AsyncSession,
    guides: Sequence[Guide],
    size: PosterSize,
    *,
    commune: str,
    links: BotLinks,
    commune_id: int | None = None,
) -> bytes:
    """One PDF, one page per guide, on paper `size`, with the desks of the commune (`commune_id`;
    None: the installation's one)."""
    desks = await desk_places(session, commune_id)
    links = await commune_links(session, links, commune_id)
    # Laying out takes a fraction of a second a page: not on the event loop.
    return await asyncio.to_thread(_draw_guides, guides, size, commune, desks, links)


async def commune_links(
    session: AsyncSession, links: BotLinks, commune_id: int | None
) -> BotLinks:
    """With several communes, codes that also choose the commune `commune_id` (by its official
    code, else its id here); with one, exactly the plain codes."""
    if commune_id is None or await communes.count(session) <= 1:
        return links
    commune = await session.get(Commune, commune_id)
    if commune is None:
        return links
    return links.for_commune(communes.link_value(commune), commune.name)


def _draw_guides(
    guides: Sequence[Guide],
    size: PosterSize,
    commune: str,
    desks: Sequence[DeskPlace],
    links: BotLinks,
) -> bytes:
    title = guides[0].title if len(guides) == 1 else t("posters.all_title")
    sheet = Sheet(PAPERS[size.value], guide_page.DESIGN_WIDTH, title)
    for guide in guides:
        guide_page.draw_guide_page(sheet, guide, commune, desks, guide_codes(links, guide))
    return sheet.output()


async def desk_card(
    session: AsyncSession, *, commune: str, links: BotLinks, commune_id: int | None = None
) -> bytes:
    """The A5 desk card of a commune's desks; refused without any channel to point at."""
    if links.empty:
        raise DomainError("posters.no_channels")
    desks = await desk_places(session, commune_id)
    links = await commune_links(session, links, commune_id)
    return await asyncio.to_thread(_draw_card, commune, desks, links)


def _draw_card(commune: str, desks: Sequence[DeskPlace], links: BotLinks) -> bytes:
    sheet = Sheet(PAPERS["A5"], card.DESIGN_WIDTH, t("posters.card_title"))
    card.draw_desk_card(sheet, commune, desks, ask_codes(links), survey_codes(links))
    return sheet.output()
