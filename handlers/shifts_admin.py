"""Admin set-up of the desk calendar: weekly templates and generating the shifts.

The overview lists the templates per location and the coming public holidays; a new template
is the flow TEMPLATE (location, weekdays, hours, people needed); retiring one retires its
weekday siblings too. /generate_shifts [weeks] does what the generate button does for the
configured horizon. Closed and make-up days: shifts_days.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from itertools import groupby

from sqlalchemy import select

from bot.actions.shifts import (
    AddTemplate,
    ChooseTemplateToRemove,
    DaysOff,
    GenerateShifts,
    RetireTemplate,
)
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Replies, Reply
from bot.db.models import Location, Role, ShiftTemplate
from bot.locales import t
from bot.services.shifts import calendar, roster
from bot.services.shifts import templates as shift_templates
from bot.services.shifts import text as shift_text
from handlers import shifts_days
from handlers.shifts_common import config, hub_choice, setup_choice, today, tz

ADMIN_ROLES = frozenset({Role.ADMIN})

PRESETS = (("weekdays", 0b0011111), ("saturday", 0b0100000), ("sunday", 0b1000000))
CLOCK = r"(\d{1,2})(?:[:hg.](\d{2}))?\s*[hg]?"
HOURS = re.compile(rf"^\s*{CLOCK}\s*(?:-|–|—|đến|den|to)\s*{CLOCK}\s*$", re.IGNORECASE)
MAX_WEEKS = 26


async def admin_places(ctx: Context) -> list[Location]:
    """The locations this admin sets shifts up for: those of their commune."""
    return await roster.locations_in(
        ctx.session, await roster.scope_of(ctx.session, ctx.person.id, ADMIN_ROLES)
    )


async def admin_templates(ctx: Context) -> tuple[dict[int, str], list[ShiftTemplate]]:
    """The admin's locations by id, and their active templates."""
    names = {loc.id: loc.name for loc in await admin_places(ctx)}
    templates = await shift_templates.list_templates(ctx.session)
    return names, [template for template in templates if template.location_id in names]


async def overview(ctx: Context, notice: str | None = None) -> Reply:
    """Templates per location and the days off coming up."""
    lines = [notice + "\n"] if notice else []
    lines.append(t("shift_admin.title"))
    names, templates = await admin_templates(ctx)
    groups = _groups(templates)
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
        AddTemplate().button(t("shift_admin.add_template")),
        ChooseTemplateToRemove().button(t("shift_admin.remove_template")),
        DaysOff().button(t("shift_admin.overrides_button")),
        GenerateShifts().button(t("shift_admin.generate_button", weeks=weeks)),
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


async def overview_command(ctx: Context) -> Replies:
    """/shift_setup: the calendar overview; for a province admin, the province's days off."""
    ctx.end_flow()
    if await shifts_days.deciding_commune(ctx) is None:
        return await shifts_days.overrides(ctx)
    return await overview(ctx)


async def removable(ctx: Context) -> Replies:
    """The templates (one line per weekday group), to pick one to retire."""
    ctx.end_flow()
    names, templates = await admin_templates(ctx)
    choices = []
    for group in _groups(templates):
        place = names.get(group[0].location_id, "?")[:24]
        label = f"{place}: {_group_line(group).lstrip('• ')}"
        choices.append(RetireTemplate(group[0].id).button(label[:60]))
    if not choices:
        return await overview(ctx, t("shift_admin.no_templates"))
    return Reply(t("shift_admin.choose_remove"), choices=(*choices, setup_choice()))


async def retire(ctx: Context, pressed: RetireTemplate) -> Replies:
    """Retire a template with its weekday siblings; shifts someone holds are kept."""
    ctx.end_flow()
    chosen = await ctx.session.get(ShiftTemplate, pressed.template)
    names, _ = await admin_templates(ctx)
    if chosen is None or not chosen.active or chosen.location_id not in names:
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
    commune_id = await shifts_days.deciding_commune(ctx)
    if commune_id is None:  # a province admin: every commune generates its own shifts
        raise DomainError("shift_admin.no_locations")
    report = await calendar.generate(
        ctx.session,
        commune_id=commune_id,
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


async def generate_default(ctx: Context) -> Replies:
    """The generate button: the configured number of weeks."""
    ctx.end_flow()
    return await generate(ctx, config(ctx).horizon_weeks)


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


# ----------------------------------------------------------------------- the template flow


class NewTemplate(FlowData):
    location_id: int = 0
    mask: int = 0  # weekdays, bit 0 = Monday
    starts: time | None = None
    ends: time | None = None


async def add_template(ctx: Context) -> Replies:
    """Start a new weekly template: location, weekdays, hours, people needed."""
    if not await admin_places(ctx):
        ctx.end_flow()
        return Reply(t("shift_admin.no_locations"), choices=(setup_choice(),))
    return await TEMPLATE.start(ctx, NewTemplate(), "location")


async def ask_location(ctx: Context, data: NewTemplate) -> Reply:
    places = await admin_places(ctx)
    choices = [TEMPLATE.option("location", place.id, place.name) for place in places]
    return Reply(t("shift_admin.ask_location"), choices=(*choices, setup_choice()))


async def read_location(ctx: Context, data: NewTemplate, answer: Answer) -> Next:
    raw = answer.text
    location = await ctx.session.get(Location, int(raw)) if raw.isdigit() else None
    if location is None or location not in await admin_places(ctx):
        raise Invalid(t("shift_admin.use_buttons"))
    data.location_id = location.id
    return "days"


async def ask_days(ctx: Context, data: NewTemplate) -> Reply:
    choices = [
        TEMPLATE.option("days", mask, t(f"shift_admin.preset_{name}")) for name, mask in PRESETS
    ]
    choices += [
        TEMPLATE.option("days", 1 << day, shift_text.weekday_name(day)) for day in range(5)
    ]
    return Reply(t("shift_admin.ask_days"), choices=(*choices, setup_choice()), columns=2)


async def read_days(ctx: Context, data: NewTemplate, answer: Answer) -> Next:
    mask = int(answer.text) if answer.text.isdigit() else 0
    if not 0 < mask < 128:
        raise Invalid(t("shift_admin.use_buttons"))
    data.mask = mask
    return "hours"


async def ask_hours(ctx: Context, data: NewTemplate) -> Reply:
    return Reply(t("shift_admin.ask_hours"), choices=(setup_choice(),))


async def read_hours(ctx: Context, data: NewTemplate, answer: Answer) -> Next:
    try:
        data.starts, data.ends = parse_hours(answer.text)
    except DomainError as problem:
        raise Invalid(t(problem.key, **problem.values)) from None
    return "needed"


async def ask_needed(ctx: Context, data: NewTemplate) -> Reply:
    choices = [TEMPLATE.option("needed", n, str(n)) for n in range(1, 5)]
    return Reply(t("shift_admin.ask_needed"), choices=(*choices, setup_choice()), columns=4)


async def read_needed(ctx: Context, data: NewTemplate, answer: Answer) -> Next:
    raw = answer.text.strip()
    needed = int(raw) if raw.isascii() and raw.isdigit() else 0
    if not 1 <= needed <= shift_templates.MAX_NEEDED:
        raise Invalid(t("shift_admin.bad_needed", limit=shift_templates.MAX_NEEDED))
    location = await ctx.session.get(Location, data.location_id)
    if location is None or data.starts is None or data.ends is None:
        raise DomainError("shift_admin.no_locations")
    weekdays = [day for day in range(7) if data.mask & (1 << day)]
    created = await shift_templates.add_templates(
        ctx.session,
        location,
        weekdays,
        data.starts,
        data.ends,
        needed,
        actor_id=ctx.person.id,
    )
    return Done(await overview(ctx, t("shift_admin.template_added", count=len(created))))


TEMPLATE = Flow(
    "shift_tpl",
    NewTemplate,
    {
        "location": Step(ask_location, read_location, typed=False),
        "days": Step(ask_days, read_days, typed=False),
        "hours": Step(ask_hours, read_hours),
        "needed": Step(ask_needed, read_needed),
    },
    prefix="sp",
    texts=FlowTexts(stale="shift_admin.stale_button", use_buttons="shift_admin.use_buttons"),
    way_out=setup_choice,
)
