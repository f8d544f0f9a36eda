"""Desk shifts for volunteers and officers: open shifts, sign-up, my shifts, stand-ins, check-in.

Buttons: "sh" hub, "so[:page]" open shifts, "sj:<shift>" sign up, "sm" my shifts,
"sw:<assignment>" withdraw, "sb:<assignment>" I can't come, "sk:<assignment>" I can come
after all, "st:<request>" take a stand-in offer, "sc:<assignment>" check in, "su[:<day>]" days
I am unavailable. Every payload is re-checked against the person pressing it.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.db.models import Location, Shift
from bot.locales import t
from bot.services.errors import DomainError
from bot.services.shifts import attendance, roster, standins, views
from bot.services.shifts import text as shift_text
from handlers import shifts_admin, shifts_autofill, shifts_roster
from handlers.shifts_common import (
    ADMINS,
    EVERYONE_ON_SHIFTS,
    LEADS,
    WORKERS,
    config,
    day_arg,
    day_payload,
    hub_choice,
    today,
    tz,
)

PAGE = 12
UNAVAILABLE_DAYS = 14


async def hub(ctx: Context) -> Replies:
    """The shifts menu for this person's roles."""
    ctx.end_flow()
    choices = []
    if ctx.has_role(*WORKERS):
        choices += [
            Choice(t("shifts.open_button"), "so"),
            Choice(t("shifts.my_button"), "sm"),
            Choice(t("shifts.unavailable_button"), "su"),
        ]
    if ctx.has_role(*LEADS):
        choices.append(Choice(t("shift_roster.button"), "sr"))
    if ctx.has_role(*ADMINS):
        choices.append(Choice(t("shift_admin.button"), "sg"))
    return Reply(t("shifts.hub"), choices=(*choices, menu_choice()))


async def open_list(ctx: Context) -> Replies:
    """Shifts with room that this person may take, a page at a time."""
    page = ctx.int_arg(0) if ctx.args else 0
    scope = await roster.scope_of(ctx.session, ctx.person.id)
    until = ctx.now + timedelta(days=config(ctx).open_shifts_days)
    found = await views.open_shifts(ctx.session, ctx.person.id, scope, now=ctx.now, until=until)
    if not found:
        text = t("shifts.none_open", days=config(ctx).open_shifts_days)
        return Reply(text, choices=(Choice(t("shifts.my_button"), "sm"), hub_choice()))
    shown = found[page * PAGE : (page + 1) * PAGE]
    lines = [t("shifts.open_title", count=len(found), days=config(ctx).open_shifts_days)]
    choices = []
    for item in shown:
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
        choices.append(Choice(label, f"sj:{item.shift.id}"))
    if len(found) > (page + 1) * PAGE:
        choices.append(Choice(t("shifts.more"), f"so:{page + 1}"))
    return Reply("\n".join(lines), choices=(*choices, hub_choice()), replace=page > 0)


async def sign_up(ctx: Context) -> Replies:
    """Take a place on a shift."""
    assignment = await roster.join(ctx.session, ctx.int_arg(0), ctx.person.id, now=ctx.now)
    shift = await ctx.session.get(Shift, assignment.shift_id)
    assert shift is not None
    location = await ctx.session.get(Location, shift.location_id)
    text = t(
        "shifts.signed_up",
        when=shift_text.when(shift, tz(ctx)),
        place=shift_text.place(location),
        hour=config(ctx).evening_reminder_hour,
        minutes=config(ctx).reminder_minutes_before,
    )
    choices = (Choice(t("shifts.my_button"), "sm"), Choice(t("shifts.open_button"), "so"))
    return Reply(text, choices=(*choices, hub_choice()))


async def mine(ctx: Context, notice: str | None = None) -> Reply:
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
            choices.append(Choice(t("shifts.check_in_short", when=short), f"sc:{a_id}"))
        if a_id in asking:
            choices.append(Choice(t("shifts.can_come_short", when=short), f"sk:{a_id}"))
        elif roster.can_withdraw(item.shift, ctx.now, cutoff):
            choices.append(Choice(t("shifts.withdraw_short", when=short), f"sw:{a_id}"))
        elif item.shift.starts_at > ctx.now:
            choices.append(Choice(t("shifts.cannot_short", when=short), f"sb:{a_id}"))
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
    return Reply(
        "\n".join(lines),
        choices=(*choices, Choice(t("shifts.open_button"), "so"), hub_choice()),
    )


async def my_shifts(ctx: Context) -> Replies:
    """Show "my shifts"."""
    return await mine(ctx)


async def withdraw(ctx: Context) -> Replies:
    """Step back from a shift before the cut-off."""
    cutoff = timedelta(hours=config(ctx).withdraw_cutoff_hours)
    shift = await roster.withdraw(
        ctx.session, ctx.int_arg(0), ctx.person.id, now=ctx.now, cutoff=cutoff
    )
    return await mine(ctx, t("shifts.withdrawn", when=shift_text.when(shift, tz(ctx))))


async def cannot_come(ctx: Context) -> Replies:
    """ "I can't come": offer the shift to others; they stay on it until someone takes it."""
    request, offers = await standins.ask(
        ctx.session, ctx.int_arg(0), ctx.person.id, now=ctx.now, settings=ctx.services.settings
    )
    if offers is None:
        text = t("shift_standin.already_asked")
    elif offers:
        text = t("shift_standin.asked", count=offers)
    else:
        text = t("shift_standin.asked_nobody")
    back = Choice(t("shift_standin.can_come"), f"sk:{request.assignment_id}")
    return Reply(text, choices=(back, Choice(t("shifts.my_button"), "sm")))


async def can_come(ctx: Context) -> Replies:
    """The person can come after all: close their stand-in request."""
    closed = await standins.cancel(ctx.session, ctx.int_arg(0), ctx.person.id)
    return await mine(
        ctx, t("shift_standin.cancelled" if closed else "shift_standin.nothing_open")
    )


async def take(ctx: Context) -> Replies:
    """Accept a stand-in offer; only the first to accept gets the shift."""
    _, shift, location = await standins.take(
        ctx.session, ctx.int_arg(0), ctx.person.id, now=ctx.now, settings=ctx.services.settings
    )
    text = t("shift_standin.taken", when=shift_text.when(shift, tz(ctx)), place=location.name)
    return Reply(text, choices=(Choice(t("shifts.my_button"), "sm"), hub_choice()))


async def check_in(ctx: Context) -> Replies:
    """Check in for a shift, near its time."""
    opens = timedelta(minutes=config(ctx).checkin_minutes_before)
    assignment, shift = await attendance.check_in(
        ctx.session, ctx.int_arg(0), ctx.person.id, now=ctx.now, opens_before=opens, tz=tz(ctx)
    )
    at = shift_text.clock(assignment.checked_in_at or ctx.now, tz(ctx))
    text = t("shift_attend.checked_in", at=at, when=shift_text.when(shift, tz(ctx)))
    return Reply(text, choices=(Choice(t("shifts.my_button"), "sm"),))


async def unavailable(ctx: Context) -> Replies:
    """Days this person cannot work (auto-fill skips them); a day button toggles it."""
    first = today(ctx) + timedelta(days=1)
    last = first + timedelta(days=UNAVAILABLE_DAYS - 1)
    pressed = bool(ctx.args)
    if pressed:
        day = day_arg(ctx, 0)
        if not first <= day <= last:
            raise DomainError("shifts.day_out_of_range")
        await roster.toggle_unavailable(ctx.session, ctx.person.id, day, now=ctx.now)
    marked = {
        day for _, day in await roster.unavailable_days(ctx.session, [ctx.person.id], first, last)
    }
    choices = []
    for offset in range(UNAVAILABLE_DAYS):
        day = first + timedelta(days=offset)
        label = f"{shift_text.weekday_short(day.weekday())} {day:%d/%m}"
        box = "☑" if day in marked else "☐"
        choices.append(Choice(f"{box} {label}", f"su:{day_payload(day)}"))
    text = t("shifts.unavailable_title", count=len(marked))
    return Reply(text, choices=(*choices, hub_choice()), columns=2, replace=pressed)


def register(registry: Registry) -> None:
    registry.command("shifts", hub, roles=EVERYONE_ON_SHIFTS)
    registry.choice("sh", hub, roles=EVERYONE_ON_SHIFTS)
    registry.choice("so", open_list, roles=WORKERS)
    registry.choice("sj", sign_up, roles=WORKERS)
    registry.choice("sm", my_shifts, roles=WORKERS)
    registry.choice("sw", withdraw, roles=WORKERS)
    registry.choice("sb", cannot_come, roles=WORKERS)
    registry.choice("sk", can_come, roles=WORKERS)
    registry.choice("st", take, roles=WORKERS)
    registry.choice("sc", check_in, roles=WORKERS)
    registry.choice("su", unavailable, roles=WORKERS)
    registry.menu(t("shifts.menu"), "sh", roles=EVERYONE_ON_SHIFTS)
    shifts_roster.register(registry)
    shifts_autofill.register(registry)
    shifts_admin.register(registry)
