"""Desk shifts for volunteers and officers: open shifts, sign-up, my shifts, stand-ins, check-in.

Every button is re-checked against the person pressing it: an assignment, a stand-in request
or a day that is not theirs to act on is refused by the services.
"""

from __future__ import annotations

from datetime import timedelta

from bot.actions.shifts import (
    CanCome,
    CannotCome,
    CheckIn,
    MyShifts,
    OpenShifts,
    Roster,
    ShiftSetup,
    SignUp,
    TakeStandIn,
    Unavailable,
    Withdraw,
)
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.messages import Choice, Replies, Reply
from bot.core.pages import page_of
from bot.db.models import Location, Shift
from bot.locales import t
from bot.services.shifts import attendance, reminders, roster, standins, views
from bot.services.shifts import text as shift_text
from handlers.shifts_common import ADMINS, LEADS, WORKERS, config, hub_choice, today, tz

PAGE = 12
UNAVAILABLE_DAYS = 14


def my_choice() -> Choice:
    return MyShifts().button(t("shifts.my_button"))


def open_choice() -> Choice:
    return OpenShifts().button(t("shifts.open_button"))


async def hub(ctx: Context) -> Replies:
    """The shifts menu for this person's roles."""
    ctx.end_flow()
    choices: list[Choice] = []
    if ctx.has_role(*WORKERS):
        choices += [
            open_choice(),
            my_choice(),
            Unavailable().button(t("shifts.unavailable_button")),
        ]
    if ctx.has_role(*LEADS):
        choices.append(Roster().button(t("shift_roster.button")))
    if ctx.has_role(*ADMINS):
        choices.append(ShiftSetup().button(t("shift_admin.button")))
    return Reply(t("shifts.hub"), choices=(*choices, menu_choice()))


async def open_list(ctx: Context, pressed: OpenShifts) -> Replies:
    """Shifts with room that this person may take, a page at a time."""
    page = pressed.page or 0
    scope = await roster.scope_of(ctx.session, ctx.person.id)
    until = ctx.now + timedelta(days=config(ctx).open_shifts_days)
    found = await views.open_shifts(ctx.session, ctx.person.id, scope, now=ctx.now, until=until)
    if not found:
        text = t("shifts.none_open", days=config(ctx).open_shifts_days)
        return Reply(text, choices=(my_choice(), hub_choice()))
    shown = page_of(found, page, PAGE)
    lines = [t("shifts.open_title", count=len(found), days=config(ctx).open_shifts_days)]
    choices = []
    for item in shown.items:
        free = item.shift.needed - item.taken
        lines.append(
            t(
                "shifts.open_line",
                when=shift_text.when(item.shift, tz(ctx)),
                place=item.location.name,
                free=free,
            )
        )
        label = f"{shift_text.short_when(item.shift, tz(ctx))} · {item.location.name[:24]}"
        choices.append(SignUp(item.shift.id).button(label))
    if shown.has_next:
        choices.append(OpenShifts(shown.number + 1).button(t("shifts.more")))
    return Reply("\n".join(lines), choices=(*choices, hub_choice()), replace=shown.number > 0)


async def sign_up(ctx: Context, pressed: SignUp) -> Replies:
    """Take a place on a shift; the reply promises only the reminders that will still come."""
    assignment = await roster.join(ctx.session, pressed.shift, ctx.person.id, now=ctx.now)
    shift = await ctx.session.get(Shift, assignment.shift_id)
    assert shift is not None
    location = await ctx.session.get(Location, shift.location_id)
    policy = reminders.Policy.from_settings(ctx.services.settings)
    coming = views.coming_reminders(assignment, shift, policy)
    remind = {
        (reminders.EVE, reminders.SOON): "shifts.remind_both",
        (reminders.SOON,): "shifts.remind_soon",
        (reminders.EVE,): "shifts.remind_eve",
    }.get(tuple(coming), "shifts.remind_none")
    text = t(
        "shifts.signed_up",
        when=shift_text.when(shift, tz(ctx)),
        place=shift_text.place(location),
        reminders=t(remind, hour=policy.evening_hour, minutes=policy.minutes_before),
    )
    return Reply(text, choices=(my_choice(), open_choice(), hub_choice()))


async def my_shifts(ctx: Context, notice: str | None = None) -> Reply:
    """This person's coming shifts, with what they can do about each, and the month so far."""
    until = ctx.now + timedelta(days=62)
    held = await views.my_shifts(ctx.session, ctx.person.id, now=ctx.now, until=until)
    asking = await standins.open_request_ids(ctx.session, [h.assignment.id for h in held])
    cutoff = timedelta(hours=config(ctx).withdraw_cutoff_hours)
    opens = timedelta(minutes=config(ctx).checkin_minutes_before)
    lines = [notice + "\n"] if notice else []
    lines.append(t("shifts.mine_title") if held else t("shifts.mine_none"))
    choices: list[Choice] = []
    for item in held:
        marks = ""
        if item.assignment.checked_in_at is not None:
            marks = t("shifts.mark_checked_in")
        elif item.assignment.id in asking:
            marks = t("shifts.mark_asking")
        when = shift_text.when(item.shift, tz(ctx))
        lines.append(t("shifts.mine_line", when=when, place=item.location.name, marks=marks))
        short = shift_text.short_when(item.shift, tz(ctx))
        a_id = item.assignment.id
        if item.shift.starts_at - opens <= ctx.now and item.assignment.checked_in_at is None:
            choices.append(CheckIn(a_id).button(t("shifts.check_in_short", when=short)))
        if a_id in asking:
            choices.append(CanCome(a_id).button(t("shifts.can_come_short", when=short)))
        elif roster.can_withdraw(item.shift, ctx.now, cutoff):
            choices.append(Withdraw(a_id).button(t("shifts.withdraw_short", when=short)))
        elif item.shift.starts_at > ctx.now:
            choices.append(CannotCome(a_id).button(t("shifts.cannot_short", when=short)))
    local = ctx.now.astimezone(tz(ctx))
    counts = await attendance.monthly_counts(
        ctx.session, local.year, local.month, now=ctx.now, person_id=ctx.person.id
    )
    if counts:
        lines.append(
            t(
                "shifts.mine_month",
                served=counts[0].served,
                hours=f"{counts[0].hours:g}",
                no_shows=counts[0].no_shows,
            )
        )
    return Reply("\n".join(lines), choices=(*choices, open_choice(), hub_choice()))


async def withdraw(ctx: Context, pressed: Withdraw) -> Replies:
    """Step back from a shift before the cut-off."""
    cutoff = timedelta(hours=config(ctx).withdraw_cutoff_hours)
    shift = await roster.withdraw(
        ctx.session, pressed.assignment, ctx.person.id, now=ctx.now, cutoff=cutoff
    )
    return await my_shifts(ctx, t("shifts.withdrawn", when=shift_text.when(shift, tz(ctx))))


async def cannot_come(ctx: Context, pressed: CannotCome) -> Replies:
    """ "I can't come": offer the shift to others; they stay on it until someone takes it."""
    request, offers = await standins.ask(
        ctx.session, pressed.assignment, ctx.person.id, now=ctx.now, settings=ctx.services.settings
    )
    if offers is None:
        text = t("shift_standin.already_asked")
    elif offers:
        text = t("shift_standin.asked", count=offers)
    else:
        text = t("shift_standin.asked_nobody")
    back = CanCome(request.assignment_id).button(t("shift_standin.can_come"))
    return Reply(text, choices=(back, my_choice()))


async def can_come(ctx: Context, pressed: CanCome) -> Replies:
    """The person can come after all: close their stand-in request."""
    closed = await standins.cancel(ctx.session, pressed.assignment, ctx.person.id)
    return await my_shifts(
        ctx, t("shift_standin.cancelled" if closed else "shift_standin.nothing_open")
    )


async def take(ctx: Context, pressed: TakeStandIn) -> Replies:
    """Accept a stand-in offer; only the first to accept gets the shift."""
    _, shift, location = await standins.take(
        ctx.session, pressed.request, ctx.person.id, now=ctx.now, settings=ctx.services.settings
    )
    text = t("shift_standin.taken", when=shift_text.when(shift, tz(ctx)), place=location.name)
    return Reply(text, choices=(my_choice(), hub_choice()))


async def check_in(ctx: Context, pressed: CheckIn) -> Replies:
    """Check in for a shift, near its time."""
    opens = timedelta(minutes=config(ctx).checkin_minutes_before)
    assignment, shift = await attendance.check_in(
        ctx.session,
        pressed.assignment,
        ctx.person.id,
        now=ctx.now,
        opens_before=opens,
        tz=tz(ctx),
    )
    at = shift_text.clock(assignment.checked_in_at or ctx.now, tz(ctx))
    text = t("shift_attend.checked_in", at=at, when=shift_text.when(shift, tz(ctx)))
    return Reply(text, choices=(my_choice(),))


async def unavailable(ctx: Context, pressed: Unavailable) -> Replies:
    """Days this person cannot work (auto-fill skips them); a day button toggles it."""
    first = today(ctx) + timedelta(days=1)
    last = first + timedelta(days=UNAVAILABLE_DAYS - 1)
    if pressed.day is not None:
        if not first <= pressed.day <= last:
            raise DomainError("shifts.day_out_of_range")
        await roster.toggle_unavailable(ctx.session, ctx.person.id, pressed.day, now=ctx.now)
    marked = {
        day for _, day in await roster.unavailable_days(ctx.session, [ctx.person.id], first, last)
    }
    choices = []
    for offset in range(UNAVAILABLE_DAYS):
        day = first + timedelta(days=offset)
        label = f"{shift_text.weekday_short(day.weekday())} {day:%d/%m}"
        box = "☑" if day in marked else "☐"
        choices.append(Unavailable(day).button(f"{box} {label}"))
    text = t("shifts.unavailable_title", count=len(marked))
    replace = pressed.day is not None
    return Reply(text, choices=(*choices, hub_choice()), columns=2, replace=replace)
