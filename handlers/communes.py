"""/xa: the commune whose desk serves a person, chosen by typing its name (accents optional,
a typo forgiven) or from a commune's own link or poster (`/start xa-<code>`, or on Zalo its
name typed as a whole message: "Xã Tân Tiến" or "Xã Tân Tiến: <the words the poster asks for>").

With one commune in the installation nobody is asked: its desk serves everyone. With several,
a citizen who has not chosen is asked at first contact and before anything that needs a desk.
"""

from __future__ import annotations

from dataclasses import replace

from bot.actions.communes import PickCommune, TypeCommune
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Replies, Reply
from bot.db.models import Commune
from bot.locales import t
from bot.services import communes, people, places, units
from bot.vntext import fold


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
    commune = await linked_commune(ctx, ctx.args[0])
    if commune is None:
        return await choose_commune(ctx)
    return _chosen_reply(commune)


async def linked_commune(ctx: Context, value: str) -> Commune | None:
    """The commune of a link or poster (its code, or its id here), chosen for this person."""
    commune = await communes.by_link(ctx.session, value)
    if commune is not None:
        await communes.choose(ctx.session, ctx.person, commune)
    return commune


async def typed_commune(ctx: Context) -> Replies | None:
    """A commune's name typed as a whole private message, as its poster says on Zalo (which has
    no start links): "Xã Tân Tiến" chooses it; "Xã Tân Tiến: đánh giá" chooses it and then
    answers the words after the colon as if typed alone. Only with several communes, and only a
    name with its "Xã"/"Phường" naming one of them exactly (accents optional)."""
    if ctx.incoming.group or ctx.state.flow is not None:
        return None
    name, _, rest = (ctx.incoming.text or "").partition(":")
    if units.bare_unit_name(name) == " ".join(fold(name).split()):
        return None  # no "Xã"/"Phường": an ordinary question
    if await communes.count(ctx.session) <= 1:
        return None
    commune = await communes.find(ctx.session, name)
    if commune is None:
        return None
    await communes.choose(ctx.session, ctx.person, commune)
    if not rest.strip():
        return _chosen_reply(commune)
    ctx.incoming = replace(ctx.incoming, text=rest.strip())
    return [Reply(t("communes.chosen_short", name=commune.name)), *_listed(await _typed(ctx))]


async def _typed(ctx: Context) -> Replies:
    """What the words would have answered alone: the other guards, else the guide matcher."""
    for guard in ctx.registry.guards:
        if guard is not typed_commune and (stopped := await guard(ctx)) is not None:
            return stopped
    free_text = ctx.registry.free_text
    if free_text is None:
        return Reply(t("fallback.text"), choices=(menu_choice(),))
    ctx.route_name = free_text.name
    return await free_text.call(ctx, [])


def _listed(replies: Replies) -> list[Reply]:
    return replies if isinstance(replies, list) else [replies]


async def _chosen(ctx: Context, commune: Commune) -> Reply:
    await communes.choose(ctx.session, ctx.person, commune)
    return _chosen_reply(commune)


def _chosen_reply(commune: Commune) -> Reply:
    return Reply(t("communes.chosen", name=commune.name), choices=(menu_choice(),))
