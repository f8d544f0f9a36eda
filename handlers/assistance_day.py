""" "Ngày hỗ trợ" in the help checklist: today (the default) or one of the 7 days before.

The review shows the day with a button "ha:<id>:d" that opens the choice; each day is a button
"ha:<id>:w:<YYYY-MM-DD>" (numbered on channels without buttons). A forged or stale day (in the
future, or more than 7 days back by the time it is pressed or saved) is refused politely and the
choice asked again; assistance.check_help_day decides, on the server, at both moments.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from bot.actions.households import LogHelp
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.flows import Answer, Invalid, Next
from bot.core.messages import Reply
from bot.locales import t
from bot.services import assistance
from bot.services.reports.text import weekday_name

CHOOSE_DAY = "day"  # the answer of the review step that opens the choice of day


class WithDay(Protocol):
    household: int
    day: date | None


def today_of(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.services.settings.commune.tz).date()


def day_label(day: date, today: date) -> str:
    """ "Hôm nay 06/12", "Hôm qua 05/12", "Thứ Sáu 04/12"."""
    shown = f"{day:%d/%m}"
    if day == today:
        return t("periods.help_day_today", day=shown)
    if (today - day).days == 1:
        return t("periods.help_day_yesterday", day=shown)
    weekday = weekday_name(day)
    return t("periods.help_day_other", weekday=weekday[:1].upper() + weekday[1:], day=shown)


def review_line(data: WithDay, today: date) -> str:
    if data.day is None or data.day == today:
        return t("periods.review_day_today")
    return t("periods.review_day_late", day=f"{data.day:%d/%m/%Y}")


def day_button_label(data: WithDay, today: date) -> str:
    return t("periods.help_day_button", day=day_label(data.day or today, today))


async def ask_day(ctx: Context, data: WithDay) -> Reply:
    today = today_of(ctx)
    choices = tuple(
        LogHelp(data.household, "w", day.isoformat()).button(day_label(day, today))
        for day in assistance.help_days(today)
    )
    return Reply(t("periods.help_day_question"), choices=choices, columns=2, replace=True)


async def read_day(ctx: Context, data: WithDay, answer: Answer) -> Next:
    """The day chosen; then the review again."""
    try:
        chosen = date.fromisoformat(answer.text)
    except ValueError:
        raise Invalid(t("errors.bad_button")) from None
    try:
        data.day = assistance.check_help_day(chosen, today_of(ctx))
    except DomainError as problem:
        raise Invalid(t(problem.key, **problem.values)) from None
    return "done"


def saved_line(day: date, today: date) -> str | None:
    """After saving help for an earlier day, a line saying so."""
    return t("periods.saved_late", day=f"{day:%d/%m/%Y}") if day < today else None
