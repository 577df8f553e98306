"""Errors every repository adapter raises the same way (part of the repository contract).

The in-memory fakes and the SQLAlchemy adapter both raise these, so callers and the error
mapping of each entrypoint depend on the port, not on one adapter.
"""

from channel_manager.domain.errors import DomainError


class DuplicateRecord(DomainError):  # noqa: N818 - named like the domain's errors
    """An ``add`` hit an existing record (same id or same unique key)."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} already exists")
        self.kind = kind
        self.key = key


class MissingReference(DomainError):  # noqa: N818 - named like the domain's errors
    """A write referred to a record that does not exist (a foreign key found nothing)."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} refers to a record that does not exist")
        self.kind = kind
        self.key = key
