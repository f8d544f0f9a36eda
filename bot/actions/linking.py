"""Buttons about a person's messengers: which channel their notifications go to."""

from __future__ import annotations

from bot.core.actions import Action


class ChooseChannel(Action, prefix="kenh:set"):
    """Send reminders and pushes to the person's private chat on `channel`."""

    channel: str


class LatestChannel(Action, prefix="kenh:auto"):
    """Send them to whichever private chat the person used most recently."""
