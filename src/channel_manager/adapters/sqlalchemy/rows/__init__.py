"""Explicit row <-> entity translation: the domain classes are never instrumented.

Each ``*_to_row`` returns the column values for an insert or update; each ``*_from_row`` builds
the entity from a result row (``sa.RowMapping``).
"""
