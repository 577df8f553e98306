"""The caller's address as the failure throttle (:mod:`channel_manager.adapters.throttle`)
counts it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from litestar import Request

from channel_manager.adapters.throttle import FailureThrottle
from channel_manager.application.errors import Unauthenticated
from channel_manager.entrypoints.rest.client_ip import client_ip
from channel_manager.settings import IpNetwork

T = TypeVar("T")


def request_address(request: Request[Any, Any, Any], trusted: Sequence[IpNetwork]) -> str | None:
    """The caller's address (``X-Forwarded-For`` believed from trusted proxies only)."""
    peer = request.client.host if request.client else None
    address = client_ip(peer, request.headers.getall("x-forwarded-for", []), trusted)
    return str(address) if address is not None else None


class RequestThrottle:
    """:class:`FailureThrottle` for a request: counts against the request's client address.

    The handlers' ``auth_throttle`` dependency (sign-in uses it)."""

    def __init__(self, throttle: FailureThrottle, trusted: Sequence[IpNetwork]) -> None:
        self._throttle = throttle
        self._trusted = tuple(trusted)

    def attempt(
        self,
        request: Request[Any, Any, Any],
        kind: str,
        credential: str | None,
        use: Callable[[], T],
    ) -> T:
        """``use()`` unless the caller or ``credential`` is locked out (``LockedOut``); an
        ``Unauthenticated`` it raises counts as one failure from the caller's address."""
        address = request_address(request, self._trusted)
        return self._throttle.attempt(kind, address, credential, use, Unauthenticated)
