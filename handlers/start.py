"""/start (with deep links), /menu, /help and /cancel."""

from __future__ import annotations

from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.messages import Replies, Reply
from bot.core.registry import refusal_for
from bot.db.models import Commune
from bot.locales import t
from bot.services import communes
from bot.services.guides import progress as guide_progress
from bot.services.posters.links import SURVEY_PAYLOAD
from handlers.communes import choose_commune, linked_commune

GREETED = "greeting"  # the introduction and consent notice, shown once per person
WHOLE_WORD_LINKS = frozenset({SURVEY_PAYLOAD})
COMMUNE_LINK = "xa"  # xa-<code>, or xa-<code>-<link>: a commune's poster (posters/links.py)


async def main_menu(ctx: Context, text: str | None = None) -> Reply:
    """The main menu for this person's roles, with their personal shortcuts first (someone met
    just now has none: nothing is looked up); in a group, only what is public."""
    registry = ctx.registry
    if ctx.incoming.group:
        menu = registry.menu_for(ctx.roles, group=True)
        return Reply(text or t("groups.menu_intro"), choices=menu, columns=1)
    hooks = [] if ctx.newcomer else registry.menu_hooks
    personal = [choice for hook in hooks for choice in await hook(ctx)]
    choices = (*personal, *registry.menu_for(ctx.roles))
    return Reply(text or t("start.menu_prompt"), choices=choices, columns=1)


async def start(ctx: Context) -> Replies:
    """Greet (the introduction and the consent notice only the first time) and show the menu;
    follow a deep link when there is one."""
    if ctx.args:
        return await follow_deep_link(ctx, ctx.args[0])
    if ctx.incoming.group:
        return await main_menu(ctx)
    ctx.end_flow()
    name = ctx.person.display_name or t("start.anonymous")
    if not await guide_progress.first_time(ctx.session, ctx.person.id, GREETED, ctx.now):
        return await main_menu(ctx, t("start.welcome_back", name=name))
    chosen = ctx.person.commune_id
    commune = await ctx.session.get(Commune, chosen) if chosen is not None else None
    if commune is None and await communes.count(ctx.session) > 1:  # first, which commune
        intro = Reply(f"{t('start.greeting_province', name=name)}\n\n{t('start.consent')}")
        return [intro, await choose_commune(ctx)]
    where = commune.name if commune else ctx.services.settings.commune.name
    greeting = t("start.greeting", name=name, commune=where)
    return await main_menu(ctx, f"{greeting}\n\n{t('start.consent')}\n\n{t('start.menu_prompt')}")


async def follow_deep_link(ctx: Context, link: str) -> Replies:
    """/start <prefix>-<value>: the part after the first dash goes to the handler; a link
    that is only a word (the desk card's "survey") needs no value."""
    prefix, _, value = link.partition("-")
    if prefix == COMMUNE_LINK and "-" in value:
        return await _commune_then(ctx, value)
    route = ctx.registry.deep_links.get(prefix)
    if route is None or not (value or prefix in WHOLE_WORD_LINKS):
        return await main_menu(ctx, t("start.unknown_deep_link"))
    refusal = refusal_for(route, ctx)
    if refusal is not None:
        return await main_menu(ctx, refusal)
    if not ctx.incoming.group:
        ctx.end_flow()
    try:
        return await route.call(ctx, [value])
    except UserError:
        return await main_menu(ctx, t("start.unknown_deep_link"))


async def _commune_then(ctx: Context, value: str) -> Replies:
    """<code>-<link>: a commune's poster in a province's installation chooses the commune (not
    from a group chat), then opens what the code opens (a guide, the survey)."""
    code, _, link = value.partition("-")
    chosen = None if ctx.incoming.group else await linked_commune(ctx, code)
    followed = await follow_deep_link(ctx, link)
    if chosen is None:
        return followed
    note = Reply(t("communes.chosen_short", name=chosen.name))
    return [note, *(followed if isinstance(followed, list) else [followed])]


async def menu(ctx: Context) -> Replies:
    """Show the main menu."""
    if not ctx.incoming.group:
        ctx.end_flow()
    return await main_menu(ctx)


async def help_command(ctx: Context) -> Replies:
    """Explain what the bot can do."""
    text = t("help.text") + (t("help.staff") if ctx.is_staff else "")
    return Reply(text, choices=(menu_choice(),))


async def cancel(ctx: Context) -> Replies:
    """Leave whatever flow the person is in; a guide read halfway is only paused (the menu
    offers to continue it)."""
    if ctx.incoming.group:
        return await main_menu(ctx)
    was_busy = ctx.state.flow is not None
    ctx.end_flow()
    if was_busy:
        return await main_menu(ctx, t("cancel.done"))
    return await main_menu(ctx, await _paused_guide(ctx) or t("cancel.nothing"))


async def _paused_guide(ctx: Context) -> str | None:
    """ "The guide is paused at step n" for the guide the menu offers to continue, if any."""
    progress = await guide_progress.unfinished(ctx.session, ctx.person.id)
    guide = ctx.services.catalog.get(progress.guide_id) if progress else None
    if progress is None or guide is None or progress.step > len(guide.steps):
        return None
    return t("cancel.guide_paused", title=guide.title, number=progress.step)
