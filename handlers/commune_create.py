"""Province admins add a commune in chat and invite its first admin.

/add_commune, or the button in /province: the commune's name is typed (accents optional, a typo
forgiven, ", <province>" to narrow it down); the official units it may be are offered as
buttons; the one chosen is confirmed, then served as a new commune under its official name,
code and province (bot/services/communes.py). An invite for the commune's admin follows, made
and shown like every invite. Every button is re-checked: the unit must exist and not be served
yet, the commune of an invite must exist.
"""

from __future__ import annotations

from bot.actions.province import (
    AddCommune,
    ConfirmCommune,
    CreateCommune,
    InviteCommuneAdmin,
    ProvinceView,
)
from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import Commune, Role
from bot.locales import t
from bot.services import communes, invites, units
from handlers.admin_roles import invite_replies

ROLES = {Role.PROVINCE_ADMIN}
MAX_OFFERED = 8  # more units than this by one name: the province is asked for


class Naming(FlowData):
    pass


def back_choice() -> Choice:
    return ProvinceView().button(t("province.back"))


def retype_choice() -> Choice:
    return AddCommune().button(t("province.add_retype"))


async def start(ctx: Context) -> Replies:
    """Ask for the name of the commune to add."""
    ctx.end_flow()
    return await NAMING.start(ctx, Naming(), "name")


async def ask_name(ctx: Context, data: Naming) -> Reply:
    return Reply(t("province.add_ask"), choices=(back_choice(), menu_choice()))


async def read_name(ctx: Context, data: Naming, answer: Answer) -> Next:
    """One official unit: asked to confirm; a few: buttons; none or too many: asked again."""
    name, _, province = answer.text.partition(",")
    found = await communes.new_units(ctx.session, name, province.strip() or None)
    if not found:
        raise Invalid(t("province.add_not_found", name=answer.text[:60]))
    if len(found) > MAX_OFFERED:
        raise Invalid(t("province.add_too_many", name=name.strip()[:60], count=len(found)))
    if len(found) == 1:
        return Done(await confirmation(ctx, found[0]))
    buttons = tuple(ConfirmCommune(unit.code).button(unit.label[:60]) for unit in found)
    return Done(
        Reply(t("province.add_several"), choices=(*buttons, retype_choice(), back_choice()))
    )


NAMING = Flow(
    "commune_new",
    Naming,
    {"name": Step(ask_name, read_name)},
    texts=FlowTexts(stale="province.add_stale"),
)


def official_unit(code: int) -> units.Unit:
    """The official unit a button names; a code not on the list is a bad button."""
    unit = units.by_code(code)
    if unit is None:
        raise UserError(t("errors.bad_button"))
    return unit


async def confirm(ctx: Context, pressed: ConfirmCommune) -> Replies:
    """One of the units offered: ask before adding it."""
    return await confirmation(ctx, official_unit(pressed.code))


async def confirmation(ctx: Context, unit: units.Unit) -> Reply:
    """Add this unit? A unit already served says so instead (with a new invite for it)."""
    served = await communes.serving(ctx.session, unit)
    if served is not None:
        return already_served(unit, served.id)
    try:
        await communes.check_new(ctx.session, unit)
    except DomainError as problem:
        return Reply(t(problem.key, **problem.values), choices=(retype_choice(), back_choice()))
    return Reply(
        t("province.add_confirm", unit=unit.label, code=unit.code),
        choices=(
            CreateCommune(unit.code).button(t("province.add_yes")),
            retype_choice(),
            back_choice(),
        ),
        columns=1,
    )


def already_served(unit: units.Unit, commune_id: int) -> Reply:
    return Reply(
        t("communes.already_served", unit=unit.label, code=unit.code),
        choices=(
            InviteCommuneAdmin(commune_id).button(t("province.invite_admin_button")),
            retype_choice(),
            back_choice(),
        ),
        columns=1,
    )


async def create(ctx: Context, pressed: CreateCommune) -> Replies:
    """Serve the unit as a new commune, then offer the invite for its first admin."""
    unit = official_unit(pressed.code)
    served = await communes.serving(ctx.session, unit)
    if served is not None:  # pressed twice, or added meanwhile
        return already_served(unit, served.id)
    commune = await communes.add(
        ctx.session,
        unit,
        timezone=ctx.services.settings.commune.timezone,
        actor_id=ctx.person.id,
    )
    return Reply(
        t("province.add_done", unit=unit.label, code=unit.code),
        choices=(
            InviteCommuneAdmin(commune.id).button(t("province.invite_admin_button")),
            back_choice(),
        ),
        columns=1,
    )


async def invite_admin(ctx: Context, pressed: InviteCommuneAdmin) -> Replies:
    """A single-use invite that makes its holder an admin of this commune."""
    commune = await ctx.session.get(Commune, pressed.commune)
    if commune is None:
        raise UserError(t("errors.bad_button"))
    created, code = await invites.create(
        ctx.session,
        Role.ADMIN,
        commune_id=commune.id,
        village_id=None,
        created_by_id=ctx.person.id,
        now=ctx.now,
    )
    where = t("admin.whole_named_commune", name=commune.name)
    return invite_replies(ctx, created, code, where, back_choice())
