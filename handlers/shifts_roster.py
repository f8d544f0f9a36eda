"""The officers' roster: a week per location with gaps, a shift card, assigning, no-shows.

Both the week and the card name everyone on a shift and mark with 🔁 those who asked for a
stand-in nobody has taken yet (they stay on the shift until someone does).

Officers see the locations their grants cover; admins see all. A location, shift or
assignment outside them looks the same as a missing one. Auto-fill is in shifts_autofill.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.actions.shifts import (
    Assign,
    Candidates,
    OpenShift,
    ProposeAutofill,
    Roster,
    TakeOff,
    ToggleNoShow,
)
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import (
    AssignmentSource,
    AssignmentStatus,
    Location,
    Person,
    Shift,
    ShiftAssignment,
)
from bot.locales import t
from bot.services import outbox
from bot.services.shifts import attendance, roster, views
from bot.services.shifts import text as shift_text
from handlers.shifts_common import LEADS, hub_choice, monday_of, today, tz

MAX_CANDIDATES = 20
ASKING = " 🔁"  # asked for a stand-in nobody has taken yet (explained under the week)


async def lead_location(ctx: Context, location_id: int) -> Location:
    """A location this officer may manage; others look the same as missing ones."""
    location = await ctx.session.get(Location, location_id)
    scope = await roster.scope_of(ctx.session, ctx.person.id, LEADS)
    if location is None or not roster.covers(scope, location):
        raise DomainError("shifts.not_your_area")
    return location


async def lead_shift(ctx: Context, shift_id: int) -> tuple[Shift, Location]:
    shift = await ctx.session.get(Shift, shift_id)
    if shift is None:
        raise DomainError("shifts.not_found")
    return shift, await lead_location(ctx, shift.location_id)


async def lead_assignment(
    ctx: Context, assignment_id: int
) -> tuple[ShiftAssignment, Shift, Location]:
    assignment = await ctx.session.get(ShiftAssignment, assignment_id)
    if assignment is None or assignment.status != AssignmentStatus.ACTIVE:
        raise DomainError("shifts.not_found")
    shift, location = await lead_shift(ctx, assignment.shift_id)
    return assignment, shift, location


def week_choice(location_id: int, monday: date) -> Choice:
    return Roster(location_id, monday).button(t("shift_roster.back_week"))


async def roster_command(ctx: Context) -> Replies:
    """/shift_roster: the locations, or this week's roster if there is only one."""
    return await locations(ctx, Roster())


async def locations(ctx: Context, pressed: Roster) -> Replies:
    """Pick a location; the roster of this week opens (or of the week pressed)."""
    ctx.end_flow()
    if pressed.location is not None:
        location = await lead_location(ctx, pressed.location)
        return await week(ctx, location, pressed.monday or monday_of(today(ctx)))
    scope = await roster.scope_of(ctx.session, ctx.person.id, LEADS)
    places = await roster.locations_in(ctx.session, scope)
    if len(places) == 1:
        return await week(ctx, places[0], monday_of(today(ctx)))
    if not places:
        return Reply(t("shift_roster.no_locations"), choices=(hub_choice(),))
    choices = [Roster(place.id).button(place.name) for place in places]
    return Reply(t("shift_roster.choose_location"), choices=(*choices, hub_choice()))


async def week(ctx: Context, location: Location, monday: date, notice: str = "") -> Reply:
    """Who holds each shift of a week at a location, gaps marked."""
    rows = await views.roster(ctx.session, location.id, monday, monday + timedelta(days=6))
    lines = [notice + "\n"] if notice else []
    lines.append(t("shift_roster.week_title", place=location.name, monday=f"{monday:%d/%m/%Y}"))
    choices = []
    day = None
    for row in rows:
        if row.shift.day != day:
            day = row.shift.day
            lines.append(f"\n{shift_text.day_label(day)}")
        names = ", ".join(
            _who(assignment, person) + (ASKING if assignment.id in row.asking else "")
            for assignment, person in row.people
        )
        gap = t("shift_roster.gap", missing=row.missing) if row.missing else ""
        hours = shift_text.hours(row.shift, tz(ctx))
        lines.append(
            t("shift_roster.line", hours=hours, names=names or t("shift_roster.nobody"), gap=gap)
        )
        mark = f" ⚠️{row.missing}" if row.missing else ""
        label = f"{shift_text.short_when(row.shift, tz(ctx))}{mark}"
        choices.append(OpenShift(row.shift.id).button(label))
    if not rows:
        lines.append(t("shift_roster.no_shifts"))
    gaps = sum(row.missing for row in rows)
    lines.append(
        "\n" + (t("shift_roster.gaps_total", gaps=gaps) if gaps else t("shift_roster.full"))
    )
    asking = sum(len(row.asking) for row in rows)
    if asking:
        lines.append(t("shift_roster.asking_total", count=asking))
    week_ago, week_on = monday - timedelta(days=7), monday + timedelta(days=7)
    nav = [
        Roster(location.id, week_ago).button(t("shift_roster.previous_week")),
        Roster(location.id, week_on).button(t("shift_roster.next_week")),
    ]
    if gaps:
        nav.append(ProposeAutofill(location.id, monday).button(t("shift_roster.autofill")))
    return Reply("\n".join(lines), choices=(*choices, *nav, hub_choice()), columns=2)


def _who(assignment: ShiftAssignment, person: Person) -> str:
    name = shift_text.name_of(person)
    if assignment.no_show:
        return f"{name} ❌"
    if assignment.checked_in_at is not None:
        return f"{name} ✅"
    return name


async def shift_card(ctx: Context, shift: Shift, location: Location, notice: str = "") -> Reply:
    """One shift: who holds it and what the officer can do."""
    row = await views.roster_of(ctx.session, shift)
    started = shift.starts_at <= ctx.now
    lines = [notice + "\n"] if notice else []
    lines.append(t("shift_roster.card", when=shift_text.when(shift, tz(ctx)), place=location.name))
    lines.append(t("shift_roster.card_count", have=len(row.people), needed=shift.needed))
    choices = []
    for assignment, person in row.people:
        asked = row.asking.get(assignment.id)
        mark = ""
        if asked is not None:
            local = asked.astimezone(tz(ctx))
            mark = t("shift_roster.asking_card", at=f"{local:%H:%M %d/%m}")
        lines.append(f"• {_who(assignment, person)}{mark}")
        name = shift_text.name_of(person)[:30]
        if started:
            key = (
                "shift_roster.unmark_absent" if assignment.no_show else "shift_roster.mark_absent"
            )
            choices.append(ToggleNoShow(assignment.id).button(t(key, name=name)))
        else:
            choices.append(TakeOff(assignment.id).button(t("shift_roster.take_off", name=name)))
    if row.missing and not started:
        choices.append(Candidates(shift.id).button(t("shift_roster.assign")))
    choices.append(week_choice(location.id, monday_of(shift.day)))
    return Reply("\n".join(lines), choices=tuple(choices))


async def open_shift(ctx: Context, pressed: OpenShift) -> Replies:
    """Show one shift's card."""
    shift, location = await lead_shift(ctx, pressed.shift)
    return await shift_card(ctx, shift, location)


async def candidates(ctx: Context, pressed: Candidates) -> Replies:
    """People who could take a place on this shift, fewest shifts this month first."""
    shift, location = await lead_shift(ctx, pressed.shift)
    pool = set(await roster.workers_for(ctx.session, location))
    pool -= await roster.busy_people(ctx.session, pool, shift)
    away = await roster.unavailable_days(ctx.session, pool, shift.day, shift.day)
    pool -= {person_id for person_id, _ in away}
    counts = await attendance.month_counts(ctx.session, pool, shift.day)
    ordered = sorted(pool, key=lambda pid: (counts.get(pid, 0), pid))[:MAX_CANDIDATES]
    if not ordered:
        return await shift_card(ctx, shift, location, t("shift_roster.nobody_free"))
    choices = []
    for person_id in ordered:
        person = await ctx.session.get(Person, person_id)
        label = t(
            "shift_roster.candidate",
            name=shift_text.name_of(person)[:30],
            count=counts.get(person_id, 0),
        )
        choices.append(Assign(shift.id, person_id).button(label))
    text = t("shift_roster.choose_person", when=shift_text.when(shift, tz(ctx)))
    back = OpenShift(shift.id).button(t("shift_roster.open_shift"))
    return Reply(text, choices=(*choices, back))


async def assign(ctx: Context, pressed: Assign) -> Replies:
    """Put a chosen person on the shift and tell them."""
    shift, location = await lead_shift(ctx, pressed.shift)
    person_id = pressed.person
    assignment = await roster.join(
        ctx.session,
        shift.id,
        person_id,
        now=ctx.now,
        source=AssignmentSource.ASSIGNED,
        by_id=ctx.person.id,
    )
    values = {
        "officer": shift_text.name_of(ctx.person),
        "when": shift_text.when(shift, tz(ctx)),
        "place": location.name,
    }
    reply = Reply(t("shift_roster.assigned_you", **values), choices=(hub_choice(),))
    await outbox.enqueue(
        ctx.session,
        outbox.Keys.assigned(assignment.id),
        person_id,
        reply,
        now=ctx.now,
        expires_at=shift.starts_at,
    )
    return await shift_card(ctx, shift, location, t("shift_roster.assigned"))


async def take_off(ctx: Context, pressed: TakeOff) -> Replies:
    """Take someone off a shift that has not started, and tell them."""
    assignment, shift, location = await lead_assignment(ctx, pressed.assignment)
    if shift.starts_at <= ctx.now:
        raise DomainError("shifts.already_started")
    await roster.end(
        ctx.session, assignment, AssignmentStatus.REMOVED, now=ctx.now, actor_id=ctx.person.id
    )
    values = {"when": shift_text.when(shift, tz(ctx)), "place": location.name}
    await outbox.enqueue(
        ctx.session,
        outbox.Keys.removed(assignment.id),
        assignment.person_id,
        Reply(t("shift_roster.removed_you", **values)),
        now=ctx.now,
        expires_at=shift.starts_at,
    )
    return await shift_card(ctx, shift, location, t("shift_roster.removed"))


async def no_show(ctx: Context, pressed: ToggleNoShow) -> Replies:
    """Mark someone absent on a shift that has started (or undo it)."""
    assignment, shift, location = await lead_assignment(ctx, pressed.assignment)
    await attendance.set_no_show(
        ctx.session,
        assignment,
        shift,
        value=not assignment.no_show,
        actor_id=ctx.person.id,
        now=ctx.now,
    )
    return await shift_card(ctx, shift, location)
