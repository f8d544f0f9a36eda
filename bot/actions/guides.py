"""Buttons of the citizen guides."""

from __future__ import annotations

from bot.core.actions import Action


class ListGuides(Action, prefix="gl"):
    """Every guide, by group."""


class OpenGuide(Action, prefix="g"):
    """A guide's introduction."""

    guide: str


class ShowStep(Action, prefix="gs"):
    """Step `number` of a guide (0: its introduction)."""

    guide: str
    number: int


class FinishGuide(Action, prefix="gd"):
    guide: str


class RateGuide(Action, prefix="gf"):
    """Whether the guide solved the person's problem."""

    guide: str
    solved: bool


class StuckOnStep(Action, prefix="gk"):
    guide: str
    number: int


class GuidePicture(Action, prefix="gi"):
    """All of a guide's steps as one picture."""

    guide: str
