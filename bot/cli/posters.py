"""`dvcbot poster GUIDE|all|desk-card --out FILE.pdf [--size A4|A3|A1|A0]`: print-ready posters.

`all` writes one PDF with one page per guide, in the catalog's order: one file to send to the
print shop, which can still print single pages. The QR codes point at the bot on each
configured channel: Telegram by `[telegram] bot_username`, else the username Telegram gives for
the token (getMe); Zalo by `[zalo] chat_link`. Without either, the posters have no codes (and
the command says so); the desk card, which is nothing but codes, is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import App
from bot.cli.common import CommuneOption, run_admin_command
from bot.cli.serve import bot_for
from bot.config import Settings, StartupError
from bot.content.catalog import Catalog, Guide
from bot.core.errors import DomainError
from bot.locales import t
from bot.services import communes
from bot.services.posters.build import PosterSize, desk_card, guide_posters
from bot.services.posters.links import BotLinks

ALL = "all"
DESK_CARD = "desk-card"


def poster(
    ctx: typer.Context,
    what: Annotated[
        str, typer.Argument(help="A guide id (see `dvcbot ask`), 'all', or 'desk-card'.")
    ],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="FILE.pdf to write.")],
    size: Annotated[
        PosterSize | None,
        typer.Option(case_sensitive=False, help="Paper: A4 (default), A3, A1 or A0."),
    ] = None,
    commune_name: CommuneOption = None,
) -> None:
    """A wall poster of a guide's steps (or of every guide), or the A5 desk card, as a PDF."""

    async def work(app: App) -> None:
        if out.suffix.lower() != ".pdf":
            raise DomainError("posters.need_pdf")
        if what == DESK_CARD and size is not None:
            raise DomainError("posters.card_is_a5")
        guides = [] if what == DESK_CARD else chosen(app.services.catalog, what)
        links = await bot_links(app.settings)
        async with app.db.transaction() as session:
            found = await communes.acted_on(session, commune_name)
            commune = found.name if found else app.settings.commune.name
            commune_id = found.id if found else None
            if what == DESK_CARD:
                content = await desk_card(
                    session, commune=commune, links=links, commune_id=commune_id
                )
            else:
                paper = size or PosterSize.A4
                content = await guide_posters(
                    session, guides, paper, commune=commune, links=links, commune_id=commune_id
                )
        out.write_bytes(content)
        typer.echo(f"Đã ghi {out} ({describe(guides, size)}).")
        if links.empty:
            typer.echo(f"dvcbot: {t('posters.no_codes')}", err=True)

    run_admin_command(ctx, work)


def chosen(catalog: Catalog, what: str) -> list[Guide]:
    """Every guide for 'all', else the one named; an unknown id lists the known ones."""
    if what == ALL:
        return list(catalog.guides.values())
    guide = catalog.get(what)
    if guide is None:
        raise DomainError("posters.unknown_guide", name=what, ids=", ".join(catalog.guides))
    return [guide]


def describe(guides: list[Guide], size: PosterSize | None) -> str:
    if not guides:
        return "thẻ để bàn, khổ A5"
    paper = (size or PosterSize.A4).value
    if len(guides) == 1:
        return f"áp phích «{guides[0].title}», khổ {paper}"
    return f"{len(guides)} áp phích, mỗi trang một hướng dẫn, khổ {paper}"


async def bot_links(settings: Settings) -> BotLinks:
    """The configured links; the Telegram username asked of Telegram when only a token is set."""
    # Deferred: the messenger clients are loaded by the commands that talk to them.
    from telegram.error import TelegramError

    from bot.channels.telegram_errors import start_problem

    links = BotLinks.from_settings(settings)
    if links.telegram_username is not None or settings.telegram.token is None:
        return links
    try:
        async with bot_for(settings) as bot:
            username = bot.username
    except TelegramError as error:
        raise StartupError(start_problem(error, settings.telegram)) from None
    return BotLinks(username, links.zalo_chat_link)
