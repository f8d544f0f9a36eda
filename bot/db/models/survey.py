"""The satisfaction survey: one question to a citizen after a visit (or from the desk card)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class SurveySource(StrEnum):
    HANDOFF = "handoff"  # a help request was closed
    ASSISTANCE = "assist"  # a volunteer logged help for the citizen's household
    DESK = "desk"  # the desk card's QR code, not tied to a visit


class SurveyStatus(StrEnum):
    ASKED = "asked"
    RATED = "rated"
    DECLINED = "declined"  # "no thanks": this one, and no more questions after visits


class Survey(Base):
    """One question to one person; at most one a day per person and one per visit."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("person_id", "day"),
        UniqueConstraint("visit"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_1_to_5"),
        Index("ix_surveys_day_status", "day", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(10))
    # "handoff:<request>" or "assist:<assistance>"; None for a desk rating.
    visit: Mapped[str | None] = mapped_column(String(40))
    day: Mapped[date]  # the commune's date the question was asked (reports count by it)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL")
    )
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default=SurveyStatus.ASKED)
    rating: Mapped[int | None]
    # Numbers hidden before storing; shown to officials without the person's name or phone.
    comment: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
