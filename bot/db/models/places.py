"""The commune, its villages (thôn / tổ dân phố) and the places where the help desk sits."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class Commune(Base):
    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Ho_Chi_Minh")
    # The official administrative unit (bot/services/units.py); None until someone sets it.
    code: Mapped[int | None] = mapped_column(unique=True)
    province_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("commune_id", "folded_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    folded_name: Mapped[str] = mapped_column(String(120))
    official_households: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LocationKind(StrEnum):
    COMMUNE_DESK = "commune_desk"
    CULTURAL_HOUSE = "cultural_house"
    OTHER = "other"


class Location(Base):
    """A help-desk place: the one-stop desk of the commune or a village cultural house."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("commune_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default=LocationKind.COMMUNE_DESK)
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
