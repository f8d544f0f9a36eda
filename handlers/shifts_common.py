"""What the shift handlers share: who may do what, settings, the time zone and back buttons."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.actions.shifts import ShiftSetup, ShiftsHub
from bot.config import ShiftSettings
from bot.core.context import Context
from bot.core.messages import Choice
from bot.db.models import Role
from bot.locales import t

WORKERS = {Role.VOLUNTEER, Role.OFFICER}
LEADS = {Role.OFFICER, Role.ADMIN}
ADMINS = {Role.ADMIN}
# A commune's admin sets its days off; a province admin the province-wide ones.
PROVINCE_ADMINS = {Role.PROVINCE_ADMIN}
DAYS_OFF_ROLES = ADMINS | PROVINCE_ADMINS
EVERYONE_ON_SHIFTS = WORKERS | LEADS


def tz(ctx: Context) -> ZoneInfo:
    return ctx.services.settings.commune.tz


def config(ctx: Context) -> ShiftSettings:
    return ctx.services.settings.shifts


def today(ctx: Context) -> date:
    return ctx.now.astimezone(tz(ctx)).date()


def hub_choice() -> Choice:
    return ShiftsHub().button(t("shifts.back_hub"))


def setup_choice() -> Choice:
    return ShiftSetup().button(t("shift_admin.back"))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
