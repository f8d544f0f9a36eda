"""Help-desk figures kept per village and day (and week), and per helper and day, so a daily
tally or a month's KPIs read a few thousand kept rows instead of counting a year of visits.

Each row is a sum of credits: every visit adds to its village's day (visits, ticked actions,
dossiers), and a household is credited once per period where it was first helped in it:
- `households`: first visit of the household in this village on this day;
- `week_households`: first visit of the household in this village this week (Monday first),
  so the week so far is the sum from Monday to the day;
- `commune_households` / `commune_week_households` / `commune_month_households`: the same in
  the whole commune (the month a calendar month), credited to the village of that first
  visit, so a commune's total counts a household that moved village once;
- per helper (and commune): `households` that day and `month_households` in the calendar month.
`village_weeks` holds each village's week: the sum of its days' visits, actions and week
credits, so the week so far, asked on its last day with help, is one row per village.
Rows are keyed day (or week) first, and on SQLite stored in that order (WITHOUT ROWID), so a
day's rows lie together; a day's villages are also indexed by their households, so the tally's
busiest are its first entries. Kept by the flush hook in bot/db/models/visit_credits.py.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, partial_index

ACTION_FIELDS = (
    "account_created",
    "level2_referral",
    "portal_login",
    "submitted_online",
    "papers_digitised",
    "paid_online",
    "other",
)
DOSSIER_FIELDS = ("dossiers", "dossiers_online", "dossiers_digitised", "fee_dossiers", "fees_paid")
CREDIT_FIELDS = (
    "households",
    "week_households",
    "commune_households",
    "commune_week_households",
    "commune_month_households",
)
VILLAGE_DAY_FIELDS = ("visits", *ACTION_FIELDS, *DOSSIER_FIELDS, *CREDIT_FIELDS)
VILLAGE_WEEK_FIELDS = ("visits", *ACTION_FIELDS, "week_households", "commune_week_households")
HELPER_DAY_FIELDS = ("visits", "dossiers", "households", "month_households")
NO_HELPER = 0  # helper_days.helper_id of visits logged without a helper
# Each table's key, and its figures in the order credits and sums list them.
KEYS = {"village_days": ("day", "village_id"), "village_weeks": ("week", "village_id"),
        "helper_days": ("day", "commune_id", "helper_id")}  # fmt: skip
FIELDS = {"village_days": VILLAGE_DAY_FIELDS, "village_weeks": VILLAGE_WEEK_FIELDS,
          "helper_days": HELPER_DAY_FIELDS}  # fmt: skip
CLUSTERED = {"sqlite_with_rowid": False}
HELPED = text("households > 0")


class Work:
    """Visits, and how many of them ticked each action."""

    visits: Mapped[int] = mapped_column(default=0)
    account_created: Mapped[int] = mapped_column(default=0)
    level2_referral: Mapped[int] = mapped_column(default=0)
    portal_login: Mapped[int] = mapped_column(default=0)
    submitted_online: Mapped[int] = mapped_column(default=0)
    papers_digitised: Mapped[int] = mapped_column(default=0)
    paid_online: Mapped[int] = mapped_column(default=0)
    other: Mapped[int] = mapped_column(default=0)


class VillageDay(Work, Base):
    """A village's help on one day (see the module docstring for each figure)."""

    __tablename__ = "village_days"
    __table_args__ = (
        # Partial: only a query that asks for helped villages (households > 0) can use it, so
        # the day's other reads keep the key, which holds every figure; through this index
        # they would look each row up again.
        partial_index("ix_village_days_day_households", "day", "households", where=HELPED),
        CLUSTERED,
    )

    day: Mapped[date] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(
        ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True
    )
    dossiers: Mapped[int] = mapped_column(default=0)
    dossiers_online: Mapped[int] = mapped_column(default=0)
    dossiers_digitised: Mapped[int] = mapped_column(default=0)
    fee_dossiers: Mapped[int] = mapped_column(default=0)
    fees_paid: Mapped[int] = mapped_column(default=0)
    households: Mapped[int] = mapped_column(default=0)
    week_households: Mapped[int] = mapped_column(default=0)
    commune_households: Mapped[int] = mapped_column(default=0)
    commune_week_households: Mapped[int] = mapped_column(default=0)
    commune_month_households: Mapped[int] = mapped_column(default=0)


class VillageWeek(Work, Base):
    """A village's week (Monday to Sunday): its days' visits, actions and week credits."""

    __tablename__ = "village_weeks"
    __table_args__ = (CLUSTERED,)

    week: Mapped[date] = mapped_column(primary_key=True)  # its Monday
    village_id: Mapped[int] = mapped_column(
        ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True
    )
    week_households: Mapped[int] = mapped_column(default=0)
    commune_week_households: Mapped[int] = mapped_column(default=0)


class HelperDay(Base):
    """A helper's help in one commune on one day (helper NO_HELPER: visits without one)."""

    __tablename__ = "helper_days"
    __table_args__ = (CLUSTERED,)

    day: Mapped[date] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True
    )
    helper_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    visits: Mapped[int] = mapped_column(default=0)
    dossiers: Mapped[int] = mapped_column(default=0)
    households: Mapped[int] = mapped_column(default=0)
    month_households: Mapped[int] = mapped_column(default=0)
