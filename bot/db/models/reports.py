"""Report subscriptions of officials and daily coverage snapshots (for change over time)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class ReportKind(StrEnum):
    DAILY_TALLY = "daily_tally"
    WEEKLY_SUMMARY = "weekly_summary"


class ReportSubscription(Base):
    """An official who wants a report pushed to their chat."""

    __tablename__ = "report_subscriptions"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoverageSnapshot(Base):
    """A village's register figures at the end of a day, to show change over the last days."""

    __tablename__ = "coverage_snapshots"

    day: Mapped[date] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(
        ForeignKey("villages.id", ondelete="CASCADE"), primary_key=True
    )
    households: Mapped[int]
    covered: Mapped[int]
    accounts: Mapped[int]
    submitted_online: Mapped[int]
    paid_online: Mapped[int]
