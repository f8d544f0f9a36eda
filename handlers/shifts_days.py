"""Admin: days the desk closes (beyond public holidays) and make-up working days.

A commune's admin sets their commune's days (and sees the province's, marked); a province
admin sets province-wide ones, which every commune follows unless it decided that day itself.
Someone who is both switches between the two lists; each list's buttons say which it is.

A day is added with the flow DAY_OFF: the date, for a working day the weekday whose shifts it
runs, then a note (or skip). Government decisions the `holidays` package lacks (a make-up
Saturday, an extra day off) go here; the next generation follows them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from bot.actions.shifts import (
    AddClosedDay,
    AddWorkingDay,
    DaysOff,
    ProvinceDaysOff,
    RemoveDayOff,
)
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Replies, Reply
from bot.db.models import DayOverride, Role
from bot.locales import t
from bot.services import people
from bot.services.shifts import templates
from bot.services.shifts import text as shift_text
from handlers.shifts_common import setup_choice, today

DAY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?\s*$")


async def overrides_command(ctx: Context) -> Replies:
    """Closed and make-up working days from today on, with add and remove buttons."""
    ctx.end_flow()
    return await overrides(ctx)


async def province_overrides_command(ctx: Context) -> Replies:
    """The province-wide days: the menu's entry for province admins, and the switch for one who
    is also a commune's admin."""
    ctx.end_flow()
    return await overrides(ctx, province=True)


async def remove(ctx: Context, pressed: RemoveDayOff) -> Replies:
    """Remove a closed or make-up day; the next generation follows the usual calendar. Only
    the deciding commune's admin (a province-wide one: a province admin) removes it; anything
    else is answered as a day no longer listed."""
    ctx.end_flow()
    override = await ctx.session.get(DayOverride, pressed.override)
    province = override is not None and override.commune_id is None
    if override is None or override.commune_id != await deciding_commune(ctx, province=province):
        raise DomainError("shift_admin.no_override")
    await templates.remove_override(
        ctx.session,
        override.day,
        commune_id=override.commune_id,
        location_id=override.location_id,
        actor_id=ctx.person.id,
    )
    return await overrides(ctx, t("shift_admin.override_removed"), province=province)


async def deciding_commune(ctx: Context, *, province: bool = False) -> int | None:
    """Whose days off this person sets: None (the province-wide days) for a province admin who
    asks for them or is no commune's admin; otherwise the commune they are admin of. Asking for
    the province's without the role (a forged button) gets one's own commune."""
    if province and Role.PROVINCE_ADMIN in ctx.roles:
        return None
    mine = await people.communes_of(ctx.session, ctx.person.id, {Role.ADMIN})
    return min(mine) if mine else None


async def overrides(ctx: Context, notice: str | None = None, *, province: bool = False) -> Reply:
    """Closed and make-up working days from today on: a commune admin's own (which they may
    remove) and the province's (shown, marked); a province admin's province-wide ones."""
    first = today(ctx)
    commune_id = await deciding_commune(ctx, province=province)
    rows = list(
        await ctx.session.scalars(
            select(DayOverride)
            .where(DayOverride.day >= first, templates.applying_to(commune_id))
            .order_by(DayOverride.day, DayOverride.commune_id.is_not(None), DayOverride.id)
        )
    )
    lines = [notice + "\n"] if notice else []
    title = (
        t("shift_admin.overrides_title")
        if commune_id is not None
        else t("shift_admin.province_overrides_title")
    )
    lines.append(title if rows else t("shift_admin.no_overrides"))
    choices = []
    for row in rows:
        lines.append(_override_line(row, marked=commune_id is not None))
        if row.commune_id == commune_id:
            label = t("shift_admin.remove_override", day=f"{row.day:%d/%m/%Y}")
            choices.append(RemoveDayOff(row.id).button(label))
    wide = commune_id is None
    choices += [
        AddClosedDay(province=wide).button(t("shift_admin.add_closed")),
        AddWorkingDay(province=wide).button(t("shift_admin.add_working")),
    ]
    if Role.PROVINCE_ADMIN in ctx.roles and await deciding_commune(ctx) is not None:
        switch = DaysOff() if wide else ProvinceDaysOff()
        other = "shift_admin.commune_days_button" if wide else "shift_admin.days_off_menu"
        choices.append(switch.button(t(other)))
    choices.append(setup_choice())
    return Reply("\n".join(lines), choices=tuple(choices))


def _override_line(row: DayOverride, *, marked: bool) -> str:
    if not row.working:
        kind = t("shift_admin.kind_closed")
    else:
        weekday = row.as_weekday if row.as_weekday is not None else row.day.weekday()
        kind = t("shift_admin.kind_working", weekday=shift_text.weekday_name(weekday))
    note = f" — {row.note}" if row.note else ""
    if marked and row.commune_id is None:
        kind += f" ({t('shift_admin.province_wide')})"
    return f"• {shift_text.day_label(row.day)}: {kind}{note}"


def parse_day_text(raw: str, today_: date) -> date:
    """ "22/8/2026", "22-08" (the next such day) -> a date."""
    found = DAY.match(raw)
    if found is None:
        raise DomainError("shift_admin.bad_day")
    day_, month, year = int(found[1]), int(found[2]), found[3]
    try:
        chosen = date(int(year) if year else today_.year, month, day_)
        if not year and chosen < today_:
            chosen = chosen.replace(year=today_.year + 1)
    except ValueError:
        raise DomainError("shift_admin.bad_day") from None
    if chosen < today_ or chosen > today_ + timedelta(days=730):
        raise DomainError("shift_admin.day_out_of_range")
    return chosen


# ---------------------------------------------------------------------------- the day flow


class DayOff(FlowData):
    working: bool
    province: bool = False  # a province-wide day (see deciding_commune)
    day: date | None = None
    as_weekday: int | None = None  # a working day runs this weekday's shifts


async def add_closed_day(ctx: Context, pressed: AddClosedDay) -> Replies:
    """Add a day the desk closes."""
    return await DAY_OFF.start(ctx, DayOff(working=False, province=pressed.province), "date")


async def add_working_day(ctx: Context, pressed: AddWorkingDay) -> Replies:
    """Add a make-up working day."""
    return await DAY_OFF.start(ctx, DayOff(working=True, province=pressed.province), "date")


async def ask_date(ctx: Context, data: DayOff) -> Reply:
    return Reply(t("shift_admin.ask_day"), choices=(setup_choice(),))


async def read_date(ctx: Context, data: DayOff, answer: Answer) -> Next:
    try:
        data.day = parse_day_text(answer.text, today(ctx))
    except DomainError as problem:
        raise Invalid(t(problem.key, **problem.values)) from None
    return "weekday" if data.working else "note"


async def ask_weekday(ctx: Context, data: DayOff) -> Reply:
    choices = [DAY_OFF.option("weekday", w, shift_text.weekday_name(w)) for w in range(7)]
    day = shift_text.day_label(data.day) if data.day else ""
    text = t("shift_admin.ask_weekday", day=day)
    return Reply(text, choices=(*choices, setup_choice()), columns=2)


async def read_weekday(ctx: Context, data: DayOff, answer: Answer) -> Next:
    weekday = int(answer.text) if answer.text.isdigit() else -1
    if not 0 <= weekday <= 6:
        raise Invalid(t("shift_admin.use_buttons"))
    data.as_weekday = weekday
    return "note"


async def ask_note(ctx: Context, data: DayOff) -> Reply:
    skip = DAY_OFF.option("note", "skip", t("shift_admin.skip_note"))
    return Reply(t("shift_admin.ask_note"), choices=(skip, setup_choice()))


async def read_note(ctx: Context, data: DayOff, answer: Answer) -> Next:
    if data.day is None:
        return DAY_OFF.stale(ctx)
    await templates.set_override(
        ctx.session,
        data.day,
        working=data.working,
        commune_id=await deciding_commune(ctx, province=data.province),
        as_weekday=data.as_weekday,
        note=None if answer.pressed else answer.text.strip()[:200],
        actor_id=ctx.person.id,
    )
    saved = t("shift_admin.override_saved", day=shift_text.day_label(data.day))
    return Done(await overrides(ctx, saved, province=data.province))


DAY_OFF = Flow(
    "shift_day",
    DayOff,
    {
        "date": Step(ask_date, read_date),
        "weekday": Step(ask_weekday, read_weekday, typed=False),
        "note": Step(ask_note, read_note),
    },
    prefix="sq",
    texts=FlowTexts(stale="shift_admin.stale_button", use_buttons="shift_admin.use_buttons"),
    way_out=setup_choice,
)
