"""Buttons of the officials' reports."""

from __future__ import annotations

from datetime import date
from typing import Literal

from bot.core.actions import Action


class ReportHub(Action, prefix="rp"):
    pass


class ShowCoverage(Action, prefix="rp:c"):
    pass


class TodayTally(Action, prefix="rp:t"):
    pass


class DayTally(Action, prefix="rp:d"):
    day: date


class MonthKpis(Action, prefix="rp:k"):
    pass


class MonthWorkbook(Action, prefix="rp:x"):
    pass


class Subscribe(Action, prefix="rp:s"):
    """Join (on) or leave the daily tally (d) or the weekly summary (w)."""

    kind: Literal["d", "w"]
    on: bool
