"""Declarative base, naming convention, the UTC timestamp type every model uses, and partial
indexes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Index, MetaData, TextClause, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite gives naive values back, so re-attach UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON}


# Partial indexes and their conditions, for PostgreSQL's part (see partial_index).
_partial: list[tuple[Index, TextClause]] = []
_on_postgresql = False


def partial_index(name: str, *columns: str, where: TextClause, unique: bool = False) -> Index:
    """An index of the rows where `where` holds, on SQLite and PostgreSQL alike.

    Naming a dialect's option loads that dialect (2 MB), so PostgreSQL's condition is added
    only once an engine for it is made (`use_postgresql`): SQLite installations never load it.
    """
    index = Index(name, *columns, unique=unique, sqlite_where=where)
    _partial.append((index, where))
    if _on_postgresql:
        index.dialect_kwargs["postgresql_where"] = where
    return index


def use_postgresql() -> None:
    """Give every partial index its condition on PostgreSQL too (idempotent)."""
    global _on_postgresql
    _on_postgresql = True
    for index, where in _partial:
        index.dialect_kwargs["postgresql_where"] = where
