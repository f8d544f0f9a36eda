"""Monthly targets per person and procedure field (bot/services/targets.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class PersonalTarget(Base):
    """How many dossiers of one field a person should bring online in one month."""

    __tablename__ = "personal_targets"
    __table_args__ = (
        UniqueConstraint("person_id", "field", "month"),
        CheckConstraint("submitted >= 0 AND digitised >= 0 AND paid >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(30))  # a ProcedureField value
    month: Mapped[date]  # the first day of the month
    submitted: Mapped[int]
    digitised: Mapped[int]
    paid: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
