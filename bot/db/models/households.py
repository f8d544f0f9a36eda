"""Households and their public-service account status, and the help given to them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class Household(Base):
    """A household is *covered* when at least one member has a working account."""

    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("village_id", "code"),
        CheckConstraint("members >= 0 AND members_with_account >= 0", name="non_negative"),
        CheckConstraint("members_with_account <= members", name="accounts_within_members"),
        Index("ix_households_village_head", "village_id", "folded_head"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(40))
    head_name: Mapped[str] = mapped_column(String(120))
    folded_head: Mapped[str] = mapped_column(String(120))
    members: Mapped[int] = mapped_column(default=1)
    members_with_account: Mapped[int] = mapped_column(default=0)
    submitted_online: Mapped[bool] = mapped_column(default=False)
    paid_online: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    consent_at: Mapped[datetime | None]
    consent_recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # What a register file said for each field at the last import that had its column; a
    # field missing here (NULL for a household created in chat) counts as changed in chat.
    # Only imports write it: see bot/services/household_io/merge.py.
    imported_values: Mapped[dict[str, Any] | None]


class AssistAction(StrEnum):
    ACCOUNT_CREATED = "account_created"
    LEVEL2_REFERRAL = "level2_referral"
    PORTAL_LOGIN = "portal_login"
    SUBMITTED_ONLINE = "submitted_online"
    PAPERS_DIGITISED = "papers_digitised"
    PAID_ONLINE = "paid_online"
    OTHER = "other"


# Covering indexes for the tallies and KPIs (bot/services/reports; migration 0018): a range of
# days holds every column they count. SQLite groups per helper faster by skip-scanning the
# helper index (it starts with helper_id, as lookups of one helper's visits need anyway).
REPORT_INDEX = ("day", "village_id", "household_id", "helper_id", "procedure", "fee_required",
                *(action.value for action in AssistAction))  # fmt: skip
HELPER_INDEX = ("helper_id", "day", "household_id", "procedure")


class Assistance(Base):
    """One time someone helped a household; village and local day are kept for fast tallies."""

    __tablename__ = "assistances"
    __table_args__ = (
        Index("ix_assistances_day_report", *REPORT_INDEX),
        Index("ix_assistances_helper_day_household", *HELPER_INDEX),
        Index("ix_assistances_household", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id", ondelete="CASCADE"))
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    day: Mapped[date]
    account_created: Mapped[bool] = mapped_column(default=False)
    level2_referral: Mapped[bool] = mapped_column(default=False)
    portal_login: Mapped[bool] = mapped_column(default=False)
    submitted_online: Mapped[bool] = mapped_column(default=False)
    papers_digitised: Mapped[bool] = mapped_column(default=False)
    paid_online: Mapped[bool] = mapped_column(default=False)
    other: Mapped[bool] = mapped_column(default=False)
    # A dossier was handled: its procedure (a guide id) and whether it carried a fee.
    procedure: Mapped[str | None] = mapped_column(String(40))
    fee_required: Mapped[bool | None]
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    # Written down after its day (`day` < the local day of `at`): in chat up to 7 days back, or
    # imported from the desk's sheet. It counts for its own day in every report.
    logged_late: Mapped[bool] = mapped_column(default=False, server_default=false())
