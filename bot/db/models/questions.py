"""Questions nobody took at the desk, answered later in writing, and the answers kept as FAQ."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class QuestionStatus(StrEnum):
    OPEN = "open"  # waiting for a written answer
    ANSWERED = "answered"


class Question(Base):
    """A help request nobody took by the end of the desk's day, queued for a written answer.

    Only the masked question is kept, and only until it is answered; the answer stays.
    """

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_status_created", "status", "created_at"),
        Index("ix_questions_commune_status", "commune_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    # The commune whose desk the request reached.
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    # The request it came from: one question per request, however often the planner runs.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=QuestionStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime | None]


class Faq(Base):
    """A general question and answer written by staff; the matcher offers it to citizens."""

    __tablename__ = "faqs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The commune whose citizens it answers (its desk's places and hours are its own).
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text)  # the question folded: no accents, lower case
    answer: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
