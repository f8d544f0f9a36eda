"""Buttons of the main menu and help (the main menu itself is bot.core.actions.MainMenu)."""

from __future__ import annotations

from bot.core.actions import Action


class ShowHelp(Action, prefix="help"):
    """What the bot can do."""
