"""Buttons about the phone number a person chooses to leave with the bot."""

from __future__ import annotations

from bot.core.actions import Action


class EnterMyPhone(Action, prefix="sdt:set"):
    """Type the number to keep (the person has just read what it is for)."""


class ForgetMyPhone(Action, prefix="sdt:del"):
    """Remove the number kept."""
