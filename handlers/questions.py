"""Written questions: the list with their age (officials read it; officers and admins answer),
answering one, saving the answer as a FAQ, and the FAQ answer offered for free text.

Roles are declared at registration and checked on every update; answering re-checks on the
server that the question is still waiting, and a forged number looks like a missing question.
"""

from __future__ import annotations

from bot.actions.handoff import HandoffHub
from bot.actions.questions import AnswerQuestion, DeleteFaq, FaqList, QuestionList, SaveAsFaq
from bot.core.actions import menu_choice
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Done, Flow, FlowData, FlowTexts, Invalid, Next, Step
from bot.core.messages import Choice, Replies, Reply
from bot.core.pages import page_of
from bot.db.models import QuestionStatus
from bot.locales import t
from bot.services import faq, handoff, places, questions
from handlers.communes import staff_commune

ANSWER_ROLES = set(questions.ANSWER_ROLES)
VIEW_ROLES = set(questions.VIEW_ROLES)
TEXTS = FlowTexts(stale="questions.stale_button")
SAME_ANSWER = "same"
SHORT = 80
FAQ_PAGE = 10  # FAQs a page: ten lines and ten delete buttons


def list_choice() -> Choice:
    return QuestionList().button(t("questions.list_button"))


def faq_list_choice() -> Choice:
    return FaqList().button(t("questions.faq_list_button"))


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


async def question_list(ctx: Context) -> Replies:
    """Open questions, oldest first, with how long each has waited."""
    commune_id = await staff_commune(ctx)
    rows = await questions.open_questions(ctx.session, commune_id)
    answering = ctx.has_role(*ANSWER_ROLES)
    faqs = (faq_list_choice(),) if answering else ()
    if not rows:
        return Reply(t("questions.list_empty"), choices=(*faqs, menu_choice()))
    lines = [t("questions.list_title", count=await questions.count_open(ctx.session, commune_id))]
    choices: list[Choice] = []
    for question in rows:
        waited = questions.age(question.created_at, ctx.now)
        lines.append(
            t("questions.list_line", number=question.id, age=waited, question=short(question.text))
        )
        if answering:
            label = t("questions.answer_short", number=question.id)
            choices.append(AnswerQuestion(question.id).button(label))
    if not answering:
        lines.append(t("questions.view_only"))
    return Reply("\n".join(lines), choices=(*choices, *faqs, menu_choice()), columns=2)


# ----------------------------------------------------------------------------- answering


class Answering(FlowData):
    question: int


async def answer(ctx: Context, pressed: AnswerQuestion) -> Replies:
    """ "Answer": the next text is the written answer to this question."""
    question = await questions.waiting(ctx.session, pressed.question, await staff_commune(ctx))
    return await ANSWER.start(ctx, Answering(question=question.id), "text")


async def ask_answer(ctx: Context, data: Answering) -> Reply:
    question = await questions.get(ctx.session, data.question, await staff_commune(ctx))
    text = t(
        "questions.write_answer",
        number=question.id,
        age=questions.age(question.created_at, ctx.now),
        question=question.text,
    )
    return Reply(text, choices=(ANSWER.cancel_option(t("questions.stop_button")),))


async def read_answer(ctx: Context, data: Answering, answer: Answer) -> Next:
    """The answer typed: sent to the citizen through the outbox."""
    if answer.pressed:
        raise Invalid(t("questions.type_text"))
    try:
        await questions.answer(
            ctx.session,
            data.question,
            ctx.person,
            answer.text,
            commune_id=await staff_commune(ctx),
            now=ctx.now,
        )
    except DomainError as problem:
        if problem.key.startswith("handoff."):  # empty or too long: ask again
            raise Invalid(t(problem.key, **problem.values)) from None
        return Done(Reply(t(problem.key), choices=(list_choice(), menu_choice())))
    saving = SaveAsFaq(data.question).button(t("questions.faq_button"))
    return Done(
        Reply(
            t("questions.answered", number=data.question),
            choices=(saving, list_choice(), menu_choice()),
        )
    )


ANSWER = Flow(
    "qn_answer", Answering, {"text": Step(ask_answer, read_answer)}, prefix="qa", texts=TEXTS
)


# ----------------------------------------------------------------------------------- FAQ


class FaqDraft(FlowData):
    question: int
    wording: str = ""


async def save_as_faq(ctx: Context, pressed: SaveAsFaq) -> Replies:
    """ "Save as a FAQ": staff word the question for everyone, then confirm the answer."""
    question = await questions.get(ctx.session, pressed.question, await staff_commune(ctx))
    if question.status != QuestionStatus.ANSWERED:
        raise DomainError("questions.not_answered")
    return await FAQ.start(ctx, FaqDraft(question=question.id), "wording")


async def ask_wording(ctx: Context, data: FaqDraft) -> Reply:
    return Reply(
        t("questions.faq_wording"), choices=(FAQ.cancel_option(t("questions.stop_button")),)
    )


async def read_wording(ctx: Context, data: FaqDraft, answer: Answer) -> Next:
    if answer.pressed:
        raise Invalid(t("questions.type_text"))
    try:
        data.wording = handoff.clean_text(answer.text, faq.MAX_QUESTION)
    except DomainError as problem:
        raise Invalid(t(problem.key, **problem.values)) from None
    return "answer"


async def ask_faq_answer(ctx: Context, data: FaqDraft) -> Reply:
    question = await questions.get(ctx.session, data.question, await staff_commune(ctx))
    return Reply(
        t("questions.faq_answer", wording=data.wording, answer=question.answer or ""),
        choices=(
            FAQ.option("answer", SAME_ANSWER, t("questions.faq_same")),
            FAQ.cancel_option(t("questions.stop_button")),
        ),
    )


async def read_faq_answer(ctx: Context, data: FaqDraft, answer: Answer) -> Next:
    """The answer for everyone: the one sent (confirmed by a tap) or a new general one."""
    if answer.pressed and answer.text != SAME_ANSWER:
        raise Invalid(t("questions.type_text"))
    question = await questions.get(ctx.session, data.question, await staff_commune(ctx))
    body = (question.answer or "") if answer.pressed else answer.text
    try:
        saved = await faq.save(
            ctx.session,
            data.wording,
            body,
            ctx.person.id,
            commune_id=await staff_commune(ctx),
            now=ctx.now,
        )
    except DomainError as problem:
        raise Invalid(t(problem.key, **problem.values)) from None
    text = t("questions.faq_saved", question=saved.question, answer=saved.answer)
    return Done(Reply(text, choices=(list_choice(), menu_choice())))


FAQ = Flow(
    "qn_faq",
    FaqDraft,
    {"wording": Step(ask_wording, read_wording), "answer": Step(ask_faq_answer, read_faq_answer)},
    prefix="qf",
    texts=TEXTS,
)


async def faq_list(ctx: Context) -> Replies:
    """/faq: the FAQs the bot answers citizens with, newest first, each with a button to
    delete it; buttons turn the pages."""
    return await faq_page_reply(ctx, 0)


async def faq_page(ctx: Context, pressed: FaqList) -> Replies:
    """A page of the saved FAQs."""
    return await faq_page_reply(ctx, pressed.page or 0)


async def faq_page_reply(ctx: Context, page: int) -> Reply:
    saved = await faq.saved(ctx.session, await staff_commune(ctx))
    if not saved:
        return Reply(t("questions.faq_list_empty"), choices=(list_choice(), menu_choice()))
    shown = page_of(saved, page, FAQ_PAGE)
    lines = [t("questions.faq_list_title", count=len(saved))]
    lines += [
        t("questions.faq_list_line", number=f.id, question=short(f.question)) for f in shown.items
    ]
    choices = [
        DeleteFaq(f.id).button(t("questions.faq_delete_button", number=f.id)) for f in shown.items
    ]
    choices += shown.buttons(FaqList)
    return Reply("\n".join(lines), choices=(*choices, list_choice(), menu_choice()), columns=2)


async def delete_faq(ctx: Context, pressed: DeleteFaq) -> Replies:
    """Stop answering with a FAQ (a wrong or outdated answer)."""
    removed = await faq.remove(ctx.session, pressed.faq, await staff_commune(ctx))
    if removed is None:
        return Reply(t("questions.faq_not_found"), choices=(faq_list_choice(), menu_choice()))
    text = t("questions.faq_deleted", number=removed.id, question=short(removed.question))
    return Reply(text, choices=(faq_list_choice(), menu_choice()))


# ----------------------------------------------------------------------- for free text


async def faq_reply(ctx: Context, text: str) -> Reply | None:
    """The saved FAQ asked the same way as `text`, as a reply; None when none is close."""
    commune_id = await places.commune_of(ctx.session, ctx.person.id)
    found = await faq.best_match(ctx.session, text, commune_id) if commune_id else None
    if found is None:
        return None
    return Reply(
        t("questions.faq_reply", question=found.question, answer=found.answer),
        choices=(HandoffHub().button(t("guides.talk_to_person")), menu_choice()),
    )
