"""Desk shifts: weekly templates, day overrides, concrete shifts, who holds them, stand-ins."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, partial_index, utcnow


class ShiftTemplate(Base):
    """A weekly slot at a location (weekday 0 = Monday); retired templates stay for history."""

    __tablename__ = "shift_templates"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("needed >= 1", name="needed_positive"),
        CheckConstraint("starts < ends", name="starts_before_ends"),
        Index("ix_shift_templates_location_weekday", "location_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]
    needed: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


COMMUNE_WIDE = text("location_id IS NULL")
PROVINCE_WIDE = text("commune_id IS NULL")


class DayOverride(Base):
    """An admin's decision for one day: closed, or a working day (e.g. a make-up Saturday).

    A working day uses the templates of `as_weekday`; no location means every location of the
    commune, and no commune every commune of the province (a commune's own decision for the
    day wins over the province's). One decision per day for the province, for each commune and
    for each location: NULLs are distinct in a unique constraint, so partial unique indexes.
    """

    __tablename__ = "shift_day_overrides"
    __table_args__ = (
        Index("ix_shift_day_overrides_day", "day"),
        UniqueConstraint("location_id", "day"),
        partial_index(
            "uq_shift_day_overrides_commune_day",
            "commune_id",
            "day",
            unique=True,
            where=COMMUNE_WIDE,
        ),
        partial_index(
            "uq_shift_day_overrides_province_day", "day", unique=True, where=PROVINCE_WIDE
        ),
        CheckConstraint(
            "location_id IS NULL OR commune_id IS NOT NULL", name="location_in_commune"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    # None: province-wide, for every commune (a location's override names its commune).
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    working: Mapped[bool]
    as_weekday: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShiftStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class Shift(Base):
    """One concrete shift; `day` is the local date, the times are UTC."""

    __tablename__ = "shifts"
    __table_args__ = (
        UniqueConstraint("template_id", "day"),
        CheckConstraint("needed >= 1", name="needed_positive"),
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        Index("ix_shifts_starts_at", "starts_at"),
        Index("ix_shifts_location_day", "location_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("shift_templates.id", ondelete="SET NULL")
    )
    day: Mapped[date]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    needed: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default=ShiftStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssignmentStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"  # the person stepped back before the cut-off
    RELEASED = "released"  # a stand-in took it over
    REMOVED = "removed"  # an officer took the person off


class AssignmentSource(StrEnum):
    SIGNUP = "signup"
    ASSIGNED = "assigned"
    AUTOFILL = "autofill"
    STANDIN = "standin"


ACTIVE_ONLY = text("status = 'active'")


class ShiftAssignment(Base):
    """A person holding a place on a shift; ended assignments stay for the record."""

    __tablename__ = "shift_assignments"
    __table_args__ = (
        partial_index(
            "uq_shift_assignments_active", "shift_id", "person_id", unique=True, where=ACTIVE_ONLY
        ),
        Index("ix_shift_assignments_person_status", "person_id", "status"),
        Index("ix_shift_assignments_shift_status", "shift_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=AssignmentStatus.ACTIVE)
    source: Mapped[str] = mapped_column(String(10), default=AssignmentSource.SIGNUP)
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    no_show: Mapped[bool] = mapped_column(default=False)
    no_show_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class Unavailability(Base):
    """A day a person marked as unavailable; auto-fill leaves them out that day."""

    __tablename__ = "shift_unavailability"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StandinStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


OPEN_ONLY = text("status = 'open'")


class StandinRequest(Base):
    """Someone cannot come: the shift is offered to others and the first to accept takes it."""

    __tablename__ = "standin_requests"
    __table_args__ = (
        partial_index("uq_standin_requests_open", "assignment_id", unique=True, where=OPEN_ONLY),
        Index("ix_standin_requests_status_shift", "status", "shift_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("shift_assignments.id", ondelete="CASCADE")
    )
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=StandinStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]
