"""/poster: admins get the guides' wall posters and the desk card as PDFs in chat.

The Telegram code needs the bot's username: `[telegram] bot_username`, else the start link of
this chat when it is on Telegram (the channel asked Telegram at start). On another channel
without that setting, a poster has no Telegram code and the caption says which codes it has.
"""

from __future__ import annotations

from bot.actions.posters import ChoosePaper, DeskCard, GuidePoster, PosterMenu
from bot.content.catalog import Guide
from bot.core.context import Context, UserError
from bot.core.messages import Choice, Document, Replies, Reply
from bot.db.models import Role
from bot.locales import t
from bot.services.posters.build import PosterSize, desk_card, guide_posters
from bot.services.posters.links import TELEGRAM, ZALO, BotLinks
from handlers.admin import admin_choice, commune_of

ADMIN = {Role.ADMIN}
CHANNEL_NAMES = {TELEGRAM: "Telegram", ZALO: "Zalo"}


async def menu(ctx: Context) -> Replies:
    """The desk card and every guide, to pick one."""
    ctx.end_flow()
    guides = ctx.services.catalog.guides.values()
    return Reply(
        t("posters.menu"),
        choices=(
            DeskCard().button(t("posters.desk_card_button")),
            *(ChoosePaper(guide.id).button(guide.title) for guide in guides),
            admin_choice(),
        ),
        columns=2,
    )


async def choose_paper(ctx: Context, pressed: ChoosePaper) -> Replies:
    """The paper sizes for one guide."""
    guide = guide_of(ctx, pressed.guide)
    sizes = tuple(
        GuidePoster(guide.id, size.value).button(t(f"posters.size_{size.value.lower()}"))
        for size in PosterSize
    )
    return Reply(
        t("posters.choose_size", title=guide.title),
        choices=(*sizes, back_choice(), admin_choice()),
        columns=2,
    )


async def guide_poster(ctx: Context, pressed: GuidePoster) -> Replies:
    """The guide's poster on the chosen paper."""
    guide = guide_of(ctx, pressed.guide)
    try:
        size = PosterSize(pressed.size)
    except ValueError:
        raise UserError(t("errors.bad_button")) from None
    links = links_of(ctx)
    commune = await commune_of(ctx)
    content = await guide_posters(
        ctx.session, [guide], size, commune=commune.name, links=links, commune_id=commune.id
    )
    caption = t("posters.guide_caption", title=guide.title, size=size.value, codes=codes(links))
    return Reply(
        caption,
        document=Document(f"ap-phich-{guide.id}-{size.value}.pdf", content),
        choices=(back_choice(), admin_choice()),
    )


async def card(ctx: Context) -> Replies:
    """The A5 desk card."""
    links = links_of(ctx)
    commune = await commune_of(ctx)
    content = await desk_card(
        ctx.session, commune=commune.name, links=links, commune_id=commune.id
    )
    return Reply(
        t("posters.card_caption", codes=codes(links)),
        document=Document("the-de-ban-A5.pdf", content),
        choices=(back_choice(), admin_choice()),
    )


def guide_of(ctx: Context, guide_id: str) -> Guide:
    guide = ctx.services.catalog.get(guide_id)
    if guide is None:
        raise UserError(t("errors.bad_button"))
    return guide


def links_of(ctx: Context) -> BotLinks:
    return BotLinks.from_settings(ctx.services.settings, ctx.channel.start_link)


def codes(links: BotLinks) -> str:
    """Which channels the codes open, or what to configure when there are none."""
    channels = []
    if links.telegram_username is not None:
        channels.append(CHANNEL_NAMES[TELEGRAM])
    if links.zalo_chat_link is not None:
        channels.append(CHANNEL_NAMES[ZALO])
    if not channels:
        return t("posters.no_codes")
    return t("posters.codes_on", channels=t("posters.and").join(channels))


def back_choice() -> Choice:
    return PosterMenu().button(t("posters.back"))
