"""Changing a household: pick a field, type or pick the new value; "+1 account" in one tap.

Flow "hh_edit" has one step per editable field (and the "🔢 Số khác" steps); its answer buttons
are "hf:<field>:<value>". The household is loaded with the editor's scope on every update, and
every change goes through households.update, which writes the audit row.
"""

from __future__ import annotations

from bot.actions.households import AddAccount, EditHousehold, HouseholdField, OpenHousehold
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, Invalid, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.locales import t
from bot.services import households
from handlers import household_fields as fields
from handlers.households import TEXTS, card, editable, search_again

EDITABLE: tuple[HouseholdField, ...] = ("name", "code", "mem", "acc", "sub", "pay", "tel", "note")


class Editing(FlowData):
    household: int


def back_choice(household_id: int) -> Choice:
    return OpenHousehold(household_id).button(t("volunteer.back_to_card"))


async def choose_field(ctx: Context, pressed: EditHousehold) -> Replies:
    """ "✏️ Edit": the fields with their current values; a field given in the button is asked."""
    household = await editable(ctx, pressed.household)
    if pressed.field is not None:
        return await EDIT.start(ctx, Editing(household=household.id), pressed.field)
    search_again(ctx, household.village_id)
    choices = [
        EditHousehold(household.id, field).button(
            t(
                "volunteer.edit_field_button",
                field=fields.field_label(field),
                value=fields.show(field, getattr(household, fields.ATTRS[field]))[:24],
            )
        )
        for field in EDITABLE
    ]
    return Reply(
        t("volunteer.edit_which", name=household.head_name, code=household.code),
        choices=(*choices, back_choice(household.id)),
        replace=True,
    )


def field_step(step: str) -> Step[Editing]:
    """The question for one field (with its current value), and saving the answer."""
    field = fields.field_of(step)

    async def ask(ctx: Context, data: Editing) -> Reply:
        household = await editable(ctx, data.household)
        current = fields.show(field, getattr(household, fields.ATTRS[field]))
        return fields.question(
            EDIT,
            step,
            members=household.members,
            editing=True,
            intro=t("volunteer.edit_current", field=fields.field_label(field), value=current),
            extra=(back_choice(household.id),),
        )

    async def read(ctx: Context, data: Editing, answer: Answer) -> Next:
        household = await editable(ctx, data.household)
        other = fields.other_step(step, answer)
        if other is not None:
            return other
        value = fields.read(step, answer, members=household.members)
        try:
            changed = await households.update(
                ctx.session,
                household,
                {fields.ATTRS[field]: value},
                actor_id=ctx.person.id,
                now=ctx.now,
            )
        except DomainError as problem:  # checked before anything was changed
            raise Invalid(t(problem.key, **problem.values)) from None
        notice = t("volunteer.saved") if changed else t("volunteer.unchanged")
        return Done(await card(ctx, household, notice=notice))

    return Step(ask, read)


EDIT = Flow(
    "hh_edit",
    Editing,
    {step: field_step(step) for step in (*EDITABLE, *fields.OTHER_STEPS)},
    prefix="hf",
    texts=TEXTS,
)


async def add_account(ctx: Context, pressed: AddAccount) -> Replies:
    """One more member of the household has a working account (one tap, audited)."""
    household = await editable(ctx, pressed.household)
    if household.members_with_account >= household.members:
        return await card(ctx, household, notice=t("volunteer.all_have_accounts"))
    await households.update(
        ctx.session,
        household,
        {"members_with_account": household.members_with_account + 1},
        actor_id=ctx.person.id,
        now=ctx.now,
    )
    return await card(ctx, household, notice=t("volunteer.account_added"))
