"""Buttons of the satisfaction survey: a score from 1 to 5, or "no thanks"."""

from __future__ import annotations

from bot.core.actions import Action


class RateVisit(Action, prefix="sv:rate"):
    """A score for one survey; the survey and the score are checked again on the server."""

    survey: int
    score: int


class DeclineSurvey(Action, prefix="sv:no"):
    """ "No thanks": this survey is closed and no more questions come after visits."""

    survey: int
