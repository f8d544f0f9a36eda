""" "I helped this household": a checklist of what was done, the procedure, the fee, save.

Flow "hh_assist" is driven by buttons only. They carry the household id, so a stale or forged
one is noticed: "ha:<id>" starts, "ha:<id>:t:<action>" ticks or unticks, "ha:<id>:n" goes on,
"ha:<id>:p:<guide id or ->" names the procedure, "ha:<id>:f:<1|0>" the fee, "ha:<id>:s" saves
and "ha:<id>:x" cancels. The ticked actions live in the flow's data until saved. Shifts do not
exist yet: shift_id None.
"""

from __future__ import annotations

from pydantic import Field

from bot.actions.households import ChooseVillage, LogHelp
from bot.content.catalog import GuideGroup
from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.flows import Answer, Done, Flow, FlowData, Invalid, Next, Step
from bot.core.messages import Replies, Reply
from bot.db.models import AssistAction
from bot.locales import t
from bot.services import assistance
from handlers.household_fields import yes_no
from handlers.households import ACTION_KEYS, TEXTS, card, editable

NO_PROCEDURE = "-"
# The step each verb answers; "x" (cancel) answers none. "n" (go on) answers the checklist
# like a tick does, so its answer is a word that names no action.
STEP_OF_VERB = {"t": "acts", "n": "acts", "p": "proc", "f": "fee", "s": "done"}
NEXT = "n"


class Helping(FlowData):
    household: int
    actions: list[AssistAction] = Field(default_factory=list)
    procedure: str | None = None  # a guide id of the procedures group
    fee: bool | None = None


async def pressed(ctx: Context, pressed: LogHelp) -> Replies:
    """Every button of the checklist; the household is re-checked against the scope each time."""
    household = await editable(ctx, pressed.household)
    if pressed.verb is None:
        return await LOG.start(ctx, Helping(household=household.id), "acts")
    data = LOG.data_of(ctx)
    if data is None:
        return LOG.stale(ctx)
    if data.household != household.id:  # another household's old checklist: this one stays
        return Reply(t(TEXTS.stale), choices=(LOG.way_out(),))
    if pressed.verb == "x":
        return await card(ctx, household, notice=t("volunteer.help_cancelled"))
    value = NEXT if pressed.verb == "n" else pressed.value or ""
    return await LOG.answer(ctx, STEP_OF_VERB[pressed.verb], Answer(value, pressed=True))


def bad_button() -> UserError:
    return UserError(t("errors.bad_button"))


async def ask_checklist(ctx: Context, data: Helping) -> Reply:
    household = await editable(ctx, data.household)
    choices = [
        LogHelp(household.id, "t", action.value).button(
            f"{'☑' if action in data.actions else '☐'} {t(key)}"
        )
        for action, key in ACTION_KEYS.items()
    ]
    choices.append(LogHelp(household.id, "n").button(t("volunteer.next")))
    choices.append(LogHelp(household.id, "x").button(t("volunteer.cancel")))
    text = t("volunteer.checklist", name=household.head_name, code=household.code)
    return Reply(text, choices=tuple(choices), columns=1, replace=True)


async def read_checklist(ctx: Context, data: Helping, answer: Answer) -> Next:
    """An action ticked or unticked; or "go on", once something is ticked."""
    if answer.text == NEXT:
        if not data.actions:
            raise Invalid(t("assistance.nothing_chosen"))
        return "proc"
    try:
        action = AssistAction(answer.text)
    except ValueError:
        raise bad_button() from None
    if action in data.actions:
        data.actions.remove(action)
    else:
        data.actions.append(action)
    return "acts"


async def ask_procedure(ctx: Context, data: Helping) -> Reply:
    household = await editable(ctx, data.household)
    guides = ctx.services.catalog.by_group(GuideGroup.PROCEDURES)
    choices = [LogHelp(household.id, "p", guide.id).button(guide.title) for guide in guides]
    choices.append(LogHelp(household.id, "p", NO_PROCEDURE).button(t("volunteer.no_procedure")))
    return Reply(t("volunteer.which_procedure"), choices=tuple(choices), columns=2, replace=True)


async def read_procedure(ctx: Context, data: Helping, answer: Answer) -> Next:
    """The procedure the papers were for (then its fee), or none."""
    if answer.text == NO_PROCEDURE:
        data.procedure, data.fee = None, None
        return "done"
    guide = ctx.services.catalog.get(answer.text)
    if guide is None or guide.group is not GuideGroup.PROCEDURES:
        raise bad_button()
    data.procedure = guide.id
    return "fee"


async def ask_fee(ctx: Context, data: Helping) -> Reply:
    return Reply(
        t("volunteer.fee_question"),
        choices=(
            LogHelp(data.household, "f", "1").button(t("volunteer.fee_yes")),
            LogHelp(data.household, "f", "0").button(t("volunteer.fee_no")),
        ),
        columns=2,
        replace=True,
    )


async def read_fee(ctx: Context, data: Helping, answer: Answer) -> Next:
    if answer.text not in ("0", "1"):
        raise bad_button()
    data.fee = answer.text == "1"
    return "done"


async def ask_review(ctx: Context, data: Helping) -> Reply:
    household = await editable(ctx, data.household)
    done = [t(key) for action, key in ACTION_KEYS.items() if action in data.actions]
    lines = [
        t("volunteer.review_title", name=household.head_name, code=household.code),
        t("volunteer.review_actions", actions=", ".join(done)),
    ]
    if data.procedure:
        guide = ctx.services.catalog.get(data.procedure)
        title = guide.title if guide else data.procedure
        lines.append(t("volunteer.review_procedure", title=title))
        lines.append(t("volunteer.review_fee", value=yes_no(bool(data.fee))))
    return Reply(
        "\n".join(lines),
        choices=(
            LogHelp(household.id, "s").button(t("volunteer.save")),
            LogHelp(household.id, "x").button(t("volunteer.cancel")),
        ),
        columns=2,
        replace=True,
    )


async def save(ctx: Context, data: Helping, answer: Answer) -> Next:
    """Log the help (the household re-checked), then show its card with today's count."""
    household = await editable(ctx, data.household)
    await assistance.log(
        ctx.session,
        household,
        set(data.actions),
        helper_id=ctx.person.id,
        now=ctx.now,
        tz=ctx.services.settings.commune.tz,
        procedure=data.procedure,
        fee_required=bool(data.fee) if data.procedure else None,
        shift_id=None,  # shifts come later
    )
    today = ctx.now.astimezone(ctx.services.settings.commune.tz).date()
    tally = await assistance.helper_tally(ctx.session, ctx.person.id, today)
    return Done(await card(ctx, household, notice=t("volunteer.help_saved", today=tally.today)))


LOG = Flow(
    "hh_assist",
    Helping,
    {
        "acts": Step(ask_checklist, read_checklist, typed=False),
        "proc": Step(ask_procedure, read_procedure, typed=False),
        "fee": Step(ask_fee, read_fee, typed=False),
        "done": Step(ask_review, save, typed=False),
    },
    texts=TEXTS,
)


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
    return Reply(text, choices=(ChooseVillage().button(t("volunteer.menu")), menu_choice()))
