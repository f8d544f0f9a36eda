"""Registering a new household: consent first, then one short question per field, then save.

Flow "hh_new"; typed answers go to the current step, buttons are "hc:<step>:<value>" and a
button from an older step is not applied (the current question is asked again). Nothing is
stored before "Save", and nothing at all without the family's consent.
"""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.db.models import Household
from bot.locales import t
from bot.services import households
from bot.services.vntext import fold
from handlers import household_fields as fields
from handlers.households import (
    EDIT_ROLES,
    FIND_FLOW,
    card,
    edit_scope,
    result_choice,
    village_in,
)

FLOW = "hh_new"
PREFIX = "hc"
NEXT = {
    "name": "mem",
    "dup": "mem",
    "mem": "acc",
    "acc": "sub",
    "sub": "pay",
    "pay": "tel",
    "tel": "note",
    "note": "done",
}
SUMMARY_FIELDS = ("name", "mem", "acc", "sub", "pay", "tel", "note")


async def start(ctx: Context) -> Replies:
    """ "Add a new household" in a village: ask for the family's consent first."""
    village = await village_in(ctx, ctx.int_arg(0), await edit_scope(ctx))
    query = None
    if ctx.state.flow == FIND_FLOW and ctx.state.data.get("village_id") == village.id:
        query = ctx.state.data.get("query")
    ctx.start_flow(FLOW, "ok", village_id=village.id, village=village.name, query=query)
    return await ask(ctx)


def cancel_choice() -> Choice:
    return Choice(t("volunteer.cancel"), f"{PREFIX}:cancel")


async def ask(ctx: Context, problem: str | None = None) -> Reply:
    """The question of the current step (after the problem with the last answer, if any)."""
    data = ctx.state.data
    step = ctx.state.step or "ok"
    if step == "ok":
        reply = Reply(
            t("volunteer.consent_question", village=data.get("village", "")),
            choices=(
                Choice(t("volunteer.consent_yes"), f"{PREFIX}:ok:1"),
                Choice(t("volunteer.consent_no"), f"{PREFIX}:ok:0"),
            ),
        )
    elif step == "dup":
        same = await same_name(ctx, str(data.get("name", "")))
        reply = Reply(
            t("volunteer.duplicate_question", name=data.get("name", "")),
            choices=(
                *map(result_choice, same),
                Choice(t("volunteer.add_anyway"), f"{PREFIX}:dup:go"),
                cancel_choice(),
            ),
        )
    elif step == "done":
        reply = summary(data)
    else:
        query = data.get("query")
        reply = fields.question(
            step,
            PREFIX,
            members=int(data.get("mem", 1)),
            suggestion=query if step == "name" and fields.looks_like_name(query) else None,
            extra=(cancel_choice(),),
        )
    if problem:
        return Reply(f"{problem}\n\n{reply.text}", choices=reply.choices, columns=reply.columns)
    return reply


def summary(data: dict[str, Any]) -> Reply:
    lines = [t("volunteer.summary_title", village=data.get("village", ""))]
    for field in SUMMARY_FIELDS:
        value = fields.show(field, data.get(field))
        lines.append(t("volunteer.summary_line", field=fields.field_label(field), value=value))
    return Reply(
        "\n".join(lines),
        choices=(Choice(t("volunteer.save"), f"{PREFIX}:done:save"), cancel_choice()),
        columns=2,
    )


async def same_name(ctx: Context, name: str) -> list[Household]:
    """Households of the flow's village whose head has exactly this name (accents aside)."""
    village_id = int(ctx.state.data.get("village_id", 0))
    found = await households.search(ctx.session, village_id, name, limit=5)
    return [household for household in found if household.folded_head == fold(name)]


async def typed(ctx: Context) -> Replies:
    """A typed answer to the current question."""
    return await answer(ctx, ctx.state.step or "ok", ctx.incoming.text or "", pressed=False)


async def pressed(ctx: Context) -> Replies:
    """A button of the flow: "hc:<step>:<value>" or "hc:cancel"."""
    if ctx.state.flow != FLOW:
        return Reply(t("volunteer.stale_button"), choices=(menu_choice(),))
    if ctx.args[:1] == ["cancel"]:
        return cancel(ctx)
    if len(ctx.args) != 2:
        return await ask(ctx, t("errors.bad_button"))
    step, value = ctx.args
    if step != ctx.state.step:
        return await ask(ctx, t("volunteer.old_button"))
    return await answer(ctx, step, value, pressed=True)


def cancel(ctx: Context) -> Reply:
    village_id = ctx.state.data.get("village_id")
    ctx.end_flow()
    back = (Choice(t("volunteer.find_other"), f"hv:{village_id}"),) if village_id else ()
    return Reply(t("volunteer.create_cancelled"), choices=(*back, menu_choice()))


async def answer(ctx: Context, step: str, raw: str, *, pressed: bool) -> Replies:
    data = ctx.state.data
    if step == "ok":
        try:
            agreed = fields.parse_yes_no(raw)
        except fields.BadInput as problem:
            return await ask(ctx, problem.text)
        if not agreed:
            ctx.end_flow()
            return Reply(t("volunteer.no_consent"), choices=(menu_choice(),))
        ctx.set_step("name", consent=True)
        return await ask(ctx)
    if step == "dup":
        if pressed and raw == "go":
            ctx.set_step("mem")
        return await ask(ctx)
    if step == "done":
        if pressed and raw == "save":
            return await save(ctx)
        return await ask(ctx, t("volunteer.press_save"))
    if step not in NEXT:
        ctx.end_flow()
        return Reply(t("volunteer.stale_button"), choices=(menu_choice(),))
    if step in ("mem", "acc") and pressed and raw == fields.OTHER:
        return Reply(fields.type_number_prompt(step, int(data.get("mem", 1))))
    if step == "name" and pressed and raw == "q":
        raw = str(data.get("query") or "")
    try:
        value = fields.parse(step, raw, members=int(data.get("mem", 1)))
    except fields.BadInput as problem:
        return await ask(ctx, problem.text)
    if step == "name" and await same_name(ctx, value):
        ctx.set_step("dup", name=value)
        return await ask(ctx)
    ctx.set_step(NEXT[step], **{step: value})
    return await ask(ctx)


async def save(ctx: Context) -> Replies:
    """Store the household (scope re-checked), audit it, and show its card."""
    data = ctx.state.data
    village = await village_in(ctx, int(data.get("village_id", 0)), await edit_scope(ctx))
    record = households.HouseholdData(
        head_name=str(data["name"]),
        members=int(data["mem"]),
        members_with_account=int(data["acc"]),
        submitted_online=bool(data["sub"]),
        paid_online=bool(data["pay"]),
        phone=data.get("tel"),
        note=data.get("note"),
    )
    household = await households.create(
        ctx.session,
        village,
        record,
        actor_id=ctx.person.id,
        consent=bool(data.get("consent")),
        now=ctx.now,
    )
    ctx.start_flow(FIND_FLOW, "query", village_id=village.id)
    return await card(ctx, household, notice=t("volunteer.created", code=household.code))


def register(registry: Registry) -> None:
    registry.choice("hn", start, roles=EDIT_ROLES)
    registry.choice(PREFIX, pressed, roles=EDIT_ROLES)
    registry.flow(FLOW, typed, roles=EDIT_ROLES)
