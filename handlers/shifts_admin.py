"""Admin set-up of the desk calendar: weekly templates and generating the shifts.

Buttons: "sg" overview, "sg:add" new template, "sg:del" / "sg:rm:<template>" retire a
template (with its weekday siblings), "sg:gen" create the shifts, and "sp:<step>:<value>"
for answers in the template flow; a button from another step is refused as stale.
/generate_shifts [weeks] does what "sg:gen" does. Closed and make-up days: shifts_days.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from itertools import groupby

from sqlalchemy import select

from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies
from bot.db.models import Location, ShiftTemplate
from bot.locales import t
from bot.services.errors import DomainError
from bot.services.shifts import calendar, roster
from bot.services.shifts import templates as shift_templates
from bot.services.shifts import text as shift_text
from handlers import shifts_days
from handlers.shifts_common import ADMINS, config, hub_choice, setup_choice, today, tz

TEMPLATE_FLOW = "shift_tpl"
PRESETS = (("weekdays", 0b0011111), ("saturday", 0b0100000), ("sunday", 0b1000000))
CLOCK = r"(\d{1,2})(?:[:hg.](\d{2}))?\s*[hg]?"
HOURS = re.compile(rf"^\s*{CLOCK}\s*(?:-|–|—|đến|den|to)\s*{CLOCK}\s*$", re.IGNORECASE)
MAX_WEEKS = 26


async def overview(ctx: Context, notice: str | None = None) -> Reply:
    """Templates per location and the days off coming up."""
    lines = [notice + "\n"] if notice else []
    lines.append(t("shift_admin.title"))
    names = {loc.id: loc.name for loc in await roster.locations_in(ctx.session, None)}
    groups = _groups(await shift_templates.list_templates(ctx.session))
    if not groups:
        lines.append(t("shift_admin.no_templates"))
    for location_id, items in groupby(groups, key=lambda group: group[0].location_id):
        lines.append(f"\n{names.get(location_id, '?')}:")
        lines.extend(_group_line(group) for group in items)
    first = today(ctx)
    upcoming = _days_off(ctx, first, first + timedelta(days=56))
    if upcoming:
        lines.append("\n" + t("shift_admin.days_off_title"))
        lines.extend(upcoming)
    weeks = config(ctx).horizon_weeks
    choices = (
        Choice(t("shift_admin.add_template"), "sg:add"),
        Choice(t("shift_admin.remove_template"), "sg:del"),
        Choice(t("shift_admin.overrides_button"), "sv"),
        Choice(t("shift_admin.generate_button", weeks=weeks), "sg:gen"),
        hub_choice(),
    )
    return Reply("\n".join(lines), choices=choices)


def _groups(templates: list[ShiftTemplate]) -> list[list[ShiftTemplate]]:
    """Templates of one location with the same hours and size, whatever the weekday."""
    groups: dict[tuple[int, time, time, int], list[ShiftTemplate]] = {}
    for template in templates:
        key = (template.location_id, template.starts, template.ends, template.needed)
        groups.setdefault(key, []).append(template)
    return sorted(groups.values(), key=lambda g: (g[0].location_id, g[0].starts, g[0].weekday))


def _group_line(group: list[ShiftTemplate]) -> str:
    first = group[0]
    return t(
        "shift_admin.template_line",
        days=shift_text.weekday_set([template.weekday for template in group]),
        hours=f"{shift_text.clock(first.starts)}–{shift_text.clock(first.ends)}",
        needed=first.needed,
    )


def _days_off(ctx: Context, first: date, last: date) -> list[str]:
    lines = []
    for year in range(first.year, last.year + 1):
        for day, name in calendar.public_holidays(year).items():
            if first <= day <= last:
                lines.append(f"• {shift_text.day_label(day)}: {name}")
    return lines


async def templates(ctx: Context) -> Replies:
    """The "sg" family: overview, add, remove, generate."""
    action = ctx.args[0] if ctx.args else ""
    ctx.end_flow()
    if action == "add":
        places = await roster.locations_in(ctx.session, None)
        if not places:
            return Reply(t("shift_admin.no_locations"), choices=(setup_choice(),))
        ctx.start_flow(TEMPLATE_FLOW, "location")
        choices = [Choice(place.name, f"sp:location:{place.id}") for place in places]
        return Reply(t("shift_admin.ask_location"), choices=(*choices, setup_choice()))
    if action == "del":
        return await removable(ctx)
    if action == "rm":
        return await retire(ctx)
    if action == "gen":
        return await generate(ctx, config(ctx).horizon_weeks)
    return await overview(ctx)


async def removable(ctx: Context) -> Reply:
    names = {loc.id: loc.name for loc in await roster.locations_in(ctx.session, None)}
    choices = []
    for group in _groups(await shift_templates.list_templates(ctx.session)):
        place = names.get(group[0].location_id, "?")[:24]
        label = f"{place}: {_group_line(group).lstrip('• ')}"
        choices.append(Choice(label[:60], f"sg:rm:{group[0].id}"))
    if not choices:
        return await overview(ctx, t("shift_admin.no_templates"))
    return Reply(t("shift_admin.choose_remove"), choices=(*choices, setup_choice()))


async def retire(ctx: Context) -> Reply:
    chosen = await ctx.session.get(ShiftTemplate, ctx.int_arg(1))
    if chosen is None or not chosen.active:
        raise DomainError("shift_admin.no_template")
    siblings = await ctx.session.scalars(
        select(ShiftTemplate.id).where(
            ShiftTemplate.location_id == chosen.location_id,
            ShiftTemplate.starts == chosen.starts,
            ShiftTemplate.ends == chosen.ends,
            ShiftTemplate.needed == chosen.needed,
            ShiftTemplate.active.is_(True),
        )
    )
    for template_id in list(siblings):
        await shift_templates.retire_template(ctx.session, template_id, actor_id=ctx.person.id)
    return await overview(ctx, t("shift_admin.removed"))


async def generate(ctx: Context, weeks: int) -> Reply:
    """Create the shifts of the coming weeks from the templates, skipping days off."""
    report = await calendar.generate(
        ctx.session,
        first_day=today(ctx),
        weeks=weeks,
        now=ctx.now,
        tz=tz(ctx),
        skip_holidays=config(ctx).skip_public_holidays,
    )
    lines = [
        t(
            "shift_admin.generated",
            first=f"{report.first_day:%d/%m/%Y}",
            last=f"{report.last_day:%d/%m/%Y}",
            created=report.created,
            reopened=report.reopened,
            updated=report.updated,
            cancelled=report.cancelled,
        )
    ]
    if report.closed_days:
        lines.append(t("shift_admin.skipped_days"))
        for day, reason in sorted(report.closed_days.items()):
            lines.append(f"• {shift_text.day_label(day)}: {reason or t('shift_admin.closed')}")
    if report.kept:
        lines.append(t("shift_admin.kept", count=len(report.kept)))
        lines.extend(f"• {shift_text.when(shift, tz(ctx))}" for shift in report.kept)
    return Reply("\n".join(lines), choices=(setup_choice(),))


async def generate_command(ctx: Context) -> Replies:
    """/generate_shifts [weeks]."""
    weeks = ctx.int_arg(0) if ctx.args else config(ctx).horizon_weeks
    if not 1 <= weeks <= MAX_WEEKS:
        raise DomainError("shift_admin.bad_weeks", limit=MAX_WEEKS)
    return await generate(ctx, weeks)


def parse_hours(raw: str) -> tuple[time, time]:
    found = HOURS.match(raw)
    if found is None:
        raise DomainError("shift_admin.bad_hours")
    try:
        starts = time(int(found[1]), int(found[2] or 0))
        ends = time(int(found[3]), int(found[4] or 0))
    except ValueError:
        raise DomainError("shift_admin.bad_hours") from None
    if not starts < ends:
        raise DomainError("shift_admin.bad_hours")
    return starts, ends


# ------------------------------------------------------------------------------- the flows


async def template_step(ctx: Context, raw: str, *, pressed: bool) -> Replies:
    """Location (button), weekdays (button), hours (typed), people needed (button or typed)."""
    step, data = ctx.state.step, ctx.state.data
    if step == "location":
        location = await ctx.session.get(Location, int(raw)) if pressed and raw.isdigit() else None
        if location is None:
            raise UserError(t("shift_admin.use_buttons"))
        ctx.set_step("days", location_id=location.id)
        choices = [
            Choice(t(f"shift_admin.preset_{name}"), f"sp:days:{mask}") for name, mask in PRESETS
        ]
        choices += [
            Choice(shift_text.weekday_name(day), f"sp:days:{1 << day}") for day in range(5)
        ]
        return Reply(t("shift_admin.ask_days"), choices=(*choices, setup_choice()), columns=2)
    if step == "days":
        mask = int(raw) if pressed and raw.isdigit() else 0
        if not 0 < mask < 128:
            raise UserError(t("shift_admin.use_buttons"))
        ctx.set_step("hours", mask=mask)
        return Reply(t("shift_admin.ask_hours"), choices=(setup_choice(),))
    if step == "hours":
        try:
            starts, ends = parse_hours(raw)
        except DomainError as problem:
            text = f"{t(problem.key)}\n\n{t('shift_admin.ask_hours')}"
            return Reply(text, choices=(setup_choice(),))
        ctx.set_step("needed", starts=f"{starts:%H:%M}", ends=f"{ends:%H:%M}")
        choices = [Choice(str(n), f"sp:needed:{n}") for n in range(1, 5)]
        return Reply(t("shift_admin.ask_needed"), choices=(*choices, setup_choice()), columns=4)
    needed = int(raw) if raw.strip().isdigit() else 0
    if not 1 <= needed <= shift_templates.MAX_NEEDED:
        warning = t("shift_admin.bad_needed", limit=shift_templates.MAX_NEEDED)
        choices = [Choice(str(n), f"sp:needed:{n}") for n in range(1, 5)]
        text = f"{warning}\n\n{t('shift_admin.ask_needed')}"
        return Reply(text, choices=(*choices, setup_choice()), columns=4)
    location = await ctx.session.get(Location, int(data["location_id"]))
    if location is None:
        raise DomainError("shift_admin.no_locations")
    weekdays = [day for day in range(7) if int(data["mask"]) & (1 << day)]
    created = await shift_templates.add_templates(
        ctx.session,
        location,
        weekdays,
        time.fromisoformat(str(data["starts"])),
        time.fromisoformat(str(data["ends"])),
        needed,
        actor_id=ctx.person.id,
    )
    ctx.end_flow()
    return await overview(ctx, t("shift_admin.template_added", count=len(created)))


async def typed(ctx: Context) -> Replies:
    """Typed text in the template flow."""
    return await template_step(ctx, ctx.incoming.text or "", pressed=False)


async def flow_button(ctx: Context) -> Replies:
    """ "sp:<step>:<value>": a button answer in the template flow; old buttons are refused."""
    flow, step = ctx.state.flow, ctx.state.step
    if flow != TEMPLATE_FLOW or len(ctx.args) != 2 or ctx.args[0] != step:
        return Reply(t("shift_admin.stale_button"), choices=(setup_choice(),))
    return await template_step(ctx, ctx.args[1], pressed=True)


async def overview_command(ctx: Context) -> Replies:
    """/shift_setup: the calendar overview."""
    ctx.end_flow()
    return await overview(ctx)


def register(registry: Registry) -> None:
    registry.command("shift_setup", overview_command, roles=ADMINS)
    registry.command("generate_shifts", generate_command, roles=ADMINS)
    registry.choice("sg", templates, roles=ADMINS)
    registry.choice("sp", flow_button, roles=ADMINS)
    registry.flow(TEMPLATE_FLOW, typed, roles=ADMINS)
    shifts_days.register(registry)
