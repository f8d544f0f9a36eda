"""Buttons of /poster: pick a guide and its paper, or the desk card."""

from __future__ import annotations

from bot.core.actions import Action


class PosterMenu(Action, prefix="poster"):
    """The guides and the desk card."""


class ChoosePaper(Action, prefix="poster:g"):
    """The paper sizes for a guide's poster."""

    guide: str


class GuidePoster(Action, prefix="poster:p"):
    """A guide's poster as a PDF; `size` is checked by the handler (A4, A3, A1, A0)."""

    guide: str
    size: str


class DeskCard(Action, prefix="poster:card"):
    """The A5 desk card as a PDF."""
