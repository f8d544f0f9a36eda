"""Roles in chat: invites (admin), the staff list with revoke (admin), joining (everyone).

/invite: role -> village or whole commune -> a single-use, expiring code shown with the
"/start join-<code>" message to forward. /people: staff with roles, villages and masked phones;
revoking asks first and takes effect at the person's next message (roles load per update);
the last admin cannot be revoked. /join CODE and the "join" deep link redeem a code.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.db.models import Person, Role, RoleGrant, Village
from bot.locales import t
from bot.services import invites, people, places
from bot.services.privacy import mask_phone
from handlers.admin import ADMIN, INVITABLE, admin_choice, parse_role, role_name
from handlers.start import main_menu

PEOPLE_PAGE = 8

# --------------------------------------------------------------------------------- invites


async def invite(ctx: Context) -> Replies:
    """Choose the role, then the village (or the whole commune); show the code and link."""
    ctx.end_flow()
    if not ctx.args or ctx.args[0] not in ("r", "v"):
        choices = [Choice(role_name(role), f"ai:r:{role.value}") for role in INVITABLE]
        return Reply(t("admin.invite_role"), choices=(*choices, admin_choice()), columns=2)
    role = parse_role(ctx.args[1] if len(ctx.args) > 1 else "")
    if ctx.args[0] == "r" and role is not Role.ADMIN:
        rows = await places.list_villages(ctx.session)
        choices = [Choice(t("admin.whole_commune"), f"ai:v:{role.value}:0")]
        choices += [Choice(v.name, f"ai:v:{role.value}:{v.id}") for v in rows]
        return Reply(
            t("admin.invite_village", role=role_name(role)),
            choices=(*choices, admin_choice()),
            columns=2,
        )
    village_id = ctx.int_arg(2) if ctx.args[0] == "v" and role is not Role.ADMIN else 0
    village = await ctx.session.get(Village, village_id) if village_id else None
    if village_id and village is None:
        raise UserError(t("errors.bad_button"))
    created, code = await invites.create(
        ctx.session,
        role,
        village_id=village.id if village else None,
        created_by_id=ctx.person.id,
        now=ctx.now,
    )
    expires = created.expires_at.astimezone(ctx.services.settings.commune.tz)
    text = t(
        "admin.invite_created",
        role=role_name(role),
        where=village.name if village else t("admin.whole_commune"),
        code=code,
        expires=expires.strftime("%H:%M %d/%m/%Y"),
    )
    link_base = ctx.services.start_links.get(ctx.incoming.channel)
    forward = f"{link_base}join-{code}" if link_base else f"/start join-{code}"
    return [Reply(text), Reply(forward, choices=(admin_choice(),))]


# ---------------------------------------------------------------------------------- people


async def staff(ctx: Context) -> list[tuple[Person, dict[str, list[int | None]]]]:
    """Everyone holding a staff role now, with each role's villages (None: whole commune)."""
    rows = (
        await ctx.session.execute(
            select(Person, RoleGrant.role, RoleGrant.village_id)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.revoked_at.is_(None), RoleGrant.role != Role.CITIZEN.value)
            .order_by(Person.display_name, Person.id, RoleGrant.role)
        )
    ).all()
    grouped: dict[int, tuple[Person, dict[str, list[int | None]]]] = {}
    for person, role, village_id in rows:
        grouped.setdefault(person.id, (person, {}))[1].setdefault(role, []).append(village_id)
    return list(grouped.values())


async def people_list(ctx: Context) -> Replies:
    """Staff with their roles, villages and masked phones; a revoke button per role."""
    ctx.end_flow()
    page = ctx.int_arg(0) if ctx.args else 0
    everyone = await staff(ctx)
    names = {village.id: village.name for village in await places.list_villages(ctx.session)}
    shown = everyone[page * PEOPLE_PAGE : (page + 1) * PEOPLE_PAGE]
    lines = [t("admin.people_title", count=len(everyone))]
    choices: list[Choice] = []
    for person, roles in shown:
        name = person.display_name or t("admin.no_name")
        held = "; ".join(
            f"{role_name(role)} ({where(villages, names)})" for role, villages in roles.items()
        )
        phone = mask_phone(person.phone) if person.phone else t("admin.no_phone")
        lines.append(t("admin.person_line", name=name, phone=phone, roles=held))
        choices += [
            Choice(
                t("admin.revoke_button", name=name[:24], role=role_name(role)),
                f"apr:{person.id}:{role}",
            )
            for role in roles
        ]
    if page > 0:
        choices.append(Choice(t("admin.previous"), f"ap:{page - 1}"))
    if len(everyone) > (page + 1) * PEOPLE_PAGE:
        choices.append(Choice(t("admin.more"), f"ap:{page + 1}"))
    return Reply("\n".join(lines), choices=(*choices, admin_choice()))


def where(villages: list[int | None], names: dict[int, str]) -> str:
    if any(village_id is None for village_id in villages):
        return t("admin.whole_commune")
    return ", ".join(names.get(village_id, "?") for village_id in villages if village_id)


async def holder(ctx: Context) -> tuple[Person, Role]:
    """The person and role named by a revoke button; it must be a role they hold now."""
    person = await ctx.session.get(Person, ctx.int_arg(0))
    role = parse_role(ctx.args[1] if len(ctx.args) > 1 else "")
    if person is None:
        raise UserError(t("errors.bad_button"))
    if role not in await people.active_roles(ctx.session, person.id):
        raise UserError(t("admin.not_held"))
    return person, role


async def confirm_revoke(ctx: Context) -> Replies:
    """Ask before revoking."""
    person, role = await holder(ctx)
    return Reply(
        t("admin.revoke_question", name=person.display_name, role=role_name(role)),
        choices=(
            Choice(t("admin.revoke_yes"), f"apy:{person.id}:{role.value}"),
            Choice(t("admin.revoke_no"), "ap"),
        ),
        columns=2,
    )


async def revoke(ctx: Context) -> Replies:
    """Revoke the role; the last admin cannot be removed."""
    person, role = await holder(ctx)
    if role is Role.ADMIN:
        admins = await ctx.session.scalar(
            select(func.count(func.distinct(RoleGrant.person_id))).where(
                RoleGrant.role == Role.ADMIN.value, RoleGrant.revoked_at.is_(None)
            )
        )
        if (admins or 0) <= 1:
            raise UserError(t("admin.last_admin"))
    await people.revoke_role(
        ctx.session, person.id, role, revoked_by_id=ctx.person.id, now=ctx.now
    )
    ctx.args = []
    listing = await people_list(ctx)
    done = Reply(t("admin.revoked", name=person.display_name, role=role_name(role)))
    return [done, *(listing if isinstance(listing, list) else [listing])]


# ------------------------------------------------------------------------------------ join


async def join(ctx: Context) -> Replies:
    """/join CODE or /start join-CODE: redeem an invite and reply per outcome."""
    ctx.end_flow()
    if not ctx.args:
        return Reply(t("join.how"), choices=(menu_choice(),))
    code = ctx.args[0][:64]
    result = await invites.redeem(ctx.session, ctx.identity, ctx.person, code, ctx.now)
    if result.outcome is not invites.JoinOutcome.JOINED or result.grant is None:
        return Reply(t(f"join.{result.outcome.value}"), choices=(menu_choice(),))
    ctx.roles = await people.active_roles(ctx.session, ctx.person.id)
    village_id = result.grant.village_id
    village = await ctx.session.get(Village, village_id) if village_id else None
    text = t(
        "join.welcome",
        name=ctx.person.display_name or t("start.anonymous"),
        role=role_name(result.grant.role),
        where=village.name if village else t("admin.whole_commune"),
    )
    return await main_menu(ctx, text)


def register(registry: Registry) -> None:
    registry.command("join", join)
    registry.deep_link("join", join)
    registry.command("invite", invite, roles=ADMIN)
    registry.command("people", people_list, roles=ADMIN)
    registry.choice("ai", invite, roles=ADMIN)
    registry.choice("ap", people_list, roles=ADMIN)
    registry.choice("apr", confirm_revoke, roles=ADMIN)
    registry.choice("apy", revoke, roles=ADMIN)
