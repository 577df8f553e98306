"""The shape of a row handed to an insert or update, and the mapping of flat entities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa

#: Column name -> value, ready for ``table.insert().values(...)``.
Row = dict[str, Any]

EntityT = TypeVar("EntityT", bound=attrs.AttrsInstance)


def flat_to_row(entity: attrs.AttrsInstance) -> Row:
    """Columns of a table whose columns are exactly the entity's fields, values as they are
    (ids, names, numbers, flags, UTC timestamps). Entities with enums, money or children
    have their own mapping.
    """
    return attrs.asdict(entity, recurse=False)


def flat_from_row(cls: type[EntityT]) -> Callable[[sa.RowMapping], EntityT]:
    """The reverse of :func:`flat_to_row` for ``cls``: one column per field."""
    names = tuple(field.name for field in attrs.fields(cls))

    def from_row(row: sa.RowMapping) -> EntityT:
        return cls(**{name: row[name] for name in names})

    return from_row
