"""Admin: days the desk closes (beyond public holidays) and make-up working days.

Buttons: "sv" the list, "sv:closed" / "sv:working" add one, "sv:rm:<override>" remove one, and
"sq:<step>:<value>" for answers in the flow; a button from another step is refused as stale.
Government decisions the `holidays` package lacks (a make-up Saturday, an extra day off) go
here; the next generation follows them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies
from bot.db.models import DayOverride
from bot.locales import t
from bot.services.errors import DomainError
from bot.services.shifts import templates
from bot.services.shifts import text as shift_text
from handlers.shifts_common import ADMINS, setup_choice, today

DAY_FLOW = "shift_day"
DAY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?\s*$")


async def override_list(ctx: Context) -> Replies:
    """The "sv" family: list, start adding a closed or working day, remove one."""
    action = ctx.args[0] if ctx.args else ""
    if action in ("closed", "working"):
        ctx.start_flow(DAY_FLOW, "date", working=action == "working")
        return Reply(t("shift_admin.ask_day"), choices=(setup_choice(),))
    ctx.end_flow()
    if action != "rm":
        return await overrides(ctx)
    override = await ctx.session.get(DayOverride, ctx.int_arg(1))
    if override is None:
        raise DomainError("shift_admin.no_override")
    await templates.remove_override(
        ctx.session, override.day, location_id=override.location_id, actor_id=ctx.person.id
    )
    return await overrides(ctx, t("shift_admin.override_removed"))


async def overrides(ctx: Context, notice: str | None = None) -> Reply:
    """Closed and make-up working days from today on."""
    first = today(ctx)
    rows = list(
        await ctx.session.scalars(
            select(DayOverride).where(DayOverride.day >= first).order_by(DayOverride.day)
        )
    )
    lines = [notice + "\n"] if notice else []
    lines.append(t("shift_admin.overrides_title") if rows else t("shift_admin.no_overrides"))
    choices = []
    for row in rows:
        lines.append(_override_line(row))
        label = t("shift_admin.remove_override", day=f"{row.day:%d/%m/%Y}")
        choices.append(Choice(label, f"sv:rm:{row.id}"))
    choices += [
        Choice(t("shift_admin.add_closed"), "sv:closed"),
        Choice(t("shift_admin.add_working"), "sv:working"),
        setup_choice(),
    ]
    return Reply("\n".join(lines), choices=tuple(choices))


def _override_line(row: DayOverride) -> str:
    if not row.working:
        kind = t("shift_admin.kind_closed")
    else:
        weekday = row.as_weekday if row.as_weekday is not None else row.day.weekday()
        kind = t("shift_admin.kind_working", weekday=shift_text.weekday_name(weekday))
    note = f" — {row.note}" if row.note else ""
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


async def day_step(ctx: Context, raw: str, *, pressed: bool) -> Replies:
    """Date (typed), then for a working day which weekday's shifts (button), then a note."""
    step, data = ctx.state.step, ctx.state.data
    if step == "date":
        try:
            day = parse_day_text(raw, today(ctx))
        except DomainError as problem:
            text = f"{t(problem.key, **problem.values)}\n\n{t('shift_admin.ask_day')}"
            return Reply(text, choices=(setup_choice(),))
        if data.get("working"):
            ctx.set_step("weekday", day=day.isoformat())
            choices = [Choice(shift_text.weekday_name(w), f"sq:weekday:{w}") for w in range(7)]
            text = t("shift_admin.ask_weekday", day=shift_text.day_label(day))
            return Reply(text, choices=(*choices, setup_choice()), columns=2)
        ctx.set_step("note", day=day.isoformat())
        return ask_note()
    if step == "weekday":
        weekday = int(raw) if pressed and raw.isdigit() else -1
        if not 0 <= weekday <= 6:
            raise UserError(t("shift_admin.use_buttons"))
        ctx.set_step("note", as_weekday=weekday)
        return ask_note()
    note = None if pressed else raw.strip()[:200]
    day = date.fromisoformat(str(data["day"]))
    as_weekday = data.get("as_weekday")
    await templates.set_override(
        ctx.session,
        day,
        working=bool(data.get("working")),
        as_weekday=int(as_weekday) if as_weekday is not None else None,
        note=note,
        actor_id=ctx.person.id,
    )
    ctx.end_flow()
    return await overrides(ctx, t("shift_admin.override_saved", day=shift_text.day_label(day)))


def ask_note() -> Reply:
    return Reply(
        t("shift_admin.ask_note"),
        choices=(Choice(t("shift_admin.skip_note"), "sq:note:skip"), setup_choice()),
    )


async def typed(ctx: Context) -> Replies:
    """Typed text in the day flow."""
    return await day_step(ctx, ctx.incoming.text or "", pressed=False)


async def flow_button(ctx: Context) -> Replies:
    """ "sq:<step>:<value>": a button answer in the day flow; old buttons are refused."""
    flow, step = ctx.state.flow, ctx.state.step
    if flow != DAY_FLOW or len(ctx.args) != 2 or ctx.args[0] != step:
        return Reply(t("shift_admin.stale_button"), choices=(setup_choice(),))
    return await day_step(ctx, ctx.args[1], pressed=True)


def register(registry: Registry) -> None:
    registry.choice("sv", override_list, roles=ADMINS)
    registry.choice("sq", flow_button, roles=ADMINS)
    registry.flow(DAY_FLOW, typed, roles=ADMINS)
