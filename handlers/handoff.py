"""Reaching a person: the "Gặp cán bộ" screen, the request flow, taking, relaying, closing.

Every action re-checks on the server who may do it: the list and "take" need a volunteer,
officer or admin role (declared at registration); writing to the citizen only the staff
member who took the request; "done" that person or an admin; replying and cancelling only the
citizen who asked. Someone else's request looks the same as a missing one.
"""

from __future__ import annotations

from datetime import datetime

from bot.actions.guides import OpenGuide
from bot.actions.handoff import (
    AskStaff,
    CancelRequest,
    CloseRequest,
    MyRequest,
    OpenRequest,
    RequestList,
    SkipPhone,
    StopWriting,
    TakeRequest,
    WriteToCitizen,
    WriteToStaff,
)
from bot.core.actions import menu_choice
from bot.core.context import Context, UserError
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.db.models import HelpRequest, HelpStatus, Person, Role
from bot.locales import t
from bot.services import handoff, questions, survey
from bot.services.households import normalize_phone
from bot.services.privacy import mask_phone
from handlers.guides import HELP_DESK, desk_where

STAFF = set(handoff.TAKE_ROLES)
TEXTS = FlowTexts(stale="handoff.stale_button")


def stop_choice() -> Choice:
    return StopWriting().button(t("handoff.stop_button"))


def when(ctx: Context, at: datetime) -> str:
    return at.astimezone(ctx.services.settings.commune.tz).strftime("%H:%M %d/%m/%Y")


async def status_text(ctx: Context, request: HelpRequest) -> str:
    if request.status == HelpStatus.TAKEN and request.taken_by_id is not None:
        staff = await ctx.session.get(Person, request.taken_by_id)
        return t("handoff.status_taken", staff=handoff.name_of(staff))
    return t("handoff.status_open")


# ------------------------------------------------------------------------ citizen: asking


async def hub(ctx: Context) -> Replies:
    """Where and when the desk works, and a way to ask staff to get in touch."""
    ctx.end_flow()
    guide = ctx.services.catalog.get(HELP_DESK)
    where = await desk_where(ctx) or (guide.where if guide else None)
    text = t("handoff.hub", where=where) if where else t("handoff.hub_plain")
    active = await handoff.active_for(ctx.session, ctx.person.id)
    if active is not None:
        status = await status_text(ctx, active)
        text += t("handoff.hub_waiting", number=active.id, status=status)
    choices = [
        MyRequest().button(t("handoff.mine_button"))
        if active
        else AskStaff().button(t("handoff.ask_button"))
    ]
    if guide is not None:
        choices.append(OpenGuide(HELP_DESK).button(t("handoff.desk_button")))
    if ctx.has_role(*STAFF):
        choices.append(RequestList().button(t("handoff.list_button")))
    return Reply(text, choices=(*choices, menu_choice()))


class Question(FlowData):
    question: str = ""


async def ask(ctx: Context) -> Replies:
    """Start a request: what the person needs, in their own words."""
    if await handoff.active_for(ctx.session, ctx.person.id) is not None:
        return await mine(ctx, notice=t("handoff.already_waiting"))
    return await ASK.start(ctx, Question(), "question")


async def ask_question(ctx: Context, data: Question) -> Reply:
    return Reply(t("handoff.ask_question", limit=handoff.MAX_QUESTION), choices=(stop_choice(),))


async def read_question(ctx: Context, data: Question, answer: Answer) -> Next:
    try:
        data.question = handoff.clean_text(answer.text, handoff.MAX_QUESTION)
    except DomainError as problem:
        raise Invalid(t(problem.key, **problem.values)) from None
    return "phone"


async def ask_phone(ctx: Context, data: Question) -> Reply:
    return Reply(
        t("handoff.ask_phone"),
        choices=(SkipPhone().button(t("handoff.skip_phone_button")), stop_choice()),
    )


async def read_phone(ctx: Context, data: Question, answer: Answer) -> Next:
    try:
        phone = normalize_phone(answer.text)
    except DomainError:
        phone = None
    if phone is None:
        raise Invalid(t("handoff.bad_phone"))
    return Done(await submit(ctx, data.question, phone))


ASK = Flow(
    "ho_ask",
    Question,
    {"question": Step(ask_question, read_question), "phone": Step(ask_phone, read_phone)},
    texts=TEXTS,
)


async def skip_phone(ctx: Context) -> Replies:
    """ "Only message me here": send the request without a phone number."""
    data = ASK.data_of(ctx)
    if data is None or ctx.state.step != "phone":
        return ASK.stale(ctx)
    ctx.end_flow()
    return await submit(ctx, data.question, None)


async def submit(ctx: Context, question: str, phone: str | None) -> Reply:
    """Store the request, tell the staff, and give the person its number."""
    request = await handoff.create(ctx.session, ctx.person, question, phone, now=ctx.now)
    contact = (
        t("handoff.contact_phone", phone=mask_phone(phone)) if phone else t("handoff.contact_chat")
    )
    created = t("handoff.created", number=request.id, contact=contact)
    if request.question != question:
        created += "\n\n" + t("handoff.numbers_hidden")
    return Reply(
        created,
        choices=(MyRequest().button(t("handoff.mine_button")), menu_choice()),
    )


async def stop(ctx: Context) -> Replies:
    """Leave a handoff flow without sending anything."""
    if not any(flow.is_current(ctx) for flow in (ASK, TO_CITIZEN, TO_STAFF)):
        return ASK.stale(ctx)
    ctx.end_flow()
    return Reply(t("handoff.stopped"), choices=(menu_choice(),))


# ---------------------------------------------------------------- citizen: own request


async def mine(ctx: Context, notice: str | None = None) -> Replies:
    """The person's request in progress, with cancel (and reply, once someone took it)."""
    ctx.end_flow()
    request = await handoff.active_for(ctx.session, ctx.person.id)
    if request is None:
        text = await questions.waiting_note(ctx.session, ctx.person.id, ctx.now)
        return Reply(
            text or t("handoff.none_mine"),
            choices=(AskStaff().button(t("handoff.ask_button")), menu_choice()),
        )
    contact = (
        t("handoff.mine_phone", phone=mask_phone(request.phone))
        if request.phone
        else t("handoff.mine_no_phone")
    )
    text = t(
        "handoff.mine",
        number=request.id,
        status=await status_text(ctx, request),
        when=when(ctx, request.created_at),
        question=request.question,
        contact=contact,
    )
    choices = [CancelRequest(request.id).button(t("handoff.cancel_button")), menu_choice()]
    if request.status == HelpStatus.TAKEN:
        choices.insert(0, WriteToStaff(request.id).button(t("handoff.reply_button")))
    return Reply(f"{notice}\n\n{text}" if notice else text, choices=tuple(choices))


async def cancel(ctx: Context, pressed: CancelRequest) -> Replies:
    """Cancel one's own request, after a confirmation."""
    request = await handoff.own(ctx.session, pressed.request, ctx.person.id)
    if pressed.sure is None:
        if request.status not in handoff.ACTIVE:
            raise DomainError("handoff.over")
        return Reply(
            t("handoff.cancel_question", number=request.id),
            choices=(
                CancelRequest(request.id, sure=True).button(t("handoff.cancel_yes")),
                MyRequest().button(t("handoff.keep_button")),
            ),
            columns=2,
        )
    if not pressed.sure:
        raise UserError(t("errors.bad_button"))
    await handoff.cancel(ctx.session, request.id, ctx.person, now=ctx.now)
    ctx.end_flow()
    return Reply(t("handoff.cancelled", number=request.id), choices=(menu_choice(),))


class Conversation(FlowData):
    request: int


async def write_to_staff(ctx: Context, pressed: WriteToStaff) -> Replies:
    """ "Reply": the citizen's next message goes to the staff member handling the request."""
    request = await handoff.own(ctx.session, pressed.request, ctx.person.id)
    if request.status != HelpStatus.TAKEN:
        raise DomainError("handoff.over")
    return await TO_STAFF.start(ctx, Conversation(request=request.id), "text")


async def ask_for_staff(ctx: Context, data: Conversation) -> Reply:
    return Reply(t("handoff.write_to_staff", number=data.request), choices=(stop_choice(),))


async def ask_for_citizen(ctx: Context, data: Conversation) -> Reply:
    request = await handoff.handled_by(ctx.session, data.request, ctx.person.id)
    citizen = await ctx.session.get(Person, request.person_id)
    text = t("handoff.write_to_citizen", name=handoff.name_of(citizen), number=request.id)
    return Reply(text, choices=(stop_choice(),))


async def relay(ctx: Context, data: Conversation, answer: Answer) -> Next:
    """Text typed after "reply" or "message the citizen", relayed to the other side."""
    to_citizen = TO_CITIZEN.is_current(ctx)
    try:
        if to_citizen:
            request = await handoff.handled_by(ctx.session, data.request, ctx.person.id)
        else:
            request = await handoff.own(ctx.session, data.request, ctx.person.id)
            if request.status != HelpStatus.TAKEN:
                raise DomainError("handoff.over")
        text = handoff.clean_text(answer.text, handoff.MAX_MESSAGE)
    except DomainError as problem:
        if problem.key in ("handoff.too_long", "handoff.empty_text"):
            return Reply(t(problem.key, **problem.values), choices=(stop_choice(),))
        # The request is over: leave the flow rather than loop.
        return Done(Reply(t(problem.key, **problem.values), choices=(menu_choice(),)))
    await handoff.relay(ctx.session, request, ctx.person, text, now=ctx.now)
    if not to_citizen:
        return Done(Reply(t("handoff.sent_to_staff"), choices=(menu_choice(),)))
    choices = (*handoff.staff_actions(request.id, more=True), menu_choice())
    return Done(Reply(t("handoff.sent_to_citizen", number=request.id), choices=choices, columns=2))


TO_STAFF = Flow("ho_to_staff", Conversation, {"text": Step(ask_for_staff, relay)}, texts=TEXTS)
TO_CITIZEN = Flow(
    "ho_to_citizen", Conversation, {"text": Step(ask_for_citizen, relay)}, texts=TEXTS
)


# ---------------------------------------------------------------------------- staff side


async def staff_list(ctx: Context) -> Replies:
    """Requests waiting for someone, and those this staff member handles."""
    rows = await handoff.queue(ctx.session, ctx.person.id, ctx.roles, ctx.now)
    if not rows:
        return Reply(t("handoff.list_empty"), choices=(menu_choice(),))
    lines = [t("handoff.list_title", count=len(rows))]
    choices: list[Choice] = []
    for request in rows:
        citizen = await ctx.session.get(Person, request.person_id)
        taken = request.status == HelpStatus.TAKEN
        question = request.question if len(request.question) <= 80 else request.question[:79] + "…"
        lines.append(
            t(
                "handoff.list_line",
                number=request.id,
                name=handoff.name_of(citizen),
                when=when(ctx, request.created_at),
                mine=t("handoff.list_mine") if taken else "",
                question=" ".join(question.split()),
            )
        )
        choices.append(
            OpenRequest(request.id).button(t("handoff.open_short", number=request.id))
            if taken
            else TakeRequest(request.id).button(t("handoff.take_short", number=request.id))
        )
    return Reply("\n".join(lines), choices=(*choices, menu_choice()), columns=2)


async def take(ctx: Context, pressed: TakeRequest) -> Replies:
    """ "I'll take it": only the first press wins; the winner sees the details."""
    request = await handoff.take(
        ctx.session, pressed.request, ctx.person, roles=ctx.roles, now=ctx.now
    )
    return await details(ctx, request)


async def open_request(ctx: Context, pressed: OpenRequest) -> Replies:
    """A request this staff member handles, shown again."""
    request = await handoff.handled_by(ctx.session, pressed.request, ctx.person.id)
    return await details(ctx, request)


async def details(ctx: Context, request: HelpRequest) -> Reply:
    """What the taker needs: the question and the phone in full (only they see it unmasked)."""
    citizen = await ctx.session.get(Person, request.person_id)
    contact = (
        t("handoff.details_phone", phone=request.phone)
        if request.phone
        else t("handoff.details_no_phone")
    )
    text = t(
        "handoff.details",
        number=request.id,
        name=handoff.name_of(citizen),
        when=when(ctx, request.created_at),
        question=request.question,
        contact=contact,
    )
    choices = (
        *handoff.staff_actions(request.id, more=False),
        RequestList().button(t("handoff.list_button")),
    )
    return Reply(text, choices=(*choices, menu_choice()), columns=2)


async def write_to_citizen(ctx: Context, pressed: WriteToCitizen) -> Replies:
    """ "Message the citizen": the next text goes to them, with a reply button."""
    request = await handoff.handled_by(ctx.session, pressed.request, ctx.person.id)
    return await TO_CITIZEN.start(ctx, Conversation(request=request.id), "text")


async def done(ctx: Context, pressed: CloseRequest) -> Replies:
    """Close the request (the taker, or an admin) and tell the citizen."""
    admin = ctx.has_role(Role.ADMIN)
    request = await handoff.close(
        ctx.session, pressed.request, ctx.person, admin=admin, now=ctx.now
    )
    await survey.ask_after_request(
        ctx.session, request, now=ctx.now, tz=ctx.services.settings.commune.tz
    )
    if TO_CITIZEN.is_current(ctx):
        ctx.end_flow()
    choices = (RequestList().button(t("handoff.list_button")), menu_choice())
    return Reply(t("handoff.closed", number=request.id), choices=choices)
