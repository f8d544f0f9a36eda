"""Buttons of the household register: villages, search, cards, edits, logging help."""

from __future__ import annotations

from typing import Literal

from bot.core.actions import Action

# Field codes of a household, as written in edit buttons and flow steps.
HouseholdField = Literal["name", "code", "mem", "acc", "sub", "pay", "tel", "note"]


class ChooseVillage(Action, prefix="hs"):
    """The register's start: villages in the person's scope."""


class PickVillage(Action, prefix="hv"):
    village: int


class OpenHousehold(Action, prefix="hh"):
    household: int


class NewHousehold(Action, prefix="hn"):
    """Register a new household in a village (consent first)."""

    village: int


class EditHousehold(Action, prefix="he"):
    """Which field to change; with `field`, ask for that field."""

    household: int
    field: HouseholdField | None = None


class AddAccount(Action, prefix="h1"):
    """One more member of the household has an account."""

    household: int


class LogHelp(Action, prefix="ha"):
    """The help checklist of a household: "t" tick an action, "n" next, "p" procedure,
    "f" fee, "d" choose the day it was given, "w" that day (ISO), "s" save, "x" cancel;
    without a verb, start it."""

    household: int
    verb: Literal["t", "n", "p", "f", "d", "w", "s", "x"] | None = None
    value: str | None = None


class MyHelpTally(Action, prefix="ht"):
    """How many households this person helped."""


class ResultsPage(Action, prefix="hq"):
    """Another page of a search's results; `query` is a short fingerprint of what was typed,
    so a page button of an older search is not taken for the current one."""

    village: int
    page: int
    query: str


class UndoHelpChanges(Action, prefix="hu"):
    """Put back the household fields that logging this help changed."""

    assistance: int
