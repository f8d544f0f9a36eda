"""Admin in chat: villages, locations, invites, staff and revoking roles; joining by invite.

Admin-only routes ("adm", "av", "al", "ai", "ap", "apr", "apy", "af" and /villages,
/locations, /invite, /people) are guarded by the registry; /join and the "join" deep link are
for everyone. Typed answers go to the flows "adm_village" and "adm_location"; their buttons are
"af:<step>:<value>". Revoking takes effect at the person's next message (roles are loaded per
update).
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from bot.channels.text import mask_phone
from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies
from bot.db.models import (
    Commune,
    Household,
    LocationKind,
    Person,
    Role,
    RoleGrant,
    Village,
)
from bot.locales import t
from bot.services import invites, people, places
from bot.services.errors import DomainError
from handlers.households import menu_choice, staff_flow
from handlers.start import main_menu

ADMIN = {Role.ADMIN}
INVITABLE = (Role.VOLUNTEER, Role.OFFICER, Role.OFFICIAL, Role.ADMIN)
VILLAGE_FLOW = "adm_village"
LOCATION_FLOW = "adm_location"
NAME_PUNCTUATION = frozenset(" .,'-/()")
MAX_COUNT = 100_000
PEOPLE_PAGE = 8


def role_name(role: Role | str) -> str:
    return t(f"admin.role_{Role(role).value}")


def parse_role(value: str, allowed: tuple[Role, ...] = INVITABLE) -> Role:
    try:
        role = Role(value)
    except ValueError:
        raise UserError(t("errors.bad_button")) from None
    if role not in allowed:
        raise UserError(t("errors.bad_button"))
    return role


def admin_choice() -> Choice:
    return Choice(t("admin.back"), "adm")


async def commune_of(ctx: Context) -> Commune:
    """The commune row (created from the configuration if the app has not made it yet)."""
    settings = ctx.services.settings.commune
    return await places.get_commune(ctx.session) or await places.ensure_commune(
        ctx.session, settings.name, settings.timezone
    )


async def hub(ctx: Context) -> Replies:
    """The admin menu."""
    ctx.end_flow()
    return Reply(
        t("admin.hub"),
        choices=(
            Choice(t("admin.villages_button"), "av"),
            Choice(t("admin.locations_button"), "al"),
            Choice(t("admin.invite_button"), "ai"),
            Choice(t("admin.people_button"), "ap"),
            menu_choice(),
        ),
    )


# -------------------------------------------------------------------------------- villages


async def villages(ctx: Context) -> Replies:
    """Villages with households registered, covered, and the official count; add or set."""
    if ctx.args[:1] == ["add"]:
        ctx.start_flow(VILLAGE_FLOW, "name")
        return Reply(t("admin.ask_village_name"), choices=(admin_choice(),))
    if ctx.args[:1] == ["set"]:
        village = await ctx.session.get(Village, ctx.int_arg(1))
        if village is None:
            raise UserError(t("errors.bad_button"))
        ctx.start_flow(VILLAGE_FLOW, "count", village_id=village.id, name=village.name)
        return ask_count(village.name, setting=True)
    ctx.end_flow()
    return await village_list(ctx)


async def village_list(ctx: Context, notice: str | None = None) -> Reply:
    counts = {
        village_id: (registered, int(covered or 0))
        for village_id, registered, covered in (
            await ctx.session.execute(
                select(
                    Household.village_id,
                    func.count(),
                    func.sum(case((Household.members_with_account > 0, 1), else_=0)),
                ).group_by(Household.village_id)
            )
        ).all()
    }
    rows = await places.list_villages(ctx.session)
    lines = [notice + "\n"] if notice else []
    lines.append(t("admin.villages_title") if rows else t("admin.no_villages"))
    for village in rows:
        registered, covered = counts.get(village.id, (0, 0))
        official = (
            str(village.official_households)
            if village.official_households is not None
            else t("admin.not_set")
        )
        lines.append(
            t(
                "admin.village_line",
                name=village.name,
                registered=registered,
                covered=covered,
                official=official,
            )
        )
    choices = [Choice(t("admin.add_village"), "av:add")]
    choices += [
        Choice(t("admin.set_count_button", name=v.name[:30]), f"av:set:{v.id}") for v in rows
    ]
    return Reply("\n".join(lines), choices=(*choices, admin_choice()), columns=2)


def ask_count(name: str, *, setting: bool, problem: str | None = None) -> Reply:
    text = t("admin.ask_count", name=name)
    if problem:
        text = f"{problem}\n\n{text}"
    skip = t("admin.clear_count") if setting else t("admin.skip_count")
    return Reply(text, choices=(Choice(skip, "af:count:skip"), admin_choice()))


def clean_place_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= 120:
        raise DomainError("places.bad_name")
    if any(not (ch.isalnum() or ch in NAME_PUNCTUATION) for ch in name):
        raise DomainError("admin.bad_place_name")
    return name


def parse_count(raw: str) -> int:
    digits = raw.strip().replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isascii() or not digits.isdigit() or not 0 <= int(digits) <= MAX_COUNT:
        raise DomainError("places.bad_count")
    return int(digits)


async def village_step(ctx: Context, raw: str, *, pressed: bool = False) -> Replies:
    """Add a village (name, then official count or skip) or set a village's count."""
    data = ctx.state.data
    if ctx.state.step == "name":
        try:
            name = clean_place_name(raw)
            if await places.find_village(ctx.session, name) is not None:
                raise DomainError("places.village_exists", name=name)
        except DomainError as problem:
            text = t(problem.key, **problem.values)
            return Reply(f"{text}\n\n{t('admin.ask_village_name')}", choices=(admin_choice(),))
        ctx.set_step("count", name=name)
        return ask_count(name, setting=False)
    setting = "village_id" in data
    try:
        count = None if pressed and raw == "skip" else parse_count(raw)
    except DomainError as problem:
        return ask_count(str(data.get("name")), setting=setting, problem=t(problem.key))
    ctx.end_flow()
    if setting:
        village = await ctx.session.get(Village, int(data["village_id"]))
        if village is None:
            raise DomainError("households.not_found")
        await places.set_official_households(ctx.session, village, count, actor_id=ctx.person.id)
        return await village_list(ctx, t("admin.count_saved", name=village.name))
    village = await places.add_village(
        ctx.session,
        await commune_of(ctx),
        str(data.get("name")),
        official_households=count,
        actor_id=ctx.person.id,
    )
    return await village_list(ctx, t("admin.village_added", name=village.name))


# ------------------------------------------------------------------------------- locations


KIND_KEYS = {kind: f"admin.kind_{kind.value}" for kind in LocationKind}


async def locations(ctx: Context) -> Replies:
    """Help-desk locations; add one."""
    if ctx.args[:1] == ["add"]:
        ctx.start_flow(LOCATION_FLOW, "name")
        return Reply(t("admin.ask_location_name"), choices=(admin_choice(),))
    ctx.end_flow()
    return await location_list(ctx)


async def location_list(ctx: Context, notice: str | None = None) -> Reply:
    rows = await places.list_locations(ctx.session)
    names = {village.id: village.name for village in await places.list_villages(ctx.session)}
    lines = [notice + "\n"] if notice else []
    lines.append(t("admin.locations_title") if rows else t("admin.no_locations"))
    for location in rows:
        where = f" — {names[location.village_id]}" if location.village_id in names else ""
        kind = t(KIND_KEYS.get(LocationKind(location.kind), "admin.kind_other"))
        lines.append(t("admin.location_line", name=location.name, kind=kind, where=where))
    return Reply(
        "\n".join(lines),
        choices=(Choice(t("admin.add_location"), "al:add"), admin_choice()),
    )


def ask_kind(name: str) -> Reply:
    return Reply(
        t("admin.ask_kind", name=name),
        choices=(
            *(Choice(t(key), f"af:kind:{kind.value}") for kind, key in KIND_KEYS.items()),
            admin_choice(),
        ),
    )


async def location_step(ctx: Context, raw: str, *, pressed: bool = False) -> Replies:
    """Name, then kind (buttons), then the village for a cultural house."""
    data, step = ctx.state.data, ctx.state.step
    if step == "name":
        try:
            name = clean_place_name(raw)
        except DomainError as problem:
            text = f"{t(problem.key)}\n\n{t('admin.ask_location_name')}"
            return Reply(text, choices=(admin_choice(),))
        ctx.set_step("kind", name=name)
        return ask_kind(name)
    if step == "kind":
        try:
            kind = LocationKind(raw) if pressed else None
        except ValueError:
            kind = None
        if kind is None:
            return ask_kind(str(data.get("name")))
        rows = await places.list_villages(ctx.session)
        if kind is LocationKind.CULTURAL_HOUSE and rows:
            ctx.set_step("village", kind=kind.value)
            choices = [Choice(village.name, f"af:village:{village.id}") for village in rows]
            choices.append(Choice(t("admin.no_village"), "af:village:0"))
            return Reply(t("admin.ask_location_village"), choices=tuple(choices), columns=2)
        return await save_location(ctx, kind, None)
    village_id = int(raw) if pressed and raw.isdigit() else -1
    village = await ctx.session.get(Village, village_id) if village_id > 0 else None
    if village_id < 0 or (village_id > 0 and village is None):
        raise UserError(t("admin.use_buttons"))
    return await save_location(ctx, LocationKind(str(data.get("kind"))), village)


async def save_location(ctx: Context, kind: LocationKind, village: Village | None) -> Reply:
    name = str(ctx.state.data.get("name"))
    ctx.end_flow()
    await places.add_location(
        ctx.session,
        await commune_of(ctx),
        name,
        kind=kind,
        village=village,
        actor_id=ctx.person.id,
    )
    return await location_list(ctx, t("admin.location_added", name=name))


async def typed(ctx: Context) -> Replies:
    """Typed text in an admin flow."""
    text = ctx.incoming.text or ""
    if ctx.state.flow == VILLAGE_FLOW:
        return await village_step(ctx, text)
    return await location_step(ctx, text)


async def flow_button(ctx: Context) -> Replies:
    """ "af:<step>:<value>": a button answer in an admin flow; old buttons are refused."""
    flow, step = ctx.state.flow, ctx.state.step
    if flow not in (VILLAGE_FLOW, LOCATION_FLOW) or len(ctx.args) != 2 or ctx.args[0] != step:
        return Reply(t("admin.stale_button"), choices=(admin_choice(),))
    if flow == VILLAGE_FLOW:
        return await village_step(ctx, ctx.args[1], pressed=True)
    return await location_step(ctx, ctx.args[1], pressed=True)


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
    return [Reply(text), Reply(f"/start join-{code}", choices=(admin_choice(),))]


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
    registry.command("join", join, description="Nhập mã mời cán bộ, tình nguyện viên")
    registry.deep_link("join", join)
    registry.command("admin", hub, roles=ADMIN)
    registry.command("villages", villages, roles=ADMIN)
    registry.command("locations", locations, roles=ADMIN)
    registry.command("invite", invite, roles=ADMIN)
    registry.command("people", people_list, roles=ADMIN)
    registry.choice("adm", hub, roles=ADMIN)
    registry.choice("av", villages, roles=ADMIN)
    registry.choice("al", locations, roles=ADMIN)
    registry.choice("ai", invite, roles=ADMIN)
    registry.choice("ap", people_list, roles=ADMIN)
    registry.choice("apr", confirm_revoke, roles=ADMIN)
    registry.choice("apy", revoke, roles=ADMIN)
    registry.choice("af", flow_button, roles=ADMIN)
    registry.flow(VILLAGE_FLOW, staff_flow(typed, ADMIN))
    registry.flow(LOCATION_FLOW, staff_flow(typed, ADMIN))
    registry.menu(t("admin.menu"), "adm", roles=ADMIN)
