"""Buttons of written questions: the list, answering one, saving the answer as a FAQ."""

from __future__ import annotations

from bot.core.actions import Action


class QuestionList(Action, prefix="qn"):
    """Questions waiting for a written answer, with their age."""


class AnswerQuestion(Action, prefix="qn:ans"):
    question: int


class SaveAsFaq(Action, prefix="qn:faq"):
    """Keep an answered question, in general wording, as a frequently asked question."""

    question: int


class FaqList(Action, prefix="qn:faqs"):
    """The saved frequently asked questions, a page at a time, each with a button to delete it."""

    page: int | None = None


class DeleteFaq(Action, prefix="qn:faqdel"):
    faq: int
