"""The shape of a row handed to an insert or update, and the mapping of flat entities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

import attrs
import cattrs
import sqlalchemy as sa
from cattrs.fns import identity

#: Column name -> value, ready for ``table.insert().values(...)``.
Row = dict[str, Any]

EntityT = TypeVar("EntityT", bound=attrs.AttrsInstance)


def _make_row_converter() -> cattrs.Converter:
    """Values the driver adapts itself (ids, timestamps, dates, amounts) pass as they are;
    enums travel as their values; mappings and tuples as the dicts and lists of JSON columns."""
    converter = cattrs.Converter(detailed_validation=False)
    for native in (UUID, datetime, date, Decimal):
        converter.register_unstructure_hook(native, identity)
        converter.register_structure_hook(native, lambda value, _: value)
    # StrEnum before str in its MRO: without this, cattrs passes members on as the str they are.
    converter.register_unstructure_hook(StrEnum, lambda member: member.value)
    return converter


row_converter = _make_row_converter()


def flat_to_row(entity: attrs.AttrsInstance) -> Row:
    """Columns of a table whose columns are exactly the entity's fields (enums as their values).
    Entities with money, nested values or children have their own mapping.
    """
    row: Row = row_converter.unstructure(entity)
    return row


def flat_from_row(cls: type[EntityT]) -> Callable[[sa.RowMapping], EntityT]:
    """The reverse of :func:`flat_to_row` for ``cls``: one column per field."""
    structure = row_converter.get_structure_hook(cls)

    def from_row(row: sa.RowMapping) -> EntityT:
        entity: EntityT = structure(row, cls)
        return entity

    return from_row
