"""Buttons of desk shifts: sign-up, stand-ins, check-in, the roster, auto-fill, set-up."""

from __future__ import annotations

from bot.core.actions import Action, CompactDate

# ------------------------------------------------------------------ volunteers and officers


class ShiftsHub(Action, prefix="sh"):
    pass


class OpenShifts(Action, prefix="so"):
    """The open shifts; the first page is "so", the next ones "so:<page>"."""

    page: int | None = None


class SignUp(Action, prefix="sj"):
    shift: int


class MyShifts(Action, prefix="sm"):
    pass


class Withdraw(Action, prefix="sw"):
    assignment: int


class CannotCome(Action, prefix="sb"):
    """Ask for a stand-in."""

    assignment: int


class CanCome(Action, prefix="sk"):
    """Close one's own stand-in request."""

    assignment: int


class TakeStandIn(Action, prefix="st"):
    request: int


class CheckIn(Action, prefix="sc"):
    assignment: int


class Unavailable(Action, prefix="su"):
    """Days this person cannot work; with a day, toggle it."""

    day: CompactDate | None = None


# ---------------------------------------------------------------------------- the roster


class Roster(Action, prefix="sr"):
    """The locations; with one, its week (this week without a Monday)."""

    location: int | None = None
    monday: CompactDate | None = None


class OpenShift(Action, prefix="ss"):
    shift: int


class Candidates(Action, prefix="sa"):
    shift: int


class Assign(Action, prefix="sx"):
    shift: int
    person: int


class TakeOff(Action, prefix="sd"):
    assignment: int


class ToggleNoShow(Action, prefix="sn"):
    assignment: int


class ProposeAutofill(Action, prefix="sf"):
    location: int
    monday: CompactDate


class ApplyAutofill(Action, prefix="sy"):
    """Apply the proposal kept in the conversation."""


# ------------------------------------------------------------------------- admin set-up


class ShiftSetup(Action, prefix="sg"):
    pass


class AddTemplate(Action, prefix="sg:add"):
    pass


class ChooseTemplateToRemove(Action, prefix="sg:del"):
    pass


class RetireTemplate(Action, prefix="sg:rm"):
    template: int


class GenerateShifts(Action, prefix="sg:gen"):
    pass


class DaysOff(Action, prefix="sv"):
    pass


class ProvinceDaysOff(Action, prefix="sv:province"):
    """The province-wide days, for a province admin (who may also be a commune's admin)."""


class AddClosedDay(Action, prefix="sv:closed"):
    province: bool = False  # a province-wide day


class AddWorkingDay(Action, prefix="sv:working"):
    province: bool = False


class RemoveDayOff(Action, prefix="sv:rm"):
    override: int
