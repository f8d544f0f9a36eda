"""ORM objects as a query would have loaded them, from rows read with Core.

Every update loads who is writing (bot/core/state.py). The ORM builds its row processors anew
for each query, and for identity, person and state that cost more than the query itself:
0.18 ms against 0.07 for the same row read with Core, which becomes objects here in 0.04. The
objects are attached to the session persistent and unchanged, as SQLAlchemy documents for
`make_transient_to_detached`: a change to them is flushed as to any loaded object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, manager_of_class

Model = TypeVar("Model")


class Columns(Generic[Model]):
    """A model's mapped columns, to select with Core, found in a row from `start` on; and the
    object they make."""

    def __init__(self, model: type[Model], start: int = 0) -> None:
        self.model = model
        mapper = inspect(model)
        attributes = list(mapper.column_attrs)
        self.keys = [attribute.key for attribute in attributes]
        self.columns: list[Column[Any]] = [attribute.columns[0] for attribute in attributes]
        self.start = start
        self.end = start + len(self.keys)
        key = mapper.primary_key[0]
        self._primary_key = start + next(
            index for index, column in enumerate(self.columns) if column is key
        )

    def found(self, row: Sequence[Any]) -> bool:
        """Whether the row holds one (an outer join finds none)."""
        return row[self._primary_key] is not None

    def attach(self, session: AsyncSession, row: Sequence[Any]) -> Model:
        """The object these columns of the row make, in the session as if loaded."""
        loaded: Model = manager_of_class(self.model).new_instance()
        values = row[self.start : self.end]
        instance_state(loaded).dict.update(zip(self.keys, values, strict=True))
        make_transient_to_detached(loaded)
        session.add(loaded)
        return loaded
