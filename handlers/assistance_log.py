""" "I helped this household": a checklist of what was done, the procedure, the fee, save.

Flow "hh_assist" is driven by buttons only. They carry the household id, so a stale or forged
one is noticed: "ha:<id>" starts, "ha:<id>:t:<action>" ticks or unticks, "ha:<id>:n" goes on,
"ha:<id>:p:<guide id or ->" names the procedure, "ha:<id>:f:<1|0>" the fee, "ha:<id>:s" saves
and "ha:<id>:x" cancels; "ha:<id>:d" and "ha:<id>:w:<day>" choose an earlier day the help was
given (assistance_day.py). The ticked actions live in the flow's data until saved. Shifts do not
exist yet: shift_id None.

What saving changes in the household (one more account, "submitted/paid online") is shown
before and after saving, field by field; "hu:<assistance id>" puts those fields back while
nobody has changed them since (the help itself stays logged).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pydantic import Field

from bot.actions.households import ChooseVillage, LogHelp, UndoHelpChanges
from bot.content.catalog import GuideGroup
from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, Invalid, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import AssistAction, Assistance
from bot.locales import t
from bot.services import assistance, survey
from handlers import assistance_day as help_day
from handlers import household_fields as fields
from handlers.assistance_day import CHOOSE_DAY
from handlers.households import ACTION_KEYS, TEXTS, card, editable

NO_PROCEDURE = "-"
# Actions that may change the household itself (see assistance.planned_changes).
REGISTER_ACTIONS = frozenset(
    {AssistAction.ACCOUNT_CREATED, AssistAction.SUBMITTED_ONLINE, AssistAction.PAID_ONLINE}
)
# Household attribute -> field code of household_fields, for labels and shown values.
FIELD_CODES = {attribute: code for code, attribute in fields.ATTRS.items()}
# The step each verb answers; "x" (cancel) answers none. "n" (go on) answers the checklist
# like a tick does, so its answer is a word that names no action.
STEP_OF_VERB = {
    "t": "acts", "n": "acts", "p": "proc", "f": "fee", "d": "done", "w": "day", "s": "done"
}  # fmt: skip
NEXT = "n"


class Helping(FlowData):
    household: int
    actions: list[AssistAction] = Field(default_factory=list)
    procedure: str | None = None  # a guide id of the procedures group
    fee: bool | None = None
    day: date | None = None  # None: today (assistance_day.py)


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
    value = {"n": NEXT, "d": CHOOSE_DAY}.get(pressed.verb, pressed.value or "")
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
        lines.append(t("volunteer.review_fee", value=fields.yes_no(bool(data.fee))))
    lines.append(help_day.review_line(data, help_day.today_of(ctx)))
    planned = assistance.planned_changes(household, set(data.actions))
    if planned:
        lines += [t("volunteer.review_changes"), *change_lines(planned)]
    return Reply(
        "\n".join(lines),
        choices=(
            LogHelp(household.id, "s").button(t("volunteer.save")),
            LogHelp(household.id, "x").button(t("volunteer.cancel")),
            LogHelp(household.id, "d").button(
                help_day.day_button_label(data, help_day.today_of(ctx))
            ),
        ),
        columns=2,
        replace=True,
    )


async def save(ctx: Context, data: Helping, answer: Answer) -> Next:
    """Log the help (the household re-checked), then show its card with today's count and what
    changed in the household, with one tap to undo that."""
    if answer.text == CHOOSE_DAY:
        return "day"
    household = await editable(ctx, data.household)
    actions = set(data.actions)
    changes = assistance.planned_changes(household, actions)
    try:  # the day is checked again: the review may have waited past midnight
        assistance.check_help_day(data.day or help_day.today_of(ctx), help_day.today_of(ctx))
    except DomainError as problem:  # back to today, kept (an Invalid would keep the old day)
        data.day = None
        review = await ask_review(ctx, data)
        return replace(review, text=f"{t(problem.key, **problem.values)}\n\n{review.text}")
    entry = await assistance.log(
        ctx.session,
        household,
        actions,
        helper_id=ctx.person.id,
        now=ctx.now,
        tz=ctx.services.settings.commune.tz,
        procedure=data.procedure,
        fee_required=bool(data.fee) if data.procedure else None,
        shift_id=None,  # shifts come later
        day=data.day,
    )
    await survey.ask_after_help(
        ctx.session, entry, household, now=ctx.now, tz=ctx.services.settings.commune.tz
    )
    today = ctx.now.astimezone(ctx.services.settings.commune.tz).date()
    tally = await assistance.helper_tally(ctx.session, ctx.person.id, today)
    lines = [t("volunteer.help_saved", today=tally.today)]
    if late := help_day.saved_line(entry.day, today):
        lines.append(late)
    undo: tuple[Choice, ...] = ()
    if changes:
        lines += [t("volunteer.help_changes"), *change_lines(changes)]
        undo = (UndoHelpChanges(entry.id).button(t("volunteer.undo_help_changes")),)
    elif actions & REGISTER_ACTIONS:
        lines.append(t("volunteer.help_no_changes"))
    return Done(await card(ctx, household, notice="\n".join(lines), extra=undo))


def change_lines(changes: list[assistance.Change]) -> list[str]:
    """ "• field: before → after" for each change, as a person reads the values."""
    return [
        t(
            "volunteer.change_line",
            field=fields.field_label(FIELD_CODES[change.field]),
            before=fields.show(FIELD_CODES[change.field], change.before),
            after=fields.show(FIELD_CODES[change.field], change.after),
        )
        for change in changes
    ]


async def undo(ctx: Context, pressed: UndoHelpChanges) -> Replies:
    """ "Undo": the household fields a logged help changed go back, unless changed since; the
    help itself stays logged, as it happened."""
    entry = await ctx.session.get(Assistance, pressed.assistance)
    if entry is None:  # as for a household outside one's villages
        raise DomainError("households.out_of_reach")
    household = await editable(ctx, entry.household_id)
    try:
        undone = await assistance.undo_changes(
            ctx.session, entry, household, actor_id=ctx.person.id, now=ctx.now
        )
    except assistance.ChangedSince as problem:
        labels = ", ".join(fields.field_label(FIELD_CODES[name]) for name in problem.fields)
        return await card(ctx, household, notice=t(problem.key, fields=labels))
    except DomainError as problem:  # nothing was changed
        return await card(ctx, household, notice=t(problem.key, **problem.values))
    notice = "\n".join([t("volunteer.help_undone"), *change_lines(undone)])
    return await card(ctx, household, notice=notice)


LOG = Flow(
    "hh_assist",
    Helping,
    {
        "acts": Step(ask_checklist, read_checklist, typed=False),
        "proc": Step(ask_procedure, read_procedure, typed=False),
        "fee": Step(ask_fee, read_fee, typed=False),
        "done": Step(ask_review, save, typed=False),
        "day": Step(help_day.ask_day, help_day.read_day, typed=False),
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
