"""Admin in chat: the admin menu, villages (with official household counts) and locations.

Admin-only routes: "adm", "av", "al", "af" and /admin, /villages, /locations. Typed answers go
to the flows "adm_village" and "adm_location"; their buttons are "af:<step>:<value>" and a
button of another step is refused as stale. Invites, staff and joining are in admin_roles.
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.db.models import Commune, Household, LocationKind, Role, Village
from bot.locales import t
from bot.services import places
from bot.services.errors import DomainError

ADMIN = {Role.ADMIN}
INVITABLE = (Role.VOLUNTEER, Role.OFFICER, Role.OFFICIAL, Role.ADMIN)
VILLAGE_FLOW = "adm_village"
LOCATION_FLOW = "adm_location"
NAME_PUNCTUATION = frozenset(" .,'-/()")
MAX_COUNT = 100_000


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


def register(registry: Registry) -> None:
    registry.command("admin", hub, roles=ADMIN)
    registry.command("villages", villages, roles=ADMIN)
    registry.command("locations", locations, roles=ADMIN)
    registry.choice("adm", hub, roles=ADMIN)
    registry.choice("av", villages, roles=ADMIN)
    registry.choice("al", locations, roles=ADMIN)
    registry.choice("af", flow_button, roles=ADMIN)
    registry.flow(VILLAGE_FLOW, typed, roles=ADMIN)
    registry.flow(LOCATION_FLOW, typed, roles=ADMIN)
    registry.menu(t("admin.menu"), "adm", roles=ADMIN)
