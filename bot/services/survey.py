"""The satisfaction survey: asking once after a visit, recording a score and a comment.

A citizen is asked after a help request they made is closed (someone had taken it), and after
a volunteer logs help for their household when the bot knows them: exactly one person with a
private chat whose phone is the household's (a phone shared by several people tells nobody
apart, so nobody is asked). Rules, enforced by the table's unique keys, so a race cannot break
them: one question per visit (`visit`), one a day per person (`person_id, day`). Someone who
once said "no thanks" is not asked after visits any more; the desk card's code (/start survey,
or "đánh giá" typed) still works for them, once a day. The question goes through the outbox,
keyed by the visit. Comments lose phone and ID-card numbers before they are stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.survey import DeclineSurvey, RateVisit
from bot.core.errors import DomainError
from bot.core.messages import Reply
from bot.db.models import (
    Assistance,
    ChatIdentity,
    HelpRequest,
    Household,
    Person,
    Shift,
    Survey,
    SurveySource,
    SurveyStatus,
)
from bot.db.upsert import insert_for
from bot.locales import t
from bot.services import outbox
from bot.services.handoff import clean_text
from bot.services.privacy import hide_numbers
from bot.services.shifts import attendance

SCORES = (1, 2, 3, 4, 5)
MAX_COMMENT = 500
# Asked a little after the visit: after the "request closed" note, once the citizen has left.
ASK_DELAY = timedelta(minutes=2)
# A question not answered within this long is no longer waiting (nor sent, if still queued).
PENDING = timedelta(days=3)
REQUEST, HELP = "handoff", "assist"  # visits: "handoff:<request id>", "assist:<help log id>"


def question(survey: Survey) -> Reply:
    """The question with one button per score (1 first, so a typed number is the score)."""
    kind, _, number = (survey.visit or "").partition(":")
    if kind == REQUEST:
        first = t("survey.ask_handoff", number=number)
    else:
        first = t(f"survey.ask_{survey.source}")
    choices = [RateVisit(survey.id, score).button(t(f"survey.score_{score}")) for score in SCORES]
    choices.append(DeclineSurvey(survey.id).button(t("survey.no_thanks")))
    return Reply(f"{first}\n\n{t('survey.ask_how')}", choices=tuple(choices))


# ----------------------------------------------------------------------------- asking


async def ask_after_request(
    session: AsyncSession, request: HelpRequest, *, now: datetime, tz: ZoneInfo
) -> Survey | None:
    """After a request someone handled is closed: ask the citizen who made it."""
    if request.taken_by_id is None:
        return None  # closed without anyone helping: nothing to rate
    shift_id = await attendance.current_shift_id(session, request.taken_by_id, now)
    return await ask(
        session,
        request.person_id,
        SurveySource.HANDOFF,
        f"{REQUEST}:{request.id}",
        helper_id=request.taken_by_id,
        location_id=await _location_of(session, shift_id),
        village_id=None,
        now=now,
        tz=tz,
    )


async def ask_after_help(
    session: AsyncSession, entry: Assistance, household: Household, *, now: datetime, tz: ZoneInfo
) -> Survey | None:
    """After help was logged for a household: ask its member the bot knows, if any.

    Help logged later for an earlier day asks nothing: the visit is too far back to rate."""
    if entry.logged_late:
        return None
    person_id = await known_citizen(session, household)
    if person_id is None or person_id == entry.helper_id:
        return None
    return await ask(
        session,
        person_id,
        SurveySource.ASSISTANCE,
        f"{HELP}:{entry.id}",
        helper_id=entry.helper_id,
        location_id=await _location_of(session, entry.shift_id),
        village_id=entry.village_id,
        now=now,
        tz=tz,
    )


async def known_citizen(session: AsyncSession, household: Household) -> int | None:
    """The one person with a private chat whose phone (stored normalized, as households'
    are) is the household's; None when there is none or more than one."""
    if not household.phone:
        return None
    found = list(
        await session.scalars(
            select(Person.id)
            .join(ChatIdentity, ChatIdentity.person_id == Person.id)
            .where(Person.phone == household.phone, ChatIdentity.chat_id.is_not(None))
            .distinct()
            .limit(2)
        )
    )
    return found[0] if len(found) == 1 else None


async def ask(
    session: AsyncSession,
    person_id: int,
    source: SurveySource,
    visit: str,
    *,
    helper_id: int | None,
    location_id: int | None,
    village_id: int | None,
    now: datetime,
    tz: ZoneInfo,
) -> Survey | None:
    """Queue the question about a visit, unless the person said "no thanks" before, has no
    private chat, was asked about this visit already or was asked anything today."""
    if await declined_before(session, person_id):
        return None
    if person_id not in await outbox.delivery_chats(session, [person_id]):
        return None
    survey = await _insert(
        session,
        person_id,
        source,
        visit,
        helper_id=helper_id,
        location_id=location_id,
        village_id=village_id,
        now=now,
        tz=tz,
    )
    if survey is None:
        return None
    await outbox.enqueue(
        session,
        outbox.Keys.survey(visit),
        person_id,
        question(survey),
        now=now,
        due_at=now + ASK_DELAY,
        expires_at=now + PENDING,
    )
    return survey


async def declined_before(session: AsyncSession, person_id: int) -> bool:
    found = await session.scalar(
        select(func.count())
        .select_from(Survey)
        .where(Survey.person_id == person_id, Survey.status == SurveyStatus.DECLINED)
    )
    return bool(found)


async def for_desk(
    session: AsyncSession, person_id: int, *, now: datetime, tz: ZoneInfo
) -> Survey | None:
    """The desk card's code: the question still waiting for this person, else a new desk
    rating; None when they were asked today already (and answered)."""
    waiting = await session.scalar(
        select(Survey)
        .where(
            Survey.person_id == person_id,
            Survey.status == SurveyStatus.ASKED,
            Survey.asked_at >= now - PENDING,
        )
        .order_by(Survey.asked_at.desc(), Survey.id.desc())
        .limit(1)
    )
    if waiting is not None:
        return waiting
    return await _insert(
        session,
        person_id,
        SurveySource.DESK,
        None,
        helper_id=None,
        location_id=None,
        village_id=None,
        now=now,
        tz=tz,
    )


async def _insert(
    session: AsyncSession,
    person_id: int,
    source: SurveySource,
    visit: str | None,
    *,
    helper_id: int | None,
    location_id: int | None,
    village_id: int | None,
    now: datetime,
    tz: ZoneInfo,
) -> Survey | None:
    """A new survey row, or None when the visit or the person's day has one already."""
    values = {
        "person_id": person_id,
        "source": source.value,
        "visit": visit,
        "day": now.astimezone(tz).date(),
        "helper_id": helper_id,
        "location_id": location_id,
        "village_id": village_id,
        "status": SurveyStatus.ASKED.value,
        "asked_at": now,
    }
    statement = (
        insert_for(session.get_bind().dialect.name, Survey)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(Survey.id)
    )
    survey_id: int | None = await session.scalar(statement)
    return None if survey_id is None else await session.get(Survey, survey_id)


async def _location_of(session: AsyncSession, shift_id: int | None) -> int | None:
    if shift_id is None:
        return None
    location_id: int | None = await session.scalar(
        select(Shift.location_id).where(Shift.id == shift_id)
    )
    return location_id


# --------------------------------------------------------------------------- answering


async def own(session: AsyncSession, survey_id: int, person_id: int) -> Survey:
    """The person's own survey; someone else's looks the same as a missing one."""
    survey = await session.scalar(
        select(Survey).where(Survey.id == survey_id).execution_options(populate_existing=True)
    )
    if survey is None or survey.person_id != person_id:
        raise DomainError("survey.not_found")
    return survey


async def rate(
    session: AsyncSession, survey_id: int, person_id: int, score: int, *, now: datetime
) -> Survey:
    """Record a score from 1 to 5, once; anything else changes nothing."""
    survey = await own(session, survey_id, person_id)
    if score not in SCORES:
        raise DomainError("survey.bad_score")
    await _answer(session, survey, status=SurveyStatus.RATED.value, rating=score, answered_at=now)
    return await own(session, survey_id, person_id)


async def decline(session: AsyncSession, survey_id: int, person_id: int, *, now: datetime) -> None:
    """ "No thanks": this survey is closed, and no more questions after visits."""
    survey = await own(session, survey_id, person_id)
    await _answer(session, survey, status=SurveyStatus.DECLINED.value, answered_at=now)


async def _answer(session: AsyncSession, survey: Survey, **values: object) -> None:
    if survey.status != SurveyStatus.ASKED:
        raise DomainError(f"survey.already_{survey.status}")
    result = await session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.status == SurveyStatus.ASKED.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:  # answered meanwhile, from another chat of the same person
        raise DomainError("survey.already_rated")


async def add_comment(session: AsyncSession, survey_id: int, person_id: int, text: str) -> Survey:
    """The optional sentence after a score, with phone and ID-card numbers hidden."""
    survey = await own(session, survey_id, person_id)
    if survey.status != SurveyStatus.RATED or survey.comment is not None:
        raise DomainError("survey.already_rated")
    survey.comment = hide_numbers(clean_text(text, MAX_COMMENT))
    await session.flush()
    return survey
