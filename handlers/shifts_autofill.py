"""Auto-fill in chat: propose people for a week's open places, then apply on request.

Officers and volunteers who may work at the location are proposed alike, fewest shifts this
month first, never twice on one day (bot/services/shifts/autofill.py); places nobody can take
are counted in the proposal.

The proposal waits in the flow "shift_autofill" until "apply" (ApplyAutofill); nothing changes
before that, and every place is re-checked when it is applied.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.actions.shifts import ApplyAutofill, ProposeAutofill
from bot.core.context import Context
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import Person, Shift
from bot.locales import t
from bot.services.shifts import autofill as shift_autofill
from bot.services.shifts import text as shift_text
from handlers.shifts_common import hub_choice, tz
from handlers.shifts_roster import lead_location, week, week_choice

CONFIRM = "confirm"


class Proposal(FlowData):
    location_id: int
    monday: date
    proposals: list[tuple[int, int]]  # (shift, person)


def apply_choice() -> Choice:
    return ApplyAutofill().button(t("shift_roster.apply"))


async def propose(ctx: Context, pressed: ProposeAutofill) -> Replies:
    """Propose people for the week's open places; nothing changes until "apply"."""
    location = await lead_location(ctx, pressed.location)
    monday = pressed.monday
    plan = await shift_autofill.propose(
        ctx.session, [location.id], monday, monday + timedelta(days=6), now=ctx.now
    )
    proposals = plan.proposals
    back = week_choice(location.id, monday)
    if not proposals:
        return Reply(t("shift_roster.autofill_none"), choices=(back,))
    data = Proposal(
        location_id=location.id,
        monday=monday,
        proposals=[(p.shift_id, p.person_id) for p in proposals],
    )
    PROPOSAL.enter(ctx, data, CONFIRM)
    lines = [t("shift_roster.autofill_title", count=len(proposals))]
    for proposal in proposals:
        shift = await ctx.session.get(Shift, proposal.shift_id)
        person = await ctx.session.get(Person, proposal.person_id)
        if shift is not None:
            when = shift_text.short_when(shift, tz(ctx))
            lines.append(f"• {when}: {shift_text.name_of(person)}")
    if plan.unfilled:
        lines.append(t("shift_roster.autofill_gaps", gaps=plan.unfilled))
    return Reply("\n".join(lines), choices=(apply_choice(), back))


async def apply(ctx: Context) -> Replies:
    """ "Apply": the proposal kept in the flow, if it is still there."""
    return await PROPOSAL.answer(ctx, CONFIRM, Answer("apply", pressed=True))


async def ask_to_apply(ctx: Context, data: Proposal) -> Reply:
    return Reply(t("shift_roster.autofill_use_buttons"), choices=(apply_choice(), hub_choice()))


async def read_confirm(ctx: Context, data: Proposal, answer: Answer) -> Next:
    """Only the apply button answers; typed text points at it (a buttons-only step)."""
    if not answer.pressed:
        return await ask_to_apply(ctx, data)
    location = await lead_location(ctx, data.location_id)
    proposals = [
        shift_autofill.Proposal(shift_id, person_id) for shift_id, person_id in data.proposals
    ]
    applied, skipped = await shift_autofill.apply(
        ctx.session, proposals, actor_id=ctx.person.id, now=ctx.now
    )
    notice = t("shift_roster.autofill_done", applied=applied, skipped=skipped)
    return Done(await week(ctx, location, data.monday, notice))


# Typed text is answered by the step itself (not typed=False), so it reads exactly
# "autofill_use_buttons" without the whole proposal again.
PROPOSAL = Flow(
    "shift_autofill",
    Proposal,
    {CONFIRM: Step(ask_to_apply, read_confirm)},
    texts=FlowTexts(stale="shift_roster.autofill_stale"),
    way_out=hub_choice,
)
