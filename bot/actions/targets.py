"""Buttons of monthly personal targets (the set-a-target flow's answers are its own)."""

from __future__ import annotations

from bot.core.actions import Action


class SetTarget(Action, prefix="tgs"):
    """Start giving a volunteer or officer a monthly target."""
