"""Reaching a person: a citizen's request, the staff who are told, taking it, relaying, closing.

Every status change is a conditional UPDATE checked by its row count, so two staff pressing
"take" at once (or a take racing a cancel) leave exactly one winner on SQLite and PostgreSQL.
Notifications go through the outbox in the same transaction, keyed `handoff:{request}:...`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.handoff import CloseRequest, TakeRequest, WriteToCitizen, WriteToStaff
from bot.core.errors import DomainError
from bot.core.messages import Choice, Reply
from bot.db.models import (
    HelpRequest,
    HelpStatus,
    Person,
    Role,
    RoleGrant,
)
from bot.locales import t
from bot.services import audit, outbox, places
from bot.services.privacy import hide_numbers
from bot.services.shifts import attendance

MAX_QUESTION = 500
MAX_MESSAGE = 1000
TAKE_ROLES = frozenset({Role.VOLUNTEER, Role.OFFICER, Role.ADMIN})
# Officers and admins see every request; a volunteer only those they were told about, or
# every open one while on desk duty: a citizen's question and phone go to as few people as work.
SEE_ALL_ROLES = frozenset({Role.OFFICER, Role.ADMIN})
DUTY_ROLES = (Role.VOLUNTEER, Role.OFFICER)
FALLBACK_ROLES = (Role.OFFICER, Role.ADMIN)
ACTIVE = (HelpStatus.OPEN.value, HelpStatus.TAKEN.value)


def clean_text(raw: str, limit: int) -> str:
    """Trimmed text of 1..limit characters; blank lines inside are kept."""
    text = "\n".join(line.strip() for line in raw.strip().splitlines()).strip()
    if not text:
        raise DomainError("handoff.empty_text")
    if len(text) > limit:
        raise DomainError("handoff.too_long", length=len(text), limit=limit)
    return text


def name_of(person: Person | None) -> str:
    return person.display_name if person and person.display_name else t("handoff.no_name")


async def active_for(session: AsyncSession, person_id: int) -> HelpRequest | None:
    """The citizen's request still open or being handled, if any."""
    return await session.scalar(
        select(HelpRequest)
        .where(HelpRequest.person_id == person_id, HelpRequest.status.in_(ACTIVE))
        .order_by(HelpRequest.id.desc())
        .limit(1)
    )


async def get(session: AsyncSession, request_id: int) -> HelpRequest:
    """The request as committed now (a concurrent change is seen, not a stale copy)."""
    request = await session.scalar(
        select(HelpRequest)
        .where(HelpRequest.id == request_id)
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise DomainError("handoff.not_found")
    return request


async def own(session: AsyncSession, request_id: int, person_id: int) -> HelpRequest:
    """The citizen's own request; someone else's looks the same as a missing one."""
    request = await get(session, request_id)
    if request.person_id != person_id:
        raise DomainError("handoff.not_found")
    return request


async def handled_by(session: AsyncSession, request_id: int, person_id: int) -> HelpRequest:
    """A request this staff member took and still handles."""
    request = await get(session, request_id)
    if request.taken_by_id != person_id:
        raise DomainError("handoff.not_yours")
    if request.status != HelpStatus.TAKEN:
        raise DomainError("handoff.over")
    return request


async def recipients(
    session: AsyncSession, now: datetime, exclude: int, commune_id: int
) -> list[int]:
    """The commune's volunteers and officers on a shift now; with nobody on duty, its officers
    and admins."""
    helpers = await holders(session, DUTY_ROLES, commune_id)
    on_duty = [
        person_id
        for person_id in helpers
        if person_id != exclude
        and await attendance.current_shift_id(session, person_id, now) is not None
    ]
    if on_duty:
        return on_duty
    return [
        person_id
        for person_id in await holders(session, FALLBACK_ROLES, commune_id)
        if person_id != exclude
    ]


async def holders(session: AsyncSession, roles: Iterable[Role], commune_id: int) -> list[int]:
    """Everyone holding one of `roles` in the commune (any village: citizens are not tied to
    villages)."""
    found = await session.scalars(
        select(RoleGrant.person_id).where(
            RoleGrant.revoked_at.is_(None),
            RoleGrant.commune_id == commune_id,
            RoleGrant.role.in_([role.value for role in roles]),
        )
    )
    return sorted(set(found))


async def create(
    session: AsyncSession, person: Person, question: str, phone: str | None, *, now: datetime
) -> HelpRequest:
    """Store the request and tell the staff on duty (or the officers and admins)."""
    if await active_for(session, person.id) is not None:
        raise DomainError("handoff.already_waiting")
    commune_id = await places.commune_of(session, person.id)
    if commune_id is None:
        raise DomainError("communes.choose_first")
    question = hide_numbers(clean_text(question, MAX_QUESTION))
    request = HelpRequest(
        person_id=person.id,
        commune_id=commune_id,
        question=question,
        phone=phone,
        status=HelpStatus.OPEN.value,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    await _audit(session, person.id, "create", request, None)
    text = t("handoff.notify_staff", number=request.id, name=name_of(person), question=question)
    take_button = TakeRequest(request.id).button(t("handoff.take_button"))
    for staff_id in await recipients(session, now, exclude=person.id, commune_id=commune_id):
        key = outbox.Keys.handoff_notice(request.id, staff_id)
        await outbox.enqueue(session, key, staff_id, Reply(text, choices=(take_button,)), now=now)
    return request


async def may_see(
    session: AsyncSession, request_id: int, person_id: int, roles: frozenset[Role], now: datetime
) -> bool:
    """Officers and admins, the volunteers on duty, and those told about this request."""
    if roles & SEE_ALL_ROLES or await _on_duty(session, person_id, now):
        return True
    notice = outbox.Keys.handoff_notice(request_id, person_id)
    return bool(await outbox.queued_keys(session, [notice]))


async def _on_duty(session: AsyncSession, person_id: int, now: datetime) -> bool:
    return await attendance.current_shift_id(session, person_id, now) is not None


async def take(
    session: AsyncSession,
    request_id: int,
    staff: Person,
    *,
    roles: frozenset[Role],
    now: datetime,
) -> HelpRequest:
    """The first staff member to press "take" gets the request; the others are told politely."""
    request = await get(session, request_id)
    if not await may_see(session, request_id, staff.id, roles, now):
        raise DomainError("handoff.not_found")
    if request.person_id == staff.id:
        raise DomainError("handoff.own_request")
    won = request.status == HelpStatus.OPEN and await _change(
        session,
        request_id,
        [HelpStatus.OPEN],
        status=HelpStatus.TAKEN.value,
        taken_by_id=staff.id,
        taken_at=now,
    )
    request = await get(session, request_id)
    if won:
        await _audit(session, staff.id, "take", request, HelpStatus.OPEN)
        await _drop_notifications(session, request.id)
        text = t("handoff.taken_citizen", number=request.id, staff=name_of(staff))
        reply = Reply(text, choices=(reply_choice(request.id),))
        await outbox.enqueue(
            session,
            outbox.Keys.handoff_event(request.id, "taken"),
            request.person_id,
            reply,
            now=now,
        )
        return request
    if request.status == HelpStatus.TAKEN and request.taken_by_id == staff.id:
        return request  # pressed again: show the details once more
    raise DomainError(
        "handoff.already_taken" if request.status == HelpStatus.TAKEN else "handoff.over"
    )


async def relay(
    session: AsyncSession, request: HelpRequest, sender: Person, text: str, *, now: datetime
) -> None:
    """Pass a message between the citizen and the staff member who took the request."""
    if request.status != HelpStatus.TAKEN or request.taken_by_id is None:
        raise DomainError("handoff.over")
    body = hide_numbers(clean_text(text, MAX_MESSAGE))
    if sender.id == request.person_id:
        to = request.taken_by_id
        reply = Reply(
            t("handoff.from_citizen", number=request.id, name=name_of(sender), text=body),
            choices=staff_actions(request.id, more=True),
            columns=2,
        )
    elif sender.id == request.taken_by_id:
        to = request.person_id
        reply = Reply(
            t("handoff.from_staff", number=request.id, staff=name_of(sender), text=body),
            choices=(reply_choice(request.id),),
        )
    else:
        raise DomainError("handoff.not_yours")
    counted = await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request.id)
        .values(messages=HelpRequest.messages + 1)
        .returning(HelpRequest.messages)
    )
    number = counted.scalar_one()
    await outbox.enqueue(
        session, outbox.Keys.handoff_message(request.id, number), to, reply, now=now
    )


def reply_choice(request_id: int) -> Choice:
    return WriteToStaff(request_id).button(t("handoff.reply_button"))


def staff_actions(request_id: int, *, more: bool) -> tuple[Choice, ...]:
    """Write to the citizen ("more" once a conversation is going) or close the request."""
    label = t("handoff.more_button") if more else t("handoff.message_button")
    return (
        WriteToCitizen(request_id).button(label),
        CloseRequest(request_id).button(t("handoff.done_button")),
    )


async def close(
    session: AsyncSession, request_id: int, actor: Person, *, admin: bool, now: datetime
) -> HelpRequest:
    """Done: by the staff member who took it, or by an admin (also one nobody took)."""
    request = await get(session, request_id)
    if request.status in ACTIVE and not admin and request.taken_by_id != actor.id:
        raise DomainError("handoff.not_yours")
    request = await _end(session, request, HelpStatus.DONE, actor.id, now)
    notice = Reply(t("handoff.closed_citizen", number=request.id))
    await outbox.enqueue(
        session,
        outbox.Keys.handoff_event(request.id, "closed"),
        request.person_id,
        notice,
        now=now,
    )
    return request


async def cancel(
    session: AsyncSession, request_id: int, person: Person, *, now: datetime
) -> HelpRequest:
    """The citizen withdraws their request; the staff member handling it is told."""
    request = await _end(
        session, await own(session, request_id, person.id), HelpStatus.CANCELLED, person.id, now
    )
    if request.taken_by_id is not None:
        notice = Reply(t("handoff.cancelled_staff", number=request.id, name=name_of(person)))
        await outbox.enqueue(
            session,
            outbox.Keys.handoff_event(request.id, "cancelled"),
            request.taken_by_id,
            notice,
            now=now,
        )
    return request


async def queue_unanswered(
    session: AsyncSession, request: HelpRequest, *, now: datetime
) -> HelpRequest:
    """Nobody took it by the end of the desk's day: the request ends (by no one) and its
    masked question moves to the written questions (bot/services/questions.py)."""
    if request.status != HelpStatus.OPEN:
        raise DomainError("handoff.over")
    return await _end(session, request, HelpStatus.QUEUED, None, now)


async def _end(
    session: AsyncSession,
    request: HelpRequest,
    status: HelpStatus,
    actor_id: int | None,
    now: datetime,
) -> HelpRequest:
    """Done or cancelled, if still active; the phone has served its purpose and is dropped."""
    if request.status not in ACTIVE:
        raise DomainError("handoff.over")
    before = HelpStatus(request.status)
    # The question and the phone have served their purpose: neither is kept.
    values = {"status": status.value, "closed_at": now, "phone": None, "question": ""}
    if not await _change(session, request.id, [before], **values):
        raise DomainError("handoff.over")
    request = await get(session, request.id)
    await _audit(session, actor_id, status.value, request, before)
    await _drop_notifications(session, request.id)
    await outbox.forget_texts(session, outbox.Keys.handoff_of(request.id))
    return request


async def queue(
    session: AsyncSession,
    person_id: int,
    roles: frozenset[Role],
    now: datetime,
    limit: int = 20,
) -> list[HelpRequest]:
    """Requests nobody took yet that this staff member may see, and those they handle."""
    mine = and_(HelpRequest.status == HelpStatus.TAKEN, HelpRequest.taken_by_id == person_id)
    query = (
        select(HelpRequest)
        .where(or_(HelpRequest.status == HelpStatus.OPEN, mine))
        .order_by(HelpRequest.created_at, HelpRequest.id)
    )
    if roles & SEE_ALL_ROLES or await _on_duty(session, person_id, now):
        return list(await session.scalars(query.limit(limit)))
    notices = {
        outbox.Keys.handoff_notice(r.id, person_id): r for r in await session.scalars(query)
    }
    told = await outbox.queued_keys(session, list(notices))
    seen = [row for key, row in notices.items() if key in told or row.taken_by_id == person_id]
    return seen[:limit]


async def _change(
    session: AsyncSession, request_id: int, expected: list[HelpStatus], **values: object
) -> bool:
    """Apply `values` only if the status is still one of `expected`; False: someone was first."""
    result = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == request_id,
            HelpRequest.status.in_([status.value for status in expected]),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def _drop_notifications(session: AsyncSession, request_id: int) -> None:
    """Staff notifications not yet sent are stale once the request has left "open"."""
    await outbox.cancel(session, outbox.Keys.handoff_notices(request_id), "request no longer open")


async def _audit(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    request: HelpRequest,
    before: HelpStatus | None,
) -> None:
    # Neither the question nor the phone goes into the permanent audit log.
    await audit.record(
        session,
        actor_id=actor_id,
        action=action,
        entity="help_request",
        entity_id=request.id,
        before={"status": before.value} if before else None,
        after={
            "status": request.status,
            "person_id": request.person_id,
            "taken_by_id": request.taken_by_id,
        },
    )
