"""Buttons of "talk to a person": the citizen's request and the staff side."""

from __future__ import annotations

from bot.core.actions import Action

# --------------------------------------------------------------------------- the citizen


class HandoffHub(Action, prefix="ho"):
    """Where and when the desk works, and a way to ask staff to get in touch."""


class AskStaff(Action, prefix="ho:ask"):
    pass


class SkipPhone(Action, prefix="ho:skip"):
    """Send the request without a phone number."""


class StopWriting(Action, prefix="ho:stop"):
    """Leave a handoff flow without sending anything."""


class MyRequest(Action, prefix="ho:mine"):
    pass


class CancelRequest(Action, prefix="ho:cancel"):
    """Ask to cancel one's request; `sure` confirms it."""

    request: int
    sure: bool | None = None


class WriteToStaff(Action, prefix="ho:re"):
    request: int


# -------------------------------------------------------------------------------- staff


class RequestList(Action, prefix="ho:list"):
    pass


class TakeRequest(Action, prefix="ho:take"):
    request: int


class OpenRequest(Action, prefix="ho:open"):
    request: int


class WriteToCitizen(Action, prefix="ho:msg"):
    request: int


class CloseRequest(Action, prefix="ho:done"):
    request: int
