"""/xa: the commune whose desk serves a person, chosen by typing its name (accents optional,
a typo forgiven) or from a commune's own link or poster (`/start xa-<code>`).

With one commune in the installation nobody is asked: its desk serves everyone. With several,
a citizen who has not chosen is asked at first contact and before anything that needs a desk.
"""

from __future__ import annotations

from bot.actions.communes import PickCommune, TypeCommune
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Replies, Reply
from bot.db.models import Commune
from bot.locales import t
from bot.services import communes, people, places


class Naming(FlowData):
    pass


async def served_commune(ctx: Context) -> int:
    """The commune whose desk serves this person; asks them to choose when it is not known."""
    commune_id = await places.commune_of(ctx.session, ctx.person.id)
    if commune_id is None:
        raise DomainError("communes.choose_first")
    return commune_id


async def staff_commune(ctx: Context) -> int:
    """The commune this staff member works for (where they hold their roles)."""
    return await people.staff_commune(ctx.session, ctx.person.id) or await served_commune(ctx)


async def show(ctx: Context) -> Replies:
    """The commune chosen, and the way to change it."""
    ctx.end_flow()
    chosen = ctx.person.commune_id
    current = await ctx.session.get(Commune, chosen) if chosen is not None else None
    if current is None:
        return await choose_commune(ctx)
    change = TypeCommune().button(t("communes.change_button"))
    return Reply(t("communes.current", name=current.name), choices=(change, menu_choice()))


async def type_name(ctx: Context) -> Replies:
    """Ask for the commune's name."""
    return await choose_commune(ctx)


async def choose_commune(ctx: Context) -> Reply:
    """Ask which commune: the next text is its name."""
    started = await CHOOSE.start(ctx, Naming(), "name")
    assert isinstance(started, Reply)
    return started


async def ask_name(ctx: Context, data: Naming) -> Reply:
    return Reply(t("communes.ask"), choices=(menu_choice(),))


async def read_name(ctx: Context, data: Naming, answer: Answer) -> Next:
    """One commune: chosen; a few close ones: buttons; none: asked again."""
    found = await communes.matching(ctx.session, answer.text)
    if not found:
        raise Invalid(t("communes.not_found", name=answer.text[:60]))
    if len(found) > 1:
        buttons = tuple(PickCommune(c.id).button(c.name[:60]) for c in found)
        return Done(Reply(t("communes.several"), choices=(*buttons, menu_choice())))
    return Done(await _chosen(ctx, found[0]))


CHOOSE = Flow(
    "commune",
    Naming,
    {"name": Step(ask_name, read_name)},
    texts=FlowTexts(stale="communes.stale"),
)


async def pick(ctx: Context, pressed: PickCommune) -> Replies:
    """A commune offered for what was typed."""
    commune = await ctx.session.get(Commune, pressed.commune)
    if commune is None:
        return Reply(t("communes.gone"), choices=(TypeCommune().button(t("communes.retype")),))
    return await _chosen(ctx, commune)


async def linked(ctx: Context) -> Replies:
    """/start xa-<code>: a commune's own link or poster."""
    commune = await communes.by_link(ctx.session, ctx.args[0])
    if commune is None:
        return await choose_commune(ctx)
    return await _chosen(ctx, commune)


async def _chosen(ctx: Context, commune: Commune) -> Reply:
    await communes.choose(ctx.session, ctx.person, commune)
    return Reply(t("communes.chosen", name=commune.name), choices=(menu_choice(),))
