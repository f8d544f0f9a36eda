"""The household register in chat: pick a village, search by name or code, open a household card.

Who may do what (checked again on every update, whatever the button says):
- volunteers, officers and admins see and edit households of the villages their roles cover;
- officials (chairman, village heads) see the same cards read-only: no edit buttons, and the
  edit/assist routes refuse them, because the register should be written by those who helped;
- citizens are refused politely.
Creating, editing and logging assistance live in household_create, household_edit and
assistance_log; this module holds the shared access checks and the card.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.db.models import AssistAction, Household, Person, Role, Village
from bot.locales import t
from bot.services import assistance, households, people, places
from bot.services.errors import DomainError
from bot.services.vntext import fold
from handlers.household_fields import show

VIEW_ROLES = {Role.VOLUNTEER, Role.OFFICER, Role.OFFICIAL, Role.ADMIN}
EDIT_ROLES = {Role.VOLUNTEER, Role.OFFICER, Role.ADMIN}
FIND_FLOW = "hh_find"
MAX_QUERY = 60
Scope = frozenset[int] | None


async def view_scope(ctx: Context) -> Scope:
    """Villages whose households this person may see (None: the whole commune)."""
    return await people.village_scope(ctx.session, ctx.person.id)


async def edit_scope(ctx: Context) -> Scope:
    """Villages whose households this person may change: only editing roles count."""
    return await people.village_scope(ctx.session, ctx.person.id, EDIT_ROLES)


def allows(scope: Scope, village_id: int) -> bool:
    return scope is None or village_id in scope


async def village_in(ctx: Context, village_id: int, scope: Scope) -> Village:
    """A village the person may work in; others look the same as missing ones."""
    village = await ctx.session.get(Village, village_id)
    if village is None or not allows(scope, village_id):
        raise DomainError("households.not_yours")
    return village


async def editable(ctx: Context, household_id: int) -> Household:
    """A household the person may change (re-checked on the server for every action)."""
    return await households.get(ctx.session, household_id, await edit_scope(ctx))


# ----------------------------------------------------------------------------- village, search


async def choose_village(ctx: Context) -> Replies:
    """Start: the villages in the person's scope; with only one, go straight to the search."""
    scope = await view_scope(ctx)
    villages = await places.list_villages(ctx.session, set(scope) if scope is not None else None)
    if not villages:
        ctx.end_flow()
        return Reply(t("volunteer.no_villages"), choices=(menu_choice(),))
    if len(villages) == 1:
        return await ask_search(ctx, villages[0], several=False)
    ctx.end_flow()
    choices = [Choice(village.name, f"hv:{village.id}") for village in villages]
    return Reply(t("volunteer.choose_village"), choices=(*choices, menu_choice()), columns=2)


async def pick_village(ctx: Context) -> Replies:
    """A village was picked: ask for the head's name or the household code."""
    village = await village_in(ctx, ctx.int_arg(0), await view_scope(ctx))
    return await ask_search(ctx, village, several=True)


async def ask_search(ctx: Context, village: Village, *, several: bool) -> Reply:
    ctx.start_flow(FIND_FLOW, "query", village_id=village.id)
    choices = []
    if allows(await edit_scope(ctx), village.id) and ctx.has_role(*EDIT_ROLES):
        choices.append(Choice(t("volunteer.add_new"), f"hn:{village.id}"))
    if several:
        choices.append(Choice(t("volunteer.other_village"), "hs"))
    return Reply(
        t("volunteer.ask_search", village=village.name), choices=(*choices, menu_choice())
    )


async def search(ctx: Context) -> Replies:
    """Typed text while searching: matching households as buttons, and "add new"."""
    village = await ctx.session.get(Village, int(ctx.state.data.get("village_id", 0)))
    if village is None or not allows(await view_scope(ctx), village.id):
        ctx.end_flow()  # the scope changed since the search began
        return Reply(t("households.not_yours"), choices=(menu_choice(),))
    query = " ".join((ctx.incoming.text or "").split())
    can_add = ctx.has_role(*EDIT_ROLES) and allows(await edit_scope(ctx), village.id)
    add = (Choice(t("volunteer.add_new"), f"hn:{village.id}"),) if can_add else ()
    back = (Choice(t("volunteer.other_village"), "hs"), menu_choice())
    if len(query) > MAX_QUERY or not fold(query):
        return Reply(t("volunteer.bad_query", limit=MAX_QUERY), choices=(*add, *back))
    ctx.set_step("query", query=query)
    found = await households.search(ctx.session, village.id, query)
    if not found:
        text = t("volunteer.none_found", query=query, village=village.name)
        return Reply(text, choices=(*add, *back))
    text = t("volunteer.found", count=len(found), village=village.name)
    return Reply(text, choices=(*map(result_choice, found), *add, *back))


def result_choice(household: Household) -> Choice:
    label = t(
        "volunteer.result",
        name=household.head_name[:32],
        code=household.code,
        members=household.members,
        accounts=household.members_with_account,
    )
    return Choice(label, f"hh:{household.id}")


# ------------------------------------------------------------------------------------- card


async def open_card(ctx: Context) -> Replies:
    """The household card; typing a name afterwards searches the same village again."""
    household = await households.get(ctx.session, ctx.int_arg(0), await view_scope(ctx))
    ctx.start_flow(FIND_FLOW, "query", village_id=household.village_id)
    return await card(ctx, household)


ACTION_KEYS = {action: f"volunteer.action_{action.value}" for action in AssistAction}


async def card(ctx: Context, household: Household, notice: str | None = None) -> Reply:
    """Everything about one household, with the actions this person may take."""
    village = await ctx.session.get(Village, household.village_id)
    covered = household.members_with_account > 0
    lines = [
        t("volunteer.card_title", name=household.head_name, code=household.code),
        t("volunteer.card_village", village=village.name if village else "?"),
        t("volunteer.card_members", members=household.members),
        t(
            "volunteer.card_accounts",
            accounts=household.members_with_account,
            members=household.members,
            mark="✅" if covered else "❌",
        ),
        t("volunteer.card_submitted", value=show("sub", household.submitted_online)),
        t("volunteer.card_paid", value=show("pay", household.paid_online)),
    ]
    if household.phone:
        lines.append(t("volunteer.card_phone", phone=show("tel", household.phone)))
    if household.note:
        lines.append(t("volunteer.card_note", note=household.note))
    lines.append(await last_help_line(ctx, household))
    if notice:
        lines.insert(0, notice + "\n")
    choices: list[Choice] = []
    if ctx.has_role(*EDIT_ROLES) and allows(await edit_scope(ctx), household.village_id):
        choices.append(Choice(t("volunteer.log_help"), f"ha:{household.id}"))
        if household.members_with_account < household.members:
            choices.append(Choice(t("volunteer.plus_account"), f"h1:{household.id}"))
        choices.append(Choice(t("volunteer.edit"), f"he:{household.id}"))
    choices.append(Choice(t("volunteer.find_other"), f"hv:{household.village_id}"))
    choices.append(menu_choice())
    return Reply("\n".join(lines), choices=tuple(choices), columns=2)


async def last_help_line(ctx: Context, household: Household) -> str:
    recent = await assistance.recent_for_household(ctx.session, household.id, limit=1)
    if not recent:
        return t("volunteer.card_never_helped")
    entry = recent[0]
    helper = await ctx.session.get(Person, entry.helper_id) if entry.helper_id else None
    done = [t(key) for action, key in ACTION_KEYS.items() if getattr(entry, action.value)]
    when = entry.at.astimezone(ctx.services.settings.commune.tz)
    return t(
        "volunteer.card_last_help",
        when=when.strftime("%H:%M %d/%m/%Y"),
        actions=", ".join(done),
        helper=(helper.display_name if helper and helper.display_name else t("start.anonymous")),
    )


def register(registry: Registry) -> None:
    registry.command("households", choose_village, roles=VIEW_ROLES)
    registry.choice("hs", choose_village, roles=VIEW_ROLES)
    registry.choice("hv", pick_village, roles=VIEW_ROLES)
    registry.choice("hh", open_card, roles=VIEW_ROLES)
    registry.flow(FIND_FLOW, search, roles=VIEW_ROLES)
    registry.menu(t("volunteer.menu"), "hs", roles=VIEW_ROLES)
