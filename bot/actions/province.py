"""Buttons of the province's view."""

from __future__ import annotations

from bot.core.actions import Action


class ProvinceView(Action, prefix="pv"):
    """Every commune side by side."""


class CommuneVillages(Action, prefix="pv:c"):
    """One commune's villages (a drill-down from the province's view)."""

    commune: int


class CommuneSurvey(Action, prefix="pv:sv"):
    """One commune's satisfaction survey this month (from its drill-down)."""

    commune: int


class ProvinceWorkbook(Action, prefix="pv:x"):
    """The province's view as an Excel sheet."""


class AddCommune(Action, prefix="pv:add"):
    """Add a commune: type its name (province admins)."""


class ConfirmCommune(Action, prefix="pv:unit"):
    """Add this official unit? (one of those offered for what was typed)"""

    code: int


class CreateCommune(Action, prefix="pv:new"):
    """Yes: serve this official unit as a new commune."""

    code: int


class InviteCommuneAdmin(Action, prefix="pv:inv"):
    """A new invite for an admin of this commune."""

    commune: int
