"""Written questions: the open ones with their age, answered by officers or admins; the answer
reaches the citizen through the outbox (so a restart loses nothing).

Only the masked question is kept, and only until it is answered; answering is a conditional
UPDATE, so two officers answering at once leave one answer and one polite refusal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.core.messages import Reply
from bot.db.models import Person, Question, QuestionStatus, Role
from bot.locales import t
from bot.services import audit, handoff, outbox

MAX_ANSWER = 1500  # under [bot] max_text_length, so the flow can say why
ANSWER_ROLES = frozenset({Role.OFFICER, Role.ADMIN})
VIEW_ROLES = ANSWER_ROLES | {Role.OFFICIAL}
HOUR = 3600
DAY = 24 * HOUR


def age(since: datetime, now: datetime) -> str:
    """How long a question has waited, in words: "25 phút", "3 giờ", "2 ngày"."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < HOUR:
        return t("questions.age_minutes", count=max(1, seconds // 60))
    if seconds < DAY:
        return t("questions.age_hours", count=seconds // HOUR)
    return t("questions.age_days", count=seconds // DAY)


async def open_questions(
    session: AsyncSession, commune_id: int, limit: int = 20
) -> list[Question]:
    """The commune's questions still waiting for an answer, the oldest first."""
    rows = await session.scalars(
        select(Question)
        .where(Question.commune_id == commune_id, Question.status == QuestionStatus.OPEN)
        .order_by(Question.created_at, Question.id)
        .limit(limit)
    )
    return list(rows)


async def count_open(session: AsyncSession, commune_id: int) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(Question)
        .where(Question.commune_id == commune_id, Question.status == QuestionStatus.OPEN)
    )
    return int(found or 0)


async def get(session: AsyncSession, question_id: int, commune_id: int) -> Question:
    """The commune's question as committed now (a concurrent answer is seen, not a stale copy);
    another commune's looks the same as a missing one."""
    question = await session.scalar(
        select(Question)
        .where(Question.id == question_id)
        .execution_options(populate_existing=True)
    )
    if question is None or question.commune_id != commune_id:
        raise DomainError("questions.not_found")
    return question


async def waiting(session: AsyncSession, question_id: int, commune_id: int) -> Question:
    """A question of the commune still waiting for an answer."""
    question = await get(session, question_id, commune_id)
    if question.status != QuestionStatus.OPEN:
        raise DomainError("questions.already_answered")
    return question


async def answer(
    session: AsyncSession,
    question_id: int,
    staff: Person,
    text: str,
    *,
    commune_id: int,
    now: datetime,
) -> Question:
    """Record the answer, forget the citizen's question, and queue the answer to them."""
    body = handoff.clean_text(text, MAX_ANSWER)
    asked = (await waiting(session, question_id, commune_id)).text
    result = await session.execute(
        update(Question)
        .where(Question.id == question_id, Question.status == QuestionStatus.OPEN)
        .values(
            status=QuestionStatus.ANSWERED.value,
            answer=body,
            answered_by_id=staff.id,
            answered_at=now,
            text="",
        )
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise DomainError("questions.already_answered")
    question = await get(session, question_id, commune_id)
    await audit.record(
        session,
        actor_id=staff.id,
        action="answer",
        entity="question",
        entity_id=question.id,
        before={"status": QuestionStatus.OPEN.value},
        after={"status": question.status, "person_id": question.person_id},
    )
    reply = Reply(
        t("questions.answer_citizen", staff=handoff.name_of(staff), question=asked, answer=body)
    )
    key = outbox.Keys.question_answer(question.id)
    await outbox.enqueue(session, key, question.person_id, reply, now=now)
    return question


async def waiting_note(session: AsyncSession, person_id: int, now: datetime) -> str | None:
    """What a citizen reads about their written questions still waiting, if any."""
    rows = await session.scalars(
        select(Question)
        .where(Question.person_id == person_id, Question.status == QuestionStatus.OPEN)
        .order_by(Question.created_at, Question.id)
    )
    lines = [
        t("questions.mine_line", number=row.id, age=age(row.created_at, now), question=row.text)
        for row in rows
    ]
    return t("questions.mine_waiting", lines="\n".join(lines)) if lines else None
