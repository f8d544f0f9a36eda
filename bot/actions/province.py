"""Buttons of the province's view."""

from __future__ import annotations

from bot.core.actions import Action


class ProvinceView(Action, prefix="pv"):
    """Every commune side by side."""


class CommuneVillages(Action, prefix="pv:c"):
    """One commune's villages (a drill-down from the province's view)."""

    commune: int


class ProvinceWorkbook(Action, prefix="pv:x"):
    """The province's view as an Excel sheet."""
