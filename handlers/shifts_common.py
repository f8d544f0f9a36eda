"""What the shift handlers share: settings, the time zone, back buttons and day payloads."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.config import ShiftSettings
from bot.core.context import Context, UserError
from bot.core.messages import Choice
from bot.db.models import Role
from bot.locales import t

WORKERS = {Role.VOLUNTEER, Role.OFFICER}
LEADS = {Role.OFFICER, Role.ADMIN}
ADMINS = {Role.ADMIN}
EVERYONE_ON_SHIFTS = WORKERS | LEADS


def tz(ctx: Context) -> ZoneInfo:
    return ctx.services.settings.commune.tz


def config(ctx: Context) -> ShiftSettings:
    return ctx.services.settings.shifts


def today(ctx: Context) -> date:
    return ctx.now.astimezone(tz(ctx)).date()


def hub_choice() -> Choice:
    return Choice(t("shifts.back_hub"), "sh")


def setup_choice() -> Choice:
    return Choice(t("shift_admin.back"), "sg")


def day_payload(day: date) -> str:
    return f"{day:%Y%m%d}"


def parse_day(raw: str) -> date:
    """A yyyymmdd day from a payload or the flow state; anything else is refused politely."""
    try:
        if len(raw) != 8 or not raw.isdigit():
            raise ValueError(raw)
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise UserError(t("errors.bad_button")) from None


def day_arg(ctx: Context, index: int) -> date:
    return parse_day(str(ctx.int_arg(index)))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
