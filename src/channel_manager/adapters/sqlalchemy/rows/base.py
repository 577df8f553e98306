"""The shape of a row handed to an insert or update."""

from typing import Any

#: Column name -> value, ready for ``table.insert().values(...)``.
Row = dict[str, Any]
