"""Auto-fill in chat: propose officers for a week's open places, then apply on request.

Buttons: "sf:<location>:<monday>" propose, "sy" apply the proposal kept in the conversation
state (flow "shift_autofill"); nothing changes until "apply", and every place is re-checked.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies
from bot.db.models import Person, Shift
from bot.locales import t
from bot.services.shifts import autofill as shift_autofill
from bot.services.shifts import text as shift_text
from handlers.shifts_common import LEADS, day_arg, day_payload, hub_choice, parse_day, tz
from handlers.shifts_roster import lead_location, week

AUTOFILL_FLOW = "shift_autofill"


async def autofill(ctx: Context) -> Replies:
    """Propose officers for the week's open places; nothing changes until "apply"."""
    location = await lead_location(ctx, ctx.int_arg(0))
    monday = day_arg(ctx, 1)
    proposals = await shift_autofill.propose(
        ctx.session, [location.id], monday, monday + timedelta(days=6), now=ctx.now
    )
    back = Choice(t("shift_roster.back_week"), f"sr:{location.id}:{day_payload(monday)}")
    if not proposals:
        return Reply(t("shift_roster.autofill_none"), choices=(back,))
    ctx.start_flow(
        AUTOFILL_FLOW,
        "confirm",
        location_id=location.id,
        monday=day_payload(monday),
        proposals=[[p.shift_id, p.person_id] for p in proposals],
    )
    lines = [t("shift_roster.autofill_title", count=len(proposals))]
    for proposal in proposals:
        shift = await ctx.session.get(Shift, proposal.shift_id)
        person = await ctx.session.get(Person, proposal.person_id)
        if shift is not None:
            when = shift_text.short_when(shift, tz(ctx))
            lines.append(f"• {when}: {shift_text.name_of(person)}")
    return Reply("\n".join(lines), choices=(Choice(t("shift_roster.apply"), "sy"), back))


async def apply_autofill(ctx: Context) -> Replies:
    """Apply the proposal kept in the conversation; every place is re-checked."""
    data = ctx.state.data
    if ctx.state.flow != AUTOFILL_FLOW or "proposals" not in data:
        return Reply(t("shift_roster.autofill_stale"), choices=(hub_choice(),))
    location = await lead_location(ctx, int(data["location_id"]))
    proposals = [
        shift_autofill.Proposal(int(shift_id), int(person_id))
        for shift_id, person_id in data["proposals"]
    ]
    ctx.end_flow()
    applied, skipped = await shift_autofill.apply(
        ctx.session, proposals, actor_id=ctx.person.id, now=ctx.now
    )
    notice = t("shift_roster.autofill_done", applied=applied, skipped=skipped)
    return await week(ctx, location, parse_day(str(data.get("monday", ""))), notice)


async def typed_in_autofill(ctx: Context) -> Replies:
    """Typed text while a proposal waits: point at the buttons."""
    return Reply(
        t("shift_roster.autofill_use_buttons"),
        choices=(Choice(t("shift_roster.apply"), "sy"), hub_choice()),
    )


def register(registry: Registry) -> None:
    registry.choice("sf", autofill, roles=LEADS)
    registry.choice("sy", apply_autofill, roles=LEADS)
    registry.flow(AUTOFILL_FLOW, typed_in_autofill, roles=LEADS)
