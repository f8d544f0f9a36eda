"""Reaching a person: the "Gặp cán bộ" screen, the request flow, taking, relaying, closing.

Buttons are "ho:<action>[:<request>]" and every action re-checks on the server who may do it:
the list and "take" need a volunteer, officer or admin role; writing to the citizen only the
staff member who took the request; "done" that person or an admin; replying and cancelling
only the citizen who asked. Someone else's request looks the same as a missing one.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context, UserError
from bot.core.messages import Choice, Reply
from bot.core.registry import Registry, Replies, menu_choice
from bot.db.models import HelpRequest, HelpStatus, Person, Role
from bot.locales import t
from bot.services import handoff
from bot.services.errors import DomainError
from bot.services.households import normalize_phone
from bot.services.privacy import mask_phone
from handlers.guides import HANDOFF, HELP_DESK

ASK_FLOW = "ho_ask"
TO_CITIZEN_FLOW = "ho_to_citizen"
TO_STAFF_FLOW = "ho_to_staff"
STAFF = set(handoff.TAKE_ROLES)


def button(key: str, *args: object) -> Choice:
    return Choice(t(key), ":".join([HANDOFF, *map(str, args)]))


def stop_choice() -> Choice:
    return button("handoff.stop_button", "stop")


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
    text = t("handoff.hub", where=guide.where) if guide else t("handoff.hub_plain")
    active = await handoff.active_for(ctx.session, ctx.person.id)
    if active is not None:
        status = await status_text(ctx, active)
        text += t("handoff.hub_waiting", number=active.id, status=status)
    choices = [
        button("handoff.mine_button", "mine") if active else button("handoff.ask_button", "ask")
    ]
    if guide is not None:
        choices.append(Choice(t("handoff.desk_button"), f"g:{HELP_DESK}"))
    if ctx.has_role(*STAFF):
        choices.append(button("handoff.list_button", "list"))
    return Reply(text, choices=(*choices, menu_choice()))


async def ask(ctx: Context) -> Replies:
    """Start a request: what the person needs, in their own words."""
    if await handoff.active_for(ctx.session, ctx.person.id) is not None:
        return await mine(ctx, notice=t("handoff.already_waiting"))
    ctx.start_flow(ASK_FLOW, "question")
    return Reply(t("handoff.ask_question", limit=handoff.MAX_QUESTION), choices=(stop_choice(),))


def phone_question(problem: str | None = None) -> Reply:
    text = problem or t("handoff.ask_phone")
    return Reply(text, choices=(button("handoff.skip_phone_button", "skip"), stop_choice()))


async def typed_request(ctx: Context) -> Replies:
    """Typed text in the request flow: first the question, then the phone number."""
    raw = ctx.incoming.text or ""
    if ctx.state.step == "question":
        try:
            question = handoff.clean_text(raw, handoff.MAX_QUESTION)
        except DomainError as problem:
            return Reply(t(problem.key, **problem.values), choices=(stop_choice(),))
        ctx.set_step("phone", question=question)
        return phone_question()
    if ctx.state.step == "phone":
        try:
            phone = normalize_phone(raw)
        except DomainError:
            phone = None
        if phone is None:
            return phone_question(t("handoff.bad_phone"))
        return await submit(ctx, phone)
    ctx.end_flow()
    return Reply(t("handoff.stale_button"), choices=(menu_choice(),))


async def skip_phone(ctx: Context) -> Replies:
    """ "Only message me here": send the request without a phone number."""
    if ctx.state.flow != ASK_FLOW or ctx.state.step != "phone":
        return Reply(t("handoff.stale_button"), choices=(menu_choice(),))
    return await submit(ctx, None)


async def submit(ctx: Context, phone: str | None) -> Replies:
    """Store the request, tell the staff, and give the person its number."""
    question = str(ctx.state.data.get("question", ""))
    ctx.end_flow()
    request = await handoff.create(ctx.session, ctx.person, question, phone, now=ctx.now)
    contact = (
        t("handoff.contact_phone", phone=mask_phone(phone)) if phone else t("handoff.contact_chat")
    )
    return Reply(
        t("handoff.created", number=request.id, contact=contact),
        choices=(button("handoff.mine_button", "mine"), menu_choice()),
    )


async def stop(ctx: Context) -> Replies:
    """Leave a handoff flow without sending anything."""
    if ctx.state.flow not in (ASK_FLOW, TO_CITIZEN_FLOW, TO_STAFF_FLOW):
        return Reply(t("handoff.stale_button"), choices=(menu_choice(),))
    ctx.end_flow()
    return Reply(t("handoff.stopped"), choices=(menu_choice(),))


# ---------------------------------------------------------------- citizen: own request


async def mine(ctx: Context, notice: str | None = None) -> Replies:
    """The person's request in progress, with cancel (and reply, once someone took it)."""
    ctx.end_flow()
    request = await handoff.active_for(ctx.session, ctx.person.id)
    if request is None:
        return Reply(
            t("handoff.none_mine"), choices=(button("handoff.ask_button", "ask"), menu_choice())
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
    choices = [button("handoff.cancel_button", "cancel", request.id), menu_choice()]
    if request.status == HelpStatus.TAKEN:
        choices.insert(0, button("handoff.reply_button", "re", request.id))
    return Reply(f"{notice}\n\n{text}" if notice else text, choices=tuple(choices))


async def cancel(ctx: Context) -> Replies:
    """Cancel one's own request, after a confirmation."""
    request = await handoff.own(ctx.session, ctx.int_arg(1), ctx.person.id)
    if len(ctx.args) < 3:
        if request.status not in handoff.ACTIVE:
            raise DomainError("handoff.over")
        return Reply(
            t("handoff.cancel_question", number=request.id),
            choices=(
                button("handoff.cancel_yes", "cancel", request.id, 1),
                button("handoff.keep_button", "mine"),
            ),
            columns=2,
        )
    if ctx.int_arg(2) != 1:
        raise UserError(t("errors.bad_button"))
    await handoff.cancel(ctx.session, request.id, ctx.person, now=ctx.now)
    ctx.end_flow()
    return Reply(t("handoff.cancelled", number=request.id), choices=(menu_choice(),))


async def write_to_staff(ctx: Context) -> Replies:
    """ "Reply": the citizen's next message goes to the staff member handling the request."""
    request = await handoff.own(ctx.session, ctx.int_arg(1), ctx.person.id)
    if request.status != HelpStatus.TAKEN:
        raise DomainError("handoff.over")
    ctx.start_flow(TO_STAFF_FLOW, "text", request=request.id)
    return Reply(t("handoff.write_to_staff", number=request.id), choices=(stop_choice(),))


async def typed_message(ctx: Context) -> Replies:
    """Text typed after "reply" or "message the citizen", relayed to the other side."""
    number = int(ctx.state.data.get("request", 0))
    to_citizen = ctx.state.flow == TO_CITIZEN_FLOW
    try:
        if to_citizen:
            request = await handoff.handled_by(ctx.session, number, ctx.person.id)
        else:
            request = await handoff.own(ctx.session, number, ctx.person.id)
            if request.status != HelpStatus.TAKEN:
                raise DomainError("handoff.over")
        text = handoff.clean_text(ctx.incoming.text or "", handoff.MAX_MESSAGE)
    except DomainError as problem:
        retry = problem.key in ("handoff.too_long", "handoff.empty_text")
        if not retry:
            ctx.end_flow()  # the request is over: leave the flow rather than loop
        answer = t(problem.key, **problem.values)
        return Reply(answer, choices=(stop_choice() if retry else menu_choice(),))
    await handoff.relay(ctx.session, request, ctx.person, text, now=ctx.now)
    ctx.end_flow()
    if not to_citizen:
        return Reply(t("handoff.sent_to_staff"), choices=(menu_choice(),))
    choices = (*handoff.staff_actions(request.id, more=True), menu_choice())
    return Reply(t("handoff.sent_to_citizen", number=request.id), choices=choices, columns=2)


# ---------------------------------------------------------------------------- staff side


async def staff_list(ctx: Context) -> Replies:
    """Requests waiting for someone, and those this staff member handles."""
    rows = await handoff.queue(ctx.session, ctx.person.id)
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
        action = ("handoff.open_short", "open") if taken else ("handoff.take_short", "take")
        label = t(action[0], number=request.id)
        choices.append(Choice(label, f"{HANDOFF}:{action[1]}:{request.id}"))
    return Reply("\n".join(lines), choices=(*choices, menu_choice()), columns=2)


async def take(ctx: Context) -> Replies:
    """ "I'll take it": only the first press wins; the winner sees the details."""
    request = await handoff.take(ctx.session, ctx.int_arg(1), ctx.person, now=ctx.now)
    return await details(ctx, request)


async def open_request(ctx: Context) -> Replies:
    """A request this staff member handles, shown again."""
    return await details(ctx, await handoff.handled_by(ctx.session, ctx.int_arg(1), ctx.person.id))


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
        button("handoff.list_button", "list"),
    )
    return Reply(text, choices=(*choices, menu_choice()), columns=2)


async def write_to_citizen(ctx: Context) -> Replies:
    """ "Message the citizen": the next text goes to them, with a reply button."""
    request = await handoff.handled_by(ctx.session, ctx.int_arg(1), ctx.person.id)
    citizen = await ctx.session.get(Person, request.person_id)
    ctx.start_flow(TO_CITIZEN_FLOW, "text", request=request.id)
    text = t("handoff.write_to_citizen", name=handoff.name_of(citizen), number=request.id)
    return Reply(text, choices=(stop_choice(),))


async def done(ctx: Context) -> Replies:
    """Close the request (the taker, or an admin) and tell the citizen."""
    admin = ctx.has_role(Role.ADMIN)
    request = await handoff.close(
        ctx.session, ctx.int_arg(1), ctx.person, admin=admin, now=ctx.now
    )
    if ctx.state.flow == TO_CITIZEN_FLOW:
        ctx.end_flow()
    choices = (button("handoff.list_button", "list"), menu_choice())
    return Reply(t("handoff.closed", number=request.id), choices=choices)


ACTIONS = {
    "": hub,
    "ask": ask,
    "skip": skip_phone,
    "stop": stop,
    "mine": mine,
    "cancel": cancel,
    "re": write_to_staff,
    "list": staff_list,
    "take": take,
    "open": open_request,
    "msg": write_to_citizen,
    "done": done,
}
STAFF_ACTIONS = frozenset({"list", "take", "open", "msg", "done"})


async def pressed(ctx: Context) -> Replies:
    """A handoff button; staff-only actions are refused to everyone else."""
    action = ctx.args[0] if ctx.args else ""
    handler = ACTIONS.get(action)
    if handler is None:
        raise UserError(t("errors.bad_button"))
    if action in STAFF_ACTIONS and not ctx.has_role(*STAFF):
        raise UserError(t("errors.not_allowed"))
    return await handler(ctx)


def register(registry: Registry) -> None:
    registry.command("myrequest", mine, description="Yêu cầu gặp cán bộ của tôi")
    registry.command("requests", staff_list, roles=STAFF)
    registry.choice(HANDOFF, pressed)
    registry.flow(ASK_FLOW, typed_request)
    registry.flow(TO_STAFF_FLOW, typed_message)
    registry.flow(TO_CITIZEN_FLOW, typed_message, roles=STAFF)
    registry.menu(t("handoff.list_button"), f"{HANDOFF}:list", roles=STAFF)
