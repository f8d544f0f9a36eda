"""The household register in chat: pick a village, search by name or code, open a household card.

Who may do what (checked again on every update, whatever the button says):
- volunteers, officers and admins see and edit households of the villages their roles cover;
- officials (chairman, village heads) see the same cards read-only: no edit buttons, and the
  edit/assist routes refuse them, because the register should be written by those who helped;
- citizens are refused politely.
Creating, editing and logging assistance live in household_create, household_edit and
assistance_log; this module holds the shared access checks, the search flow and the card.
"""

from __future__ import annotations

import hashlib

from bot.actions.households import (
    AddAccount,
    ChooseVillage,
    EditHousehold,
    LogHelp,
    NewHousehold,
    OpenHousehold,
    PickVillage,
    ResultsPage,
)
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import AssistAction, Household, Person, Role, Village
from bot.locales import t
from bot.services import assistance, households, people, places
from bot.vntext import fold
from handlers.household_fields import show

VIEW_ROLES = {Role.VOLUNTEER, Role.OFFICER, Role.OFFICIAL, Role.ADMIN}
EDIT_ROLES = {Role.VOLUNTEER, Role.OFFICER, Role.ADMIN}
MAX_QUERY = 60
# What the register's flows say about old buttons and typed text where buttons are expected.
TEXTS = FlowTexts(
    stale="volunteer.stale_button",
    old_button="volunteer.old_button",
    use_buttons="volunteer.use_buttons",
)
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


async def can_edit(ctx: Context, village_id: int) -> bool:
    return ctx.has_role(*EDIT_ROLES) and allows(await edit_scope(ctx), village_id)


async def add_new(ctx: Context, village_id: int) -> tuple[Choice, ...]:
    """ "Add a new household", for those who may change this village's households."""
    if not await can_edit(ctx, village_id):
        return ()
    return (NewHousehold(village_id).button(t("volunteer.add_new")),)


def back_to_search(village_id: int) -> Choice:
    return PickVillage(village_id).button(t("volunteer.find_other"))


# ----------------------------------------------------------------------------- village, search


class Search(FlowData):
    village_id: int
    query: str | None = None  # the last text searched for: "add new" offers it as the name
    several: bool = False  # the person works in several villages: offer to pick another


async def choose_village(ctx: Context) -> Replies:
    """Start: the villages in the person's scope; with only one, go straight to the search."""
    scope = await view_scope(ctx)
    villages = await places.list_villages(ctx.session, set(scope) if scope is not None else None)
    if len(villages) == 1:
        return await SEARCH.start(ctx, Search(village_id=villages[0].id), "query")
    ctx.end_flow()
    if not villages:
        return Reply(t("volunteer.no_villages"), choices=(menu_choice(),))
    choices = [PickVillage(village.id).button(village.name) for village in villages]
    return Reply(t("volunteer.choose_village"), choices=(*choices, menu_choice()), columns=2)


async def pick_village(ctx: Context, pressed: PickVillage) -> Replies:
    """A village was picked: ask for the head's name or the household code."""
    village = await village_in(ctx, pressed.village, await view_scope(ctx))
    return await SEARCH.start(ctx, Search(village_id=village.id, several=True), "query")


async def ask_query(ctx: Context, data: Search) -> Reply:
    village = await village_in(ctx, data.village_id, await view_scope(ctx))
    choices = list(await add_new(ctx, village.id))
    if data.several:
        choices.append(ChooseVillage().button(t("volunteer.other_village")))
    return Reply(
        t("volunteer.ask_search", village=village.name), choices=(*choices, menu_choice())
    )


async def read_query(ctx: Context, data: Search, answer: Answer) -> Next:
    """Typed text while searching: the closest households, a page at a time, and "add new"."""
    village = await ctx.session.get(Village, data.village_id)
    if village is None or not allows(await view_scope(ctx), village.id):
        # The scope changed since the search began.
        return Done(Reply(t("households.not_yours"), choices=(menu_choice(),)))
    query = " ".join(answer.text.split())
    if len(query) > MAX_QUERY or not fold(query):
        return Reply(t("volunteer.bad_query", limit=MAX_QUERY), choices=await around(ctx, village))
    data.query = query
    return await results(ctx, village, query, 0)


async def around(ctx: Context, village: Village) -> tuple[Choice, ...]:
    """What a search's answer offers besides its results."""
    return (
        *await add_new(ctx, village.id),
        ChooseVillage().button(t("volunteer.other_village")),
        menu_choice(),
    )


async def results(ctx: Context, village: Village, query: str, page: int) -> Reply:
    """One page of what matched the query, with how many matched and the way to the others."""
    found = await households.search_page(ctx.session, village.id, query, page=page)
    if not found.total:
        text = t("volunteer.none_found", query=query, village=village.name)
        return Reply(text, choices=await around(ctx, village))
    lines = [t("volunteer.found", count=found.total, village=village.name, query=query)]
    paging: list[Choice] = []
    if found.pages > 1:
        lines.append(t("volunteer.page_of", page=found.page + 1, pages=found.pages))
        key = fingerprint(query)
        if found.page > 0:
            previous = ResultsPage(village.id, found.page - 1, key)
            paging.append(previous.button(t("volunteer.previous_page")))
        if found.page + 1 < found.pages:
            paging.append(
                ResultsPage(village.id, found.page + 1, key).button(t("volunteer.next_page"))
            )
    choices = (*map(result_choice, found.households), *paging, *await around(ctx, village))
    return Reply("\n".join(lines), choices=choices)


async def show_page(ctx: Context, pressed: ResultsPage) -> Replies:
    """Another page of the results; a page of an older search is not taken for this one."""
    village = await village_in(ctx, pressed.village, await view_scope(ctx))
    data = SEARCH.data_of(ctx)
    if data is None or data.village_id != village.id:
        SEARCH.enter(ctx, Search(village_id=village.id), "query")
    elif data.query is not None and fingerprint(data.query) == pressed.query:
        return await results(ctx, village, data.query, pressed.page)
    return Reply(t("volunteer.old_results"), choices=await around(ctx, village))


def fingerprint(query: str) -> str:
    """A short mark of what was searched for, carried by the page buttons of its results."""
    return hashlib.sha256(fold(query).encode()).hexdigest()[:8]


SEARCH = Flow("hh_find", Search, {"query": Step(ask_query, read_query)}, texts=TEXTS)


def search_again(ctx: Context, village_id: int) -> None:
    """From now on, typed text searches this village (whatever flow was going on is over); the
    query of a search of this village going on is kept, so its page buttons still answer."""
    current = SEARCH.data_of(ctx)
    query = current.query if current is not None and current.village_id == village_id else None
    SEARCH.enter(ctx, Search(village_id=village_id, query=query), "query")


def result_choice(household: Household) -> Choice:
    label = t(
        "volunteer.result",
        name=household.head_name[:32],
        code=household.code,
        members=household.members,
        accounts=household.members_with_account,
    )
    return OpenHousehold(household.id).button(label)


# ------------------------------------------------------------------------------------- card


async def open_card(ctx: Context, pressed: OpenHousehold) -> Replies:
    """The household card."""
    household = await households.get(ctx.session, pressed.household, await view_scope(ctx))
    return await card(ctx, household)


ACTION_KEYS = {action: f"volunteer.action_{action.value}" for action in AssistAction}


async def card(
    ctx: Context,
    household: Household,
    notice: str | None = None,
    extra: tuple[Choice, ...] = (),
) -> Reply:
    """Everything about one household, with the actions this person may take (`extra` first).

    Whatever led here is over: typing a name afterwards searches the same village again.
    """
    search_again(ctx, household.village_id)
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
    choices = list(extra)
    if await can_edit(ctx, household.village_id):
        choices.append(LogHelp(household.id).button(t("volunteer.log_help")))
        if household.members_with_account < household.members:
            choices.append(AddAccount(household.id).button(t("volunteer.plus_account")))
        choices.append(EditHousehold(household.id).button(t("volunteer.edit")))
    choices.append(back_to_search(household.village_id))
    choices.append(menu_choice())
    return Reply("\n".join(lines), choices=tuple(choices), columns=2)


async def last_help_line(ctx: Context, household: Household) -> str:
    recent = await assistance.recent_for_household(ctx.session, household.id, limit=1)
    if not recent:
        return t("volunteer.card_never_helped")
    entry = recent[0]
    helper = await ctx.session.get(Person, entry.helper_id) if entry.helper_id else None
    done = [t(key) for action, key in ACTION_KEYS.items() if getattr(entry, action.value)]
    when = entry.at.astimezone(ctx.services.settings.commune.tz).strftime("%H:%M %d/%m/%Y")
    if entry.logged_late:  # the day it was given; the hour is when it was written down
        when = t("periods.card_late_when", day=f"{entry.day:%d/%m/%Y}")
    return t(
        "volunteer.card_last_help",
        when=when,
        actions=", ".join(done),
        helper=(helper.display_name if helper and helper.display_name else t("start.anonymous")),
    )
