"""Monthly personal targets in chat: admins give them, everyone with targets sees progress.

/targets (admins) runs the declared flow SET: person (a button, or a typed name or phone) →
field → month → the three numbers, each checked politely; saving is audited. A volunteer's or
officer's own progress per field is part of /kpi (handlers/reports.py calls in here).
"""

from __future__ import annotations

from bot.actions.targets import SetTarget
from bot.content.catalog import ProcedureField
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Replies, Reply
from bot.db.models import Person, Role
from bot.locales import t
from bot.services import targets
from bot.services.reports.kpis import Month
from bot.services.targets_text import own_progress_text
from handlers.communes import staff_commune

ADMINS = {Role.ADMIN}
MAX_BUTTONS = 12  # more people than this: type the name or phone


def fields_of(ctx: Context) -> dict[str, ProcedureField]:
    return ctx.services.catalog.procedure_fields()


def this_month(ctx: Context) -> Month:
    return Month.of(ctx.now.astimezone(ctx.services.settings.commune.tz).date())


async def own_progress(ctx: Context, month: Month) -> list[targets.Progress]:
    """The person's own targets of the month per field, with what they did."""
    return await targets.progress(
        ctx.session, month.first, month.last, fields_of(ctx), person_id=ctx.person.id
    )


async def own_progress_reply(ctx: Context, month: Month) -> Replies:
    """/kpi of a volunteer or officer: their own targets, or that they have none."""
    items = await own_progress(ctx, month)
    text = own_progress_text(items, month, ctx.person.display_name)
    return Reply(text, choices=(menu_choice(),))


async def with_own_progress(ctx: Context, month: Month, replies: Replies) -> Replies:
    """An official's or admin's /kpi, after their own targets when they have some (first, so
    the report's buttons stay on the last message)."""
    items = await own_progress(ctx, month)
    if not items:
        return replies
    listed = replies if isinstance(replies, list) else [replies]
    return [Reply(own_progress_text(items, month, ctx.person.display_name)), *listed]


def problem_text(problem: DomainError) -> str:
    return t(problem.key, **problem.values)


# ------------------------------------------------------------------------------- the flow


class TargetData(FlowData):
    person_id: int = 0
    name: str = ""
    field: ProcedureField = ProcedureField.OTHER
    month: str = ""  # YYYY-MM
    submitted: int = 0
    digitised: int = 0


async def start(ctx: Context) -> Replies:
    """/targets: give someone a monthly target."""
    if not await targets.holders(ctx.session, await staff_commune(ctx)):
        ctx.end_flow()
        return Reply(t("targets.no_holders"), choices=(menu_choice(),))
    return await SET.start(ctx, TargetData(), "person")


async def ask_person(ctx: Context, data: TargetData) -> Reply:
    people = (await targets.holders(ctx.session, await staff_commune(ctx)))[:MAX_BUTTONS]
    choices = [SET.option("person", p.id, targets.person_label(p)[:60]) for p in people]
    return Reply(t("targets.ask_person"), choices=(*choices, menu_choice()), columns=1)


async def read_person(ctx: Context, data: TargetData, answer: Answer) -> Next:
    person: Person | None
    if answer.pressed:
        raw = answer.text
        commune_id = await staff_commune(ctx)
        person = await targets.holder(ctx.session, int(raw), commune_id) if raw.isdigit() else None
        if person is None:
            raise Invalid(t("targets.not_holder"))
    else:
        try:
            person = await targets.find_person(ctx.session, answer.text, await staff_commune(ctx))
        except DomainError as problem:
            raise Invalid(problem_text(problem)) from None
    data.person_id, data.name = person.id, person.display_name or t("targets.no_name")
    return "field"


async def ask_field(ctx: Context, data: TargetData) -> Reply:
    choices = [
        SET.option("field", field.value, targets.field_label(field)) for field in ProcedureField
    ]
    return Reply(t("targets.ask_field", name=data.name), choices=tuple(choices), columns=2)


async def read_field(ctx: Context, data: TargetData, answer: Answer) -> Next:
    try:
        data.field = targets.parse_field(answer.text)
    except DomainError as problem:
        raise Invalid(problem_text(problem)) from None
    return "month"


async def ask_month(ctx: Context, data: TargetData) -> Reply:
    now = this_month(ctx)
    next_one = Month(now.year + now.month // 12, now.month % 12 + 1)
    choices = (
        SET.option("month", now.key, t("targets.this_month", month=now.label)),
        SET.option("month", next_one.key, t("targets.next_month", month=next_one.label)),
    )
    field = targets.field_label(data.field)
    return Reply(t("targets.ask_month", field=field, name=data.name), choices=choices)


async def read_month(ctx: Context, data: TargetData, answer: Answer) -> Next:
    try:
        data.month = Month.parse(answer.text).key
    except DomainError as problem:
        raise Invalid(problem_text(problem)) from None
    return "submitted"


async def ask_submitted(ctx: Context, data: TargetData) -> Reply:
    month = Month.parse(data.month)
    field = targets.field_label(data.field)
    text = t("targets.ask_submitted", month=month.label, field=field, name=data.name)
    current = await targets.get_target(ctx.session, data.person_id, data.field, month)
    if current is not None:
        numbers = {"submitted": current.submitted, "digitised": current.digitised}
        text += "\n" + t("targets.current", **numbers, paid=current.paid)
    return Reply(text)


def number(answer: Answer) -> int:
    try:
        return targets.parse_count(answer.text)
    except DomainError as problem:
        raise Invalid(problem_text(problem)) from None


async def read_submitted(ctx: Context, data: TargetData, answer: Answer) -> Next:
    data.submitted = number(answer)
    return "digitised"


async def ask_digitised(ctx: Context, data: TargetData) -> Reply:
    return Reply(t("targets.ask_digitised"))


async def read_digitised(ctx: Context, data: TargetData, answer: Answer) -> Next:
    data.digitised = number(answer)
    return "paid"


async def ask_paid(ctx: Context, data: TargetData) -> Reply:
    return Reply(t("targets.ask_paid"))


async def read_paid(ctx: Context, data: TargetData, answer: Answer) -> Next:
    """The last number: save the target and say what was set."""
    paid = number(answer)
    person = await targets.holder(ctx.session, data.person_id, await staff_commune(ctx))
    if person is None:
        return Done(Reply(t("targets.not_holder"), choices=(menu_choice(),)))
    month = Month.parse(data.month)
    numbers = targets.Numbers(data.submitted, data.digitised, paid)
    outcome = await targets.set_target(
        ctx.session, person, data.field, month, numbers, actor_id=ctx.person.id, now=ctx.now
    )
    text = t(
        f"targets.saved_{outcome}",
        month=month.label,
        name=data.name,
        field=targets.field_label(data.field),
        **numbers.as_dict(),
    )
    again = SetTarget().button(t("targets.set_another"))
    return Done(Reply(text, choices=(again, menu_choice())))


SET = Flow(
    "target_set",
    TargetData,
    {
        "person": Step(ask_person, read_person),
        "field": Step(ask_field, read_field),
        "month": Step(ask_month, read_month),
        "submitted": Step(ask_submitted, read_submitted),
        "digitised": Step(ask_digitised, read_digitised),
        "paid": Step(ask_paid, read_paid),
    },
    prefix="tg",
    texts=FlowTexts(stale="targets.stale_button", use_buttons="targets.use_buttons"),
)
