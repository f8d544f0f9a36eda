"""A person's place in each guide, their feedback, and one-time notices they have seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class GuideProgress(Base):
    """Where someone stopped in a guide (survives restarts) and whether it solved the problem."""

    __tablename__ = "guide_progress"
    __table_args__ = (Index("ix_guide_progress_guide_finished", "guide_id", "finished_at"),)

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    guide_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    solved: Mapped[bool | None]
    stuck_count: Mapped[int] = mapped_column(default=0)


class NoticeSeen(Base):
    """A one-time notice (such as the scam warning) already shown to a person."""

    __tablename__ = "notices_seen"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    notice: Mapped[str] = mapped_column(String(40), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
