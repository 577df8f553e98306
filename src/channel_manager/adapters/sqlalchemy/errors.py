"""Errors the SQLAlchemy adapter raises beyond the domain's own and the repository contract's
(:mod:`channel_manager.ports.errors`: DuplicateRecord, MissingReference)."""

from channel_manager.domain.errors import InvalidValue


class UnstorableValue(InvalidValue):
    """The database cannot take a value it was given: a NUL character in text (PostgreSQL), a
    number beyond its integer types. Bad input, answered like any other invalid value (422),
    rather than a driver error that would surface as a 500.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"a value cannot be stored: {reason}")


def is_unique_violation(error: Exception) -> bool:
    """True when a driver error reports a unique or primary key violation.

    PostgreSQL says so with SQLSTATE 23505; SQLite only in its message text.
    """
    original = getattr(error, "orig", error)
    if getattr(original, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(original)
