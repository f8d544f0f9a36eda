"""A citizen's request to reach a person: what they need, how to call back, who took it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class HelpStatus(StrEnum):
    OPEN = "open"  # waiting for a staff member
    TAKEN = "taken"  # one staff member handles it
    DONE = "done"
    CANCELLED = "cancelled"  # withdrawn by the citizen
    QUEUED = "queued"  # nobody took it that day: it became a written question


class HelpRequest(Base):
    """One "talk to a person" request; the phone is dropped once the request is over."""

    __tablename__ = "help_requests"
    __table_args__ = (
        Index("ix_help_requests_status_created", "status", "created_at"),
        Index("ix_help_requests_person_status", "person_id", "status"),
        Index("ix_help_requests_taker_status", "taken_by_id", "status"),
        Index("ix_help_requests_commune_status", "commune_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    # The commune whose desk the request reached.
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    # Given with consent, only to be called back about this request.
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=HelpStatus.OPEN)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # Messages relayed so far in either direction; numbers each one's outbox key.
    messages: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None]
    # When the officers were told that nobody took it in time (once).
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
