"""Changing a household: pick a field, type or pick the new value; "+1 account" in one tap.

Buttons: "he:<id>" (which field?), "he:<id>:<field>" (ask for it), "hf:<field>:<value>" (an
answer) and "h1:<id>". The household is loaded with the editor's scope on every update, and
every change goes through households.update, which writes the audit row.
"""

from __future__ import annotations

from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.db.models import Household
from bot.locales import t
from bot.services import households
from bot.services.errors import DomainError
from handlers import household_fields as fields
from handlers.households import (
    EDIT_ROLES,
    FIND_FLOW,
    card,
    editable,
)

FLOW = "hh_edit"
PREFIX = "hf"
EDITABLE = ("name", "code", "mem", "acc", "sub", "pay", "tel", "note")


def back_choice(household_id: int) -> Choice:
    return Choice(t("volunteer.back_to_card"), f"hh:{household_id}")


async def choose_field(ctx: Context) -> Replies:
    """ "✏️ Edit": the fields with their current values; a field given in the button is asked."""
    household = await editable(ctx, ctx.int_arg(0))
    if len(ctx.args) > 1:
        return await ask_field(ctx, household, ctx.args[1])
    ctx.start_flow(FIND_FLOW, "query", village_id=household.village_id)
    choices = [
        Choice(
            t(
                "volunteer.edit_field_button",
                field=fields.field_label(field),
                value=fields.show(field, getattr(household, fields.ATTRS[field]))[:24],
            ),
            f"he:{household.id}:{field}",
        )
        for field in EDITABLE
    ]
    return Reply(
        t("volunteer.edit_which", name=household.head_name, code=household.code),
        choices=(*choices, back_choice(household.id)),
        replace=True,
    )


async def ask_field(
    ctx: Context, household: Household, field: str, problem: str | None = None
) -> Reply:
    if field not in EDITABLE:
        raise UserError(t("errors.bad_button"))
    ctx.start_flow(FLOW, field, household_id=household.id)
    question = fields.question(
        field,
        PREFIX,
        members=household.members,
        editing=True,
        extra=(back_choice(household.id),),
    )
    current = fields.show(field, getattr(household, fields.ATTRS[field]))
    text = t("volunteer.edit_current", field=fields.field_label(field), value=current)
    text = f"{text}\n{question.text}"
    if problem:
        text = f"{problem}\n\n{text}"
    return Reply(text, choices=question.choices, columns=question.columns)


async def typed(ctx: Context) -> Replies:
    """A typed new value for the field being edited."""
    return await apply(ctx, ctx.state.step or "", ctx.incoming.text or "", pressed=False)


async def pressed(ctx: Context) -> Replies:
    """A value button: "hf:<field>:<value>"; buttons of another field or flow are old."""
    if ctx.state.flow != FLOW or len(ctx.args) != 2:
        return Reply(t("volunteer.stale_button"), choices=(menu_choice(),))
    field, value = ctx.args
    if field != ctx.state.step:
        household = await editable(ctx, int(ctx.state.data.get("household_id", 0)))
        return await ask_field(ctx, household, ctx.state.step or "", t("volunteer.old_button"))
    return await apply(ctx, field, value, pressed=True)


async def apply(ctx: Context, field: str, raw: str, *, pressed: bool) -> Replies:
    household = await editable(ctx, int(ctx.state.data.get("household_id", 0)))
    if field in ("mem", "acc") and pressed and raw == fields.OTHER:
        return Reply(
            fields.type_number_prompt(field, household.members),
            choices=(back_choice(household.id),),
        )
    try:
        value = fields.parse(field, raw, members=household.members)
        changed = await households.update(
            ctx.session,
            household,
            {fields.ATTRS[field]: value},
            actor_id=ctx.person.id,
            now=ctx.now,
        )
    except fields.BadInput as problem:
        return await ask_field(ctx, household, field, problem.text)
    except DomainError as problem:  # checked before anything was changed
        return await ask_field(ctx, household, field, t(problem.key, **problem.values))
    ctx.start_flow(FIND_FLOW, "query", village_id=household.village_id)
    notice = t("volunteer.saved") if changed else t("volunteer.unchanged")
    return await card(ctx, household, notice=notice)


async def plus_account(ctx: Context) -> Replies:
    """One more member of the household has a working account (one tap, audited)."""
    household = await editable(ctx, ctx.int_arg(0))
    ctx.start_flow(FIND_FLOW, "query", village_id=household.village_id)
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


def register(registry: Registry) -> None:
    registry.choice("he", choose_field, roles=EDIT_ROLES)
    registry.choice(PREFIX, pressed, roles=EDIT_ROLES)
    registry.choice("h1", plus_account, roles=EDIT_ROLES)
    registry.flow(FLOW, typed, roles=EDIT_ROLES)
