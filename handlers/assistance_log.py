""" "I helped this household": a checklist of what was done, the procedure, the fee, save.

Buttons carry the household id so a stale or forged one is noticed: "ha:<id>" starts,
"ha:<id>:t:<action>" ticks or unticks, "ha:<id>:n" goes on, "ha:<id>:p:<guide id or ->"
names the procedure, "ha:<id>:f:<1|0>" the fee, "ha:<id>:s" saves and "ha:<id>:x" cancels.
The ticked actions live in the flow state until saved. Shifts do not exist yet: shift_id None.
"""

from __future__ import annotations

from bot.content.catalog import GuideGroup
from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.db.models import AssistAction, Household
from bot.locales import t
from bot.services import assistance
from handlers.household_fields import yes_no
from handlers.households import (
    ACTION_KEYS,
    EDIT_ROLES,
    FIND_FLOW,
    card,
    editable,
)

FLOW = "hh_assist"
NO_PROCEDURE = "-"


async def start(ctx: Context) -> Replies:
    """One tap from the card: an empty checklist."""
    household = await editable(ctx, ctx.int_arg(0))
    ctx.start_flow(FLOW, "acts", household_id=household.id, actions=[])
    return checklist(ctx, household)


def ticked(ctx: Context) -> list[str]:
    return [str(action) for action in ctx.state.data.get("actions", [])]


def checklist(ctx: Context, household: Household, problem: str | None = None) -> Reply:
    chosen = ticked(ctx)
    choices = [
        Choice(
            f"{'☑' if action.value in chosen else '☐'} {t(key)}",
            f"ha:{household.id}:t:{action.value}",
        )
        for action, key in ACTION_KEYS.items()
    ]
    choices.append(Choice(t("volunteer.next"), f"ha:{household.id}:n"))
    choices.append(Choice(t("volunteer.cancel"), f"ha:{household.id}:x"))
    text = t("volunteer.checklist", name=household.head_name, code=household.code)
    if problem:
        text = f"{problem}\n\n{text}"
    return Reply(text, choices=tuple(choices), columns=1, replace=True)


def procedure_question(ctx: Context, household: Household) -> Reply:
    guides = ctx.services.catalog.by_group(GuideGroup.PROCEDURES)
    choices = [Choice(guide.title, f"ha:{household.id}:p:{guide.id}") for guide in guides]
    choices.append(Choice(t("volunteer.no_procedure"), f"ha:{household.id}:p:{NO_PROCEDURE}"))
    return Reply(t("volunteer.which_procedure"), choices=tuple(choices), columns=2, replace=True)


def fee_question(household: Household) -> Reply:
    return Reply(
        t("volunteer.fee_question"),
        choices=(
            Choice(t("volunteer.fee_yes"), f"ha:{household.id}:f:1"),
            Choice(t("volunteer.fee_no"), f"ha:{household.id}:f:0"),
        ),
        columns=2,
        replace=True,
    )


def review(ctx: Context, household: Household) -> Reply:
    data = ctx.state.data
    done = [t(key) for action, key in ACTION_KEYS.items() if action.value in ticked(ctx)]
    lines = [
        t("volunteer.review_title", name=household.head_name, code=household.code),
        t("volunteer.review_actions", actions=", ".join(done)),
    ]
    procedure = data.get("procedure")
    if procedure:
        guide = ctx.services.catalog.get(str(procedure))
        lines.append(t("volunteer.review_procedure", title=guide.title if guide else procedure))
        lines.append(t("volunteer.review_fee", value=yes_no(bool(data.get("fee")))))
    return Reply(
        "\n".join(lines),
        choices=(
            Choice(t("volunteer.save"), f"ha:{household.id}:s"),
            Choice(t("volunteer.cancel"), f"ha:{household.id}:x"),
        ),
        columns=2,
        replace=True,
    )


async def current(ctx: Context, household: Household) -> Reply:
    """The question of the step the flow is at (after an old button or typed text)."""
    step = ctx.state.step
    if step == "proc":
        return procedure_question(ctx, household)
    if step == "fee":
        return fee_question(household)
    if step == "done":
        return review(ctx, household)
    return checklist(ctx, household)


async def pressed(ctx: Context) -> Replies:
    """Every button of the checklist; the household is re-checked against the scope each time."""
    household = await editable(ctx, ctx.int_arg(0))
    if len(ctx.args) == 1:
        return await start(ctx)
    if ctx.state.flow != FLOW or ctx.state.data.get("household_id") != household.id:
        return Reply(t("volunteer.stale_button"), choices=(menu_choice(),))
    verb, value = ctx.args[1], (ctx.args[2] if len(ctx.args) > 2 else "")
    step = ctx.state.step
    if verb == "x":
        ctx.start_flow(FIND_FLOW, "query", village_id=household.village_id)
        return await card(ctx, household, notice=t("volunteer.help_cancelled"))
    if verb == "t" and step == "acts":
        return toggle(ctx, household, value)
    if verb == "n" and step == "acts":
        if not ticked(ctx):
            return checklist(ctx, household, t("assistance.nothing_chosen"))
        ctx.set_step("proc")
        return procedure_question(ctx, household)
    if verb == "p" and step == "proc":
        return choose_procedure(ctx, household, value)
    if verb == "f" and step == "fee" and value in ("0", "1"):
        ctx.set_step("done", fee=value == "1")
        return review(ctx, household)
    if verb == "s" and step == "done":
        return await save(ctx, household)
    if verb not in ("t", "n", "p", "f", "s"):
        raise UserError(t("errors.bad_button"))
    reply = await current(ctx, household)
    return Reply(f"{t('volunteer.old_button')}\n\n{reply.text}", choices=reply.choices)


def toggle(ctx: Context, household: Household, value: str) -> Reply:
    try:
        action = AssistAction(value)
    except ValueError:
        raise UserError(t("errors.bad_button")) from None
    chosen = ticked(ctx)
    if action.value in chosen:
        chosen.remove(action.value)
    else:
        chosen.append(action.value)
    ctx.set_step("acts", actions=chosen)
    return checklist(ctx, household)


def choose_procedure(ctx: Context, household: Household, value: str) -> Reply:
    if value == NO_PROCEDURE:
        ctx.set_step("done", procedure=None, fee=None)
        return review(ctx, household)
    guide = ctx.services.catalog.get(value)
    if guide is None or guide.group is not GuideGroup.PROCEDURES:
        raise UserError(t("errors.bad_button"))
    ctx.set_step("fee", procedure=guide.id)
    return fee_question(household)


async def save(ctx: Context, household: Household) -> Replies:
    data = ctx.state.data
    procedure = data.get("procedure")
    await assistance.log(
        ctx.session,
        household,
        {AssistAction(value) for value in ticked(ctx)},
        helper_id=ctx.person.id,
        now=ctx.now,
        tz=ctx.services.settings.commune.tz,
        procedure=str(procedure) if procedure else None,
        fee_required=bool(data.get("fee")) if procedure else None,
        shift_id=None,  # shifts come later
    )
    ctx.start_flow(FIND_FLOW, "query", village_id=household.village_id)
    today = ctx.now.astimezone(ctx.services.settings.commune.tz).date()
    tally = await assistance.helper_tally(ctx.session, ctx.person.id, today)
    return await card(ctx, household, notice=t("volunteer.help_saved", today=tally.today))


async def typed(ctx: Context) -> Replies:
    """Typed text while the checklist is open: ask to use the buttons."""
    household = await editable(ctx, int(ctx.state.data.get("household_id", 0)))
    reply = await current(ctx, household)
    text = f"{t('volunteer.use_buttons')}\n\n{reply.text}"
    return Reply(text, choices=reply.choices, columns=reply.columns)


async def my_tally(ctx: Context) -> Replies:
    """ "What I have helped with": distinct households today, this week, month, ever."""
    today = ctx.now.astimezone(ctx.services.settings.commune.tz).date()
    tally = await assistance.helper_tally(ctx.session, ctx.person.id, today)
    text = t(
        "volunteer.tally",
        today=tally.today,
        week=tally.this_week,
        month=tally.this_month,
        total=tally.total,
    )
    return Reply(text, choices=(Choice(t("volunteer.menu"), "hs"), menu_choice()))


def register(registry: Registry) -> None:
    registry.choice("ha", pressed, roles=EDIT_ROLES)
    registry.flow(FLOW, typed, roles=EDIT_ROLES)
    registry.command("helped", my_tally, roles=EDIT_ROLES)
    registry.choice("ht", my_tally, roles=EDIT_ROLES)
    registry.menu(t("volunteer.my_tally"), "ht", roles=EDIT_ROLES)
