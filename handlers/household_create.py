"""Registering a new household: consent first, then one short question per field, then save.

Flow "hh_new": typed answers go to the current step, buttons are "hc:<step>:<value>", and a
button of an older step is not applied (the current question is asked again). Nothing is
stored before "Save", and nothing at all without the family's consent.
"""

from __future__ import annotations

from bot.actions.households import NewHousehold
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.flows import Answer, Done, Flow, FlowData, Invalid, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import Household
from bot.locales import t
from bot.services import households
from bot.vntext import fold
from handlers import household_fields as fields
from handlers.households import (
    SEARCH,
    TEXTS,
    back_to_search,
    card,
    edit_scope,
    result_choice,
    village_in,
)

# The field asked after each field; the "🔢 Số khác" steps go on like their field.
NEXT = {"mem": "acc", "acc": "sub", "sub": "pay", "pay": "tel", "tel": "note", "note": "done"}
FIELD_STEPS = ("mem", "mem_other", "acc", "acc_other", "sub", "pay", "tel", "note")
SUMMARY_FIELDS = ("name", "mem", "acc", "sub", "pay", "tel", "note")
ANYWAY = "go"
SAVE = "save"


class NewHouseholdData(FlowData):
    """The answers so far; attribute names are the field codes of household_fields."""

    village_id: int
    village: str
    query: str | None = None  # what was searched for before "add new": offered as the name
    consent: bool = False
    name: str | None = None
    mem: int | None = None
    acc: int | None = None
    sub: bool | None = None
    pay: bool | None = None
    tel: str | None = None
    note: str | None = None

    @property
    def members(self) -> int:
        return self.mem or 1


async def start(ctx: Context, pressed: NewHousehold) -> Replies:
    """ "Add a new household" in a village: ask for the family's consent first."""
    village = await village_in(ctx, pressed.village, await edit_scope(ctx))
    search = SEARCH.data_of(ctx)
    query = search.query if search is not None and search.village_id == village.id else None
    data = NewHouseholdData(village_id=village.id, village=village.name, query=query)
    return await REGISTER.start(ctx, data, "ok")


def cancel_choice() -> Choice:
    return REGISTER.cancel_option(t("volunteer.cancel"))


async def cancelled(ctx: Context, data: NewHouseholdData) -> Replies:
    """ "Cancel": nothing is stored; back to the village's search."""
    return Reply(
        t("volunteer.create_cancelled"),
        choices=(back_to_search(data.village_id), menu_choice()),
    )


async def ask_consent(ctx: Context, data: NewHouseholdData) -> Reply:
    return Reply(
        t("volunteer.consent_question", village=data.village),
        choices=(
            REGISTER.option("ok", 1, t("volunteer.consent_yes")),
            REGISTER.option("ok", 0, t("volunteer.consent_no")),
        ),
    )


async def read_consent(ctx: Context, data: NewHouseholdData, answer: Answer) -> Next:
    if not fields.parse_yes_no(answer.text):
        return Done(Reply(t("volunteer.no_consent"), choices=(menu_choice(),)))
    data.consent = True
    return "name"


async def ask_name(ctx: Context, data: NewHouseholdData) -> Reply:
    suggestion = data.query if fields.looks_like_name(data.query) else None
    return fields.question(
        REGISTER, "name", members=data.members, suggestion=suggestion, extra=(cancel_choice(),)
    )


async def read_name(ctx: Context, data: NewHouseholdData, answer: Answer) -> Next:
    """A typed name, or the searched one (its button); a name already there is shown first."""
    data.name = fields.clean_name((data.query or "") if answer.pressed else answer.text)
    return "dup" if await same_name(ctx, data) else "mem"


async def same_name(ctx: Context, data: NewHouseholdData) -> list[Household]:
    """Households of the flow's village whose head has exactly this name (accents aside)."""
    name = data.name or ""
    found = await households.search(ctx.session, data.village_id, name, limit=5)
    return [household for household in found if household.folded_head == fold(name)]


async def ask_duplicate(ctx: Context, data: NewHouseholdData) -> Reply:
    same = await same_name(ctx, data)
    return Reply(
        t("volunteer.duplicate_question", name=data.name or ""),
        choices=(
            *map(result_choice, same),
            REGISTER.option("dup", ANYWAY, t("volunteer.add_anyway")),
            cancel_choice(),
        ),
    )


async def read_duplicate(ctx: Context, data: NewHouseholdData, answer: Answer) -> Next:
    """ "Not one of these, add it anyway" (opening one of them leaves the flow)."""
    if answer.text != ANYWAY:
        raise Invalid(t("errors.bad_button"))
    return "mem"


def field_step(step: str) -> Step[NewHouseholdData]:
    """A field's question and answer; a usable answer moves on to the next field."""

    async def ask(ctx: Context, data: NewHouseholdData) -> Reply:
        return fields.question(REGISTER, step, members=data.members, extra=(cancel_choice(),))

    async def read(ctx: Context, data: NewHouseholdData, answer: Answer) -> Next:
        other = fields.other_step(step, answer)
        if other is not None:
            return other
        field = fields.field_of(step)
        setattr(data, field, fields.read(step, answer, members=data.members))
        return NEXT[field]

    return Step(ask, read)


async def ask_summary(ctx: Context, data: NewHouseholdData) -> Reply:
    lines = [t("volunteer.summary_title", village=data.village)]
    for field in SUMMARY_FIELDS:
        value = fields.show(field, getattr(data, field))
        lines.append(t("volunteer.summary_line", field=fields.field_label(field), value=value))
    return Reply(
        "\n".join(lines),
        choices=(REGISTER.option("done", SAVE, t("volunteer.save")), cancel_choice()),
        columns=2,
    )


async def read_summary(ctx: Context, data: NewHouseholdData, answer: Answer) -> Next:
    if not (answer.pressed and answer.text == SAVE):
        raise Invalid(t("volunteer.press_save"))
    return Done(await save(ctx, data))


async def save(ctx: Context, data: NewHouseholdData) -> Reply:
    """Store the household (scope re-checked), audit it, and show its card."""
    village = await village_in(ctx, data.village_id, await edit_scope(ctx))
    record = households.HouseholdData(
        head_name=data.name or "",
        members=data.members,
        members_with_account=data.acc or 0,
        submitted_online=bool(data.sub),
        paid_online=bool(data.pay),
        phone=data.tel,
        note=data.note,
    )
    household = await households.create(
        ctx.session, village, record, actor_id=ctx.person.id, consent=data.consent, now=ctx.now
    )
    return await card(ctx, household, notice=t("volunteer.created", code=household.code))


REGISTER = Flow(
    "hh_new",
    NewHouseholdData,
    {
        "ok": Step(ask_consent, read_consent),
        "name": Step(ask_name, read_name),
        "dup": Step(ask_duplicate, read_duplicate, typed=False),
        **{step: field_step(step) for step in FIELD_STEPS},
        "done": Step(ask_summary, read_summary),
    },
    prefix="hc",
    texts=TEXTS,
    on_cancel=cancelled,
)
