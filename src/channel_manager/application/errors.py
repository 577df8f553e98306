"""Errors the use cases raise on top of the domain's."""

# Named for the failure, as the domain's errors are (see domain/errors.py).
# ruff: noqa: N818

from __future__ import annotations

from channel_manager.domain.errors import DomainError


class Unauthenticated(DomainError):
    """No valid credentials were presented (an unknown or revoked API key)."""


class InvalidRequest(DomainError):
    """The request is well-formed but asks for something that cannot be done."""


class UnknownAuthState(DomainError):
    """The callback's ``state`` was never issued by us (or was issued for another flow)."""

    def __init__(self) -> None:
        super().__init__("this authorisation link is unknown; start the connection again")


class ConnectionNotActive(DomainError):
    """The connection cannot talk to its channel in its current state."""
