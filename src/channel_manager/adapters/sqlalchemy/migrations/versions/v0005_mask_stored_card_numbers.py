"""Mask card numbers already stored in guest text and the message log (issue 12 §4).

Until now a card a guest typed into a remark was stored as typed, and the message log missed
cards written with NBSP or dots and the security codes beside them. New rows are masked before
they are written; this revision applies the same rules (``channel_manager.domain.redaction``)
to the rows that exist. Data only, page by page; masking cannot be undone, so downgrading
leaves the rows as they are.

Revision ID: 0005
Revises: 0007
Create Date: 2026-12-05 15:30:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from channel_manager.domain.redaction import mask_card_numbers

revision: str = "0005"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAGE = 500


#: The key columns' types (an id is a UUID).
_KEY_TYPES: dict[str, Any] = {"role": sa.String(16), "position": sa.Integer()}


def _table(name: str, keys: Sequence[str], texts: Sequence[str], lists: Sequence[str]) -> Any:
    columns = [sa.column(key, _KEY_TYPES.get(key, sa.Uuid())) for key in keys]
    columns += [sa.column(text, sa.Text) for text in texts]
    columns += [sa.column(listed, sa.JSON) for listed in lists]
    return sa.table(name, *columns)


#: (table, key columns, free-text columns, JSON list-of-text columns)
_GUEST_TEXT: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ("reservations", ("id",), (), ("remarks", "special_requests")),
    (
        "reservation_room_stays",
        ("reservation_id", "position"),
        ("external_room_type_name", "meal_plan"),
        ("remarks", "guest_names"),
    ),
    (
        "reservation_guests",
        ("reservation_id", "role", "position"),
        ("given_name", "surname", "address_city"),
        ("address_lines",),
    ),
    ("message_log", ("id",), ("body",), ()),
)


def _masked(row: sa.Row[Any], texts: Sequence[str], lists: Sequence[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in texts:
        value = getattr(row, name)
        if isinstance(value, str) and (masked := mask_card_numbers(value)) != value:
            changes[name] = masked
    for name in lists:
        value = getattr(row, name)
        if isinstance(value, list):
            masked_list = [mask_card_numbers(v) if isinstance(v, str) else v for v in value]
            if masked_list != value:
                changes[name] = masked_list
    return changes


def _mask_table(
    bind: sa.Connection,
    name: str,
    keys: Sequence[str],
    texts: Sequence[str],
    lists: Sequence[str],
) -> None:
    table = _table(name, keys, texts, lists)
    key_columns = [table.c[key] for key in keys]
    last: tuple[Any, ...] | None = None
    while True:
        query = sa.select(table).order_by(*key_columns).limit(_PAGE)
        if last is not None:
            query = query.where(sa.tuple_(*key_columns) > sa.tuple_(*last))
        rows = bind.execute(query).all()
        if not rows:
            return
        for row in rows:
            changes = _masked(row, texts, lists)
            if changes:
                match = [table.c[key] == getattr(row, key) for key in keys]
                bind.execute(sa.update(table).where(*match).values(**changes))
        last = tuple(getattr(rows[-1], key) for key in keys)


def upgrade() -> None:
    """Apply this revision."""
    bind = op.get_bind()
    for name, keys, texts, lists in _GUEST_TEXT:
        _mask_table(bind, name, keys, texts, lists)


def downgrade() -> None:
    """Masked text cannot be unmasked: nothing to revert."""
