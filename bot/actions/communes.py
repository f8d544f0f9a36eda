"""Buttons for choosing the commune whose desk serves a person."""

from __future__ import annotations

from bot.core.actions import Action


class PickCommune(Action, prefix="xa"):
    """This commune (one of those offered for what was typed)."""

    commune: int


class TypeCommune(Action, prefix="xa:type"):
    """Type the commune's name (again)."""
