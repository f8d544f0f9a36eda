"""The satisfaction survey in chat: a score from 1 to 5 (or "no thanks"), then one optional
sentence as a declared flow with a skip button.

The question arrives through the outbox after a visit, or opens from the desk card's code:
"/start survey" on Telegram, "đánh giá" typed on Zalo (or anywhere). A score button carries the
survey's number: someone else's survey, a score off the scale or a survey answered already
gets a polite line and changes nothing.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.actions.survey import DeclineSurvey, RateVisit
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, Invalid, Next, Step
from bot.core.messages import Replies, Reply
from bot.locales import t
from bot.services import survey
from bot.vntext import fold

SKIP = "skip"
# What the desk card says to type on Zalo ("danh gia"), with or without accents.
TYPED_WORDS = frozenset({"danh gia", "danh gia dich vu"})


def _tz(ctx: Context) -> ZoneInfo:
    return ctx.services.settings.commune.tz


async def open_survey(ctx: Context) -> Replies:
    """The desk card's code: the question waiting for this person, else a desk rating."""
    if not ctx.incoming.group:
        ctx.end_flow()
    found = await survey.for_desk(ctx.session, ctx.person.id, now=ctx.now, tz=_tz(ctx))
    if found is None:
        return Reply(t("survey.already_today"), choices=(menu_choice(),))
    return survey.question(found)


async def typed_words(ctx: Context) -> Replies | None:
    """ "đánh giá" typed as a whole message in a private chat, outside any flow."""
    if ctx.incoming.group or ctx.state.flow is not None:
        return None
    words = " ".join(fold(ctx.incoming.text or "").replace("!", " ").replace(".", " ").split())
    if words not in TYPED_WORDS:
        return None
    ctx.route_name = "typed:survey"
    return await open_survey(ctx)


async def rate(ctx: Context, pressed: RateVisit) -> Replies:
    """A score: stored at once, then one optional sentence."""
    try:
        rated = await survey.rate(
            ctx.session, pressed.survey, ctx.person.id, pressed.score, now=ctx.now
        )
    except DomainError as problem:
        return await _refused(ctx, pressed.survey, problem)
    return await NOTE.start(ctx, Note(survey=rated.id, score=pressed.score), "comment")


async def decline(ctx: Context, pressed: DeclineSurvey) -> Replies:
    """ "No thanks": respected for this visit and every later one."""
    try:
        await survey.decline(ctx.session, pressed.survey, ctx.person.id, now=ctx.now)
    except DomainError as problem:
        return await _refused(ctx, pressed.survey, problem)
    ctx.end_flow()
    return Reply(t("survey.declined"), choices=(menu_choice(),))


async def _refused(ctx: Context, survey_id: int, problem: DomainError) -> Reply:
    """A polite line; a score off the scale shows the person's own question again."""
    text = t(problem.key, **problem.values)
    if problem.key == "survey.bad_score":
        found = await survey.own(ctx.session, survey_id, ctx.person.id)
        again = survey.question(found)
        return Reply(f"{text}\n\n{again.text}", choices=again.choices)
    return Reply(text, choices=(menu_choice(),))


class Note(FlowData):
    survey: int
    score: int


async def ask_comment(ctx: Context, data: Note) -> Reply:
    text = t("survey.ask_comment", score=t(f"survey.score_{data.score}"), limit=survey.MAX_COMMENT)
    return Reply(text, choices=(NOTE.option("comment", SKIP, t("survey.skip_comment")),))


async def read_comment(ctx: Context, data: Note, answer: Answer) -> Next:
    """One sentence, its numbers hidden; or "skip"."""
    if answer.pressed:
        if answer.text != SKIP:
            raise Invalid(t("errors.bad_button"))
        return Done(Reply(t("survey.thanks"), choices=(menu_choice(),)))
    try:
        stored = await survey.add_comment(ctx.session, data.survey, ctx.person.id, answer.text)
    except DomainError as problem:
        if problem.key in ("handoff.too_long", "handoff.empty_text"):
            raise Invalid(t(problem.key, **problem.values)) from None
        return Done(Reply(t(problem.key, **problem.values), choices=(menu_choice(),)))
    text = t("survey.thanks_comment")
    if t("privacy.number_hidden") in (stored.comment or ""):
        text += "\n\n" + t("survey.numbers_hidden")
    return Done(Reply(text, choices=(menu_choice(),)))


NOTE = Flow("sv_note", Note, {"comment": Step(ask_comment, read_comment)}, prefix="sv:note")
