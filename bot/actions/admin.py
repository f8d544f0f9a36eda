"""Buttons of the admin menu: villages, locations, invites, people and roles."""

from __future__ import annotations

from bot.core.actions import Action
from bot.db.models import Role


class AdminHub(Action, prefix="adm"):
    pass


class ListVillages(Action, prefix="av"):
    pass


class AddVillage(Action, prefix="av:add"):
    pass


class SetVillageCount(Action, prefix="av:set"):
    """Set a village's official household count."""

    village: int


class ListLocations(Action, prefix="al"):
    pass


class AddLocation(Action, prefix="al:add"):
    pass


class StartInvite(Action, prefix="ai"):
    """Choose the role of a new invite."""


class InviteRole(Action, prefix="ai:r"):
    """The role is chosen; ask for the village (admins: straight to the code)."""

    role: Role


class InviteVillage(Action, prefix="ai:v"):
    """Create the invite for a role in one village (0: the whole commune)."""

    role: Role
    village: int


class ListPeople(Action, prefix="ap"):
    page: int | None = None


class ConfirmRevoke(Action, prefix="apr"):
    person: int
    role: Role


class Revoke(Action, prefix="apy"):
    person: int
    role: Role
