"""Roles in chat: invites (admin), the staff list with revoke (admin), joining (everyone).

/invite: role -> village or whole commune -> a single-use, expiring code shown with the
"/start join-<code>" message to forward. /people: staff with roles, villages and masked phones;
revoking asks first and takes effect at the person's next message (roles load per update);
the last admin cannot be revoked. /join CODE, the "join" deep link and the code typed alone
(channels without start links, such as Zalo) redeem a code.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.actions.admin import (
    ConfirmRevoke,
    InviteRole,
    InviteVillage,
    ListPeople,
    Revoke,
)
from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.messages import Choice, Replies, Reply
from bot.core.pages import page_of
from bot.core.state import active_roles
from bot.db.models import Commune, Invite, Person, Role, RoleGrant, Village
from bot.locales import t
from bot.services import communes, invites, people
from bot.services.privacy import mask_phone
from handlers.admin import (
    INVITABLE,
    admin_choice,
    commune_of,
    commune_villages,
    own_village,
    parse_role,
    role_name,
)
from handlers.start import main_menu

PEOPLE_PAGE = 8
WHOLE_COMMUNE = 0

# --------------------------------------------------------------------------------- invites


async def invite(ctx: Context) -> Replies:
    """Choose the role of a new invite."""
    ctx.end_flow()
    choices = [InviteRole(role).button(role_name(role)) for role in INVITABLE]
    return Reply(t("admin.invite_role"), choices=(*choices, admin_choice()), columns=2)


async def invite_role(ctx: Context, pressed: InviteRole) -> Replies:
    """The role is chosen: ask for the village (an admin invite is for the whole commune)."""
    role = parse_role(pressed.role)
    if role is Role.ADMIN:
        return await create_invite(ctx, role, None)
    rows = await commune_villages(ctx)
    choices = [InviteVillage(role, WHOLE_COMMUNE).button(t("admin.whole_commune"))]
    choices += [InviteVillage(role, village.id).button(village.name) for village in rows]
    return Reply(
        t("admin.invite_village", role=role_name(role)),
        choices=(*choices, admin_choice()),
        columns=2,
    )


async def invite_village(ctx: Context, pressed: InviteVillage) -> Replies:
    """Create the invite for a role in one village, or the whole commune."""
    role = parse_role(pressed.role)
    village_id = WHOLE_COMMUNE if role is Role.ADMIN else pressed.village
    village = await own_village(ctx, village_id) if village_id else None
    if village_id and village is None:
        raise UserError(t("errors.bad_button"))
    return await create_invite(ctx, role, village)


async def create_invite(ctx: Context, role: Role, village: Village | None) -> Replies:
    """A new code, and the message to forward to the person invited."""
    created, code = await invites.create(
        ctx.session,
        role,
        commune_id=(await commune_of(ctx)).id,
        village_id=village.id if village else None,
        created_by_id=ctx.person.id,
        now=ctx.now,
    )
    where = village.name if village else t("admin.whole_commune")
    return invite_replies(ctx, created, code, where, admin_choice())


def invite_replies(ctx: Context, invite: Invite, code: str, where: str, back: Choice) -> Replies:
    """An invite's code and expiry, then the message to forward to the person invited (a start
    link where the channel has one, else the code to type)."""
    expires = invite.expires_at.astimezone(ctx.services.settings.commune.tz)
    link = ctx.channel.start_link
    text = t(
        "admin.invite_created" if link else "admin.invite_created_typed",
        role=role_name(invite.role),
        where=where,
        code=code,
        expires=expires.strftime("%H:%M %d/%m/%Y"),
    )
    forward = f"{link}join-{code}" if link else f"/start join-{code}"
    return [Reply(text), Reply(forward, choices=(back,))]


# ---------------------------------------------------------------------------------- people


async def staff(ctx: Context) -> list[tuple[Person, dict[Role, list[int | None]]]]:
    """Everyone holding a staff role now, with each role's villages (None: whole commune)."""
    rows = (
        await ctx.session.execute(
            select(Person, RoleGrant.role, RoleGrant.village_id)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(
                RoleGrant.revoked_at.is_(None),
                RoleGrant.commune_id == (await commune_of(ctx)).id,
                RoleGrant.role != Role.CITIZEN.value,
            )
            .order_by(Person.display_name, Person.id, RoleGrant.role)
        )
    ).all()
    grouped: dict[int, tuple[Person, dict[Role, list[int | None]]]] = {}
    for person, role, village_id in rows:
        held = grouped.setdefault(person.id, (person, {}))[1]
        held.setdefault(Role(role), []).append(village_id)
    return list(grouped.values())


async def people_list(ctx: Context) -> Replies:
    """/people [page]: staff with their roles, villages and masked phones."""
    ctx.end_flow()
    return await people_reply(ctx, ctx.int_arg(0) if ctx.args else 0)


async def people_page(ctx: Context, pressed: ListPeople) -> Replies:
    """A page of the staff list."""
    ctx.end_flow()
    return await people_reply(ctx, pressed.page or 0)


async def people_reply(ctx: Context, page: int) -> Reply:
    """One page of staff, with a revoke button per role held."""
    everyone = await staff(ctx)
    names = {village.id: village.name for village in await commune_villages(ctx)}
    shown = page_of(everyone, page, PEOPLE_PAGE)
    lines = [t("admin.people_title", count=len(everyone))]
    choices: list[Choice] = []
    for person, roles in shown.items:
        name = person.display_name or t("admin.no_name")
        held = "; ".join(
            f"{role_name(role)} ({where(villages, names)})" for role, villages in roles.items()
        )
        phone = mask_phone(person.phone) if person.phone else t("admin.no_phone")
        lines.append(t("admin.person_line", name=name, phone=phone, roles=held))
        choices += [
            ConfirmRevoke(person.id, role).button(
                t("admin.revoke_button", name=name[:24], role=role_name(role))
            )
            for role in roles
        ]
    choices += shown.buttons(ListPeople)
    return Reply("\n".join(lines), choices=(*choices, admin_choice()))


def where(villages: list[int | None], names: dict[int, str]) -> str:
    if any(village_id is None for village_id in villages):
        return t("admin.whole_commune")
    return ", ".join(names.get(village_id, "?") for village_id in villages if village_id)


async def holder(ctx: Context, person_id: int, role: Role) -> Person:
    """The person named by a revoke button; the role must be one they hold now."""
    person = await ctx.session.get(Person, person_id)
    parse_role(role)
    if person is None:
        raise UserError(t("errors.bad_button"))
    if role not in await people.roles_in(ctx.session, person.id, (await commune_of(ctx)).id):
        raise UserError(t("admin.not_held"))
    return person


def named(person: Person) -> str:
    """Who a revoke is about: the display name, else the masked phone, else the number."""
    if person.display_name:
        return person.display_name
    if person.phone:
        return mask_phone(person.phone)
    return t("admin.person_number", number=person.id)


async def confirm_revoke(ctx: Context, pressed: ConfirmRevoke) -> Replies:
    """Ask before revoking."""
    person = await holder(ctx, pressed.person, pressed.role)
    return Reply(
        t("admin.revoke_question", name=named(person), role=role_name(pressed.role)),
        choices=(
            Revoke(person.id, pressed.role).button(t("admin.revoke_yes")),
            ListPeople().button(t("admin.revoke_no")),
        ),
        columns=2,
    )


async def revoke(ctx: Context, pressed: Revoke) -> Replies:
    """Revoke the role; the last admin cannot be removed."""
    role = pressed.role
    person = await holder(ctx, pressed.person, role)
    if role is Role.ADMIN:
        admins = await ctx.session.scalar(
            select(func.count(func.distinct(RoleGrant.person_id))).where(
                RoleGrant.role == Role.ADMIN.value,
                RoleGrant.commune_id == (await commune_of(ctx)).id,
                RoleGrant.revoked_at.is_(None),
            )
        )
        if (admins or 0) <= 1:
            raise UserError(t("admin.last_admin"))
    await people.revoke_role(
        ctx.session,
        person.id,
        role,
        commune_id=(await commune_of(ctx)).id,
        revoked_by_id=ctx.person.id,
        now=ctx.now,
    )
    done = Reply(t("admin.revoked", name=named(person), role=role_name(role)))
    return [done, await people_reply(ctx, 0)]


# ------------------------------------------------------------------------------------ join


async def join(ctx: Context) -> Replies:
    """/join CODE or /start join-CODE: redeem an invite and reply per outcome."""
    ctx.end_flow()
    if not ctx.args:
        return Reply(t("join.how"), choices=(menu_choice(),))
    code = invites.normalize("".join(ctx.args))[:64]
    result = await invites.redeem(ctx.session, ctx.identity, ctx.person, code, ctx.now)
    if result.outcome is not invites.JoinOutcome.JOINED or result.grant is None:
        return Reply(t(f"join.{result.outcome.value}"), choices=(menu_choice(),))
    ctx.roles = await active_roles(ctx.session, ctx.person.id)
    text = t(
        "join.welcome",
        name=ctx.person.display_name or t("start.anonymous"),
        role=role_name(result.grant.role),
        where=await granted_where(ctx, result.grant),
    )
    return await main_menu(ctx, text)


async def granted_where(ctx: Context, grant: RoleGrant) -> str:
    """Where a new role is held: its village, else the whole commune (named when the
    installation serves several), else the whole province."""
    if grant.village_id is not None:
        village = await ctx.session.get(Village, grant.village_id)
        if village is not None:
            return village.name
    if grant.commune_id is None:
        return t("admin.whole_province")
    commune = await ctx.session.get(Commune, grant.commune_id)
    if commune is None or await communes.count(ctx.session) <= 1:
        return t("admin.whole_commune")
    return t("admin.whole_named_commune", name=commune.name)


async def typed_invite(ctx: Context) -> Replies | None:
    """A private message that is an invite code and nothing else joins, like /join CODE."""
    if ctx.incoming.group or ctx.state.flow is not None:
        return None  # a flow's answer is the flow's, whatever it looks like
    code = invites.typed_code(ctx.incoming.text or "")
    if code is None:
        return None
    ctx.route_name = "typed:join"
    ctx.args = [code]
    return await join(ctx)
