"""Admin in chat: the admin menu, villages (with official household counts) and locations.

Two declared flows share the answer buttons "af:<step>:<value>": VILLAGE (name, then the
official count; the count step alone sets the count of an existing village) and LOCATION (name,
kind, and the village of a cultural house). Invites, staff and joining are in admin_roles.
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from bot.actions.admin import (
    AddLocation,
    AddVillage,
    AdminHub,
    ListLocations,
    ListPeople,
    ListVillages,
    SetVillageCount,
    StartInvite,
)
from bot.actions.posters import PosterMenu
from bot.actions.targets import SetTarget
from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import Commune, Household, LocationKind, Role, Village
from bot.locales import t
from bot.services import people, places

ADMIN = {Role.ADMIN}
INVITABLE = (Role.VOLUNTEER, Role.OFFICER, Role.OFFICIAL, Role.ADMIN)
NAME_PUNCTUATION = frozenset(" .,'-/()")
MAX_COUNT = 100_000
SKIP = "skip"
NO_VILLAGE = 0
TEXTS = FlowTexts(stale="admin.stale_button", use_buttons="admin.use_buttons")


def role_name(role: Role | str) -> str:
    return t(f"admin.role_{Role(role).value}")


def parse_role(value: Role | str, allowed: tuple[Role, ...] = INVITABLE) -> Role:
    """A role named by a button, refused politely unless it is one of `allowed`."""
    try:
        role = Role(value)
    except ValueError:
        raise UserError(t("errors.bad_button")) from None
    if role not in allowed:
        raise UserError(t("errors.bad_button"))
    return role


def admin_choice() -> Choice:
    return AdminHub().button(t("admin.back"))


async def commune_of(ctx: Context) -> Commune:
    """The admin's commune (on a new database, made from the configuration)."""
    commune_id = await people.staff_commune(ctx.session, ctx.person.id)
    commune = await ctx.session.get(Commune, commune_id) if commune_id else None
    if commune is not None:
        return commune
    settings = ctx.services.settings.commune
    return await places.ensure_commune(ctx.session, settings.name, settings.timezone)


async def own_village(ctx: Context, village_id: int) -> Village | None:
    """A village of the admin's commune; another commune's looks the same as a missing one."""
    village = await ctx.session.get(Village, village_id)
    if village is None or village.commune_id != (await commune_of(ctx)).id:
        return None
    return village


async def commune_villages(ctx: Context) -> list[Village]:
    return await places.list_villages(ctx.session, commune_id=(await commune_of(ctx)).id)


async def hub(ctx: Context) -> Replies:
    """The admin menu."""
    ctx.end_flow()
    return Reply(
        t("admin.hub"),
        choices=(
            ListVillages().button(t("admin.villages_button")),
            ListLocations().button(t("admin.locations_button")),
            StartInvite().button(t("admin.invite_button")),
            ListPeople().button(t("admin.people_button")),
            PosterMenu().button(t("admin.posters_button")),
            SetTarget().button(t("targets.admin_button")),
            menu_choice(),
        ),
    )


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


def place_name(raw: str) -> str:
    """A place name typed in a flow; a bad one is asked for again."""
    try:
        return clean_place_name(raw)
    except DomainError as problem:
        raise Invalid(t(problem.key, **problem.values)) from None


# -------------------------------------------------------------------------------- villages


async def villages(ctx: Context) -> Replies:
    """Villages with households registered, covered, and the official count; add or set."""
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
    rows = await commune_villages(ctx)
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
    choices = [AddVillage().button(t("admin.add_village"))]
    choices += [
        SetVillageCount(v.id).button(t("admin.set_count_button", name=v.name[:30])) for v in rows
    ]
    return Reply("\n".join(lines), choices=(*choices, admin_choice()), columns=2)


class VillageData(FlowData):
    name: str = ""
    village_id: int | None = None  # set: the existing village whose count is being set


async def add_village(ctx: Context) -> Replies:
    """Add a village: its name, then its official household count (or skip)."""
    return await VILLAGE.start(ctx, VillageData(), "name")


async def set_village_count(ctx: Context, pressed: SetVillageCount) -> Replies:
    """Set (or clear) the official household count of an existing village."""
    village = await own_village(ctx, pressed.village)
    if village is None:
        raise UserError(t("errors.bad_button"))
    data = VillageData(name=village.name, village_id=village.id)
    return await VILLAGE.start(ctx, data, "count")


async def ask_village_name(ctx: Context, data: VillageData) -> Reply:
    return Reply(t("admin.ask_village_name"), choices=(admin_choice(),))


async def read_village_name(ctx: Context, data: VillageData, answer: Answer) -> Next:
    name = place_name(answer.text)
    if await places.find_village(ctx.session, name, (await commune_of(ctx)).id) is not None:
        raise Invalid(t("places.village_exists", name=name))
    data.name = name
    return "count"


async def ask_count(ctx: Context, data: VillageData) -> Reply:
    skip = t("admin.clear_count") if data.village_id is not None else t("admin.skip_count")
    return Reply(
        t("admin.ask_count", name=data.name),
        choices=(VILLAGE.option("count", SKIP, skip), admin_choice()),
    )


async def read_count(ctx: Context, data: VillageData, answer: Answer) -> Next:
    try:
        count = None if answer.pressed and answer.text == SKIP else parse_count(answer.text)
    except DomainError as problem:
        raise Invalid(t(problem.key)) from None
    if data.village_id is None:
        village = await places.add_village(
            ctx.session,
            await commune_of(ctx),
            data.name,
            official_households=count,
            actor_id=ctx.person.id,
        )
        return Done(await village_list(ctx, t("admin.village_added", name=village.name)))
    existing = await own_village(ctx, data.village_id)
    if existing is None:
        raise DomainError("households.not_found")
    await places.set_official_households(ctx.session, existing, count, actor_id=ctx.person.id)
    return Done(await village_list(ctx, t("admin.count_saved", name=existing.name)))


VILLAGE = Flow(
    "adm_village",
    VillageData,
    {
        "name": Step(ask_village_name, read_village_name),
        "count": Step(ask_count, read_count),
    },
    prefix="af",
    texts=TEXTS,
    way_out=admin_choice,
)


# ------------------------------------------------------------------------------- locations


KIND_KEYS = {kind: f"admin.kind_{kind.value}" for kind in LocationKind}


async def locations(ctx: Context) -> Replies:
    """Help-desk locations; add one."""
    ctx.end_flow()
    return await location_list(ctx)


async def location_list(ctx: Context, notice: str | None = None) -> Reply:
    rows = await places.list_locations(ctx.session, commune_id=(await commune_of(ctx)).id)
    names = {village.id: village.name for village in await commune_villages(ctx)}
    lines = [notice + "\n"] if notice else []
    lines.append(t("admin.locations_title") if rows else t("admin.no_locations"))
    for location in rows:
        where = f" — {names[location.village_id]}" if location.village_id in names else ""
        kind = t(KIND_KEYS.get(LocationKind(location.kind), "admin.kind_other"))
        lines.append(t("admin.location_line", name=location.name, kind=kind, where=where))
    return Reply(
        "\n".join(lines),
        choices=(AddLocation().button(t("admin.add_location")), admin_choice()),
    )


class LocationData(FlowData):
    name: str = ""


async def add_location(ctx: Context) -> Replies:
    """Add a location: its name, its kind, and the village of a cultural house."""
    return await LOCATION.start(ctx, LocationData(), "name")


async def ask_location_name(ctx: Context, data: LocationData) -> Reply:
    return Reply(t("admin.ask_location_name"), choices=(admin_choice(),))


async def read_location_name(ctx: Context, data: LocationData, answer: Answer) -> Next:
    data.name = place_name(answer.text)
    return "kind"


async def ask_kind(ctx: Context, data: LocationData) -> Reply:
    return Reply(
        t("admin.ask_kind", name=data.name),
        choices=(
            *(LOCATION.option("kind", kind.value, t(key)) for kind, key in KIND_KEYS.items()),
            admin_choice(),
        ),
    )


async def read_kind(ctx: Context, data: LocationData, answer: Answer) -> Next:
    try:
        kind = LocationKind(answer.text)
    except ValueError:
        raise Invalid(t("admin.use_buttons")) from None
    if kind is LocationKind.CULTURAL_HOUSE and await commune_villages(ctx):
        return "village"
    return Done(await save_location(ctx, data.name, kind, None))


async def ask_location_village(ctx: Context, data: LocationData) -> Reply:
    choices = [
        LOCATION.option("village", village.id, village.name)
        for village in await commune_villages(ctx)
    ]
    choices.append(LOCATION.option("village", NO_VILLAGE, t("admin.no_village")))
    return Reply(t("admin.ask_location_village"), choices=tuple(choices), columns=2)


async def read_location_village(ctx: Context, data: LocationData, answer: Answer) -> Next:
    """Only a cultural house comes to this step."""
    text = answer.text
    village_id = int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else -1
    village = await own_village(ctx, village_id) if village_id > NO_VILLAGE else None
    if village is None and village_id != NO_VILLAGE:
        raise Invalid(t("admin.use_buttons"))
    return Done(await save_location(ctx, data.name, LocationKind.CULTURAL_HOUSE, village))


async def save_location(
    ctx: Context, name: str, kind: LocationKind, village: Village | None
) -> Reply:
    await places.add_location(
        ctx.session,
        await commune_of(ctx),
        name,
        kind=kind,
        village=village,
        actor_id=ctx.person.id,
    )
    return await location_list(ctx, t("admin.location_added", name=name))


LOCATION = Flow(
    "adm_location",
    LocationData,
    {
        "name": Step(ask_location_name, read_location_name),
        "kind": Step(ask_kind, read_kind, typed=False),
        "village": Step(ask_location_village, read_location_village, typed=False),
    },
    prefix="af",
    texts=TEXTS,
    way_out=admin_choice,
)
