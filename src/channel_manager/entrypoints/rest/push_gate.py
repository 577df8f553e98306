"""Who may push: :class:`PushGate` admits a caller (IP allow-list, then HTTP Basic, fail
closed), or refuses with a :class:`~channel_manager.ports.inbound.PushRefused` that the
channel's codec answers in its own form.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence

from channel_manager.adapters.throttle import PUSH_BASIC, FailureThrottle, LockedOut
from channel_manager.entrypoints.rest.client_ip import client_ip, is_allowed
from channel_manager.ports.inbound import PushRefused, RefusalReason
from channel_manager.settings import Settings

_CHALLENGE = 'Basic realm="channel-manager push", charset="UTF-8"'


class PushGate:
    """Who may push: an allow-listed client address, then the configured HTTP Basic pair.

    Without configured credentials the gate is shut: everything is refused (fail closed).
    With a ``throttle``, an address or a user name and password pair with too many recent
    failures is refused with 429 before its credentials are even compared. The pair, not the
    user name, is what counts: the push user name is no secret, and counting failures against
    it let anyone lock the real sender out with a few wrong passwords.
    """

    def __init__(self, settings: Settings, throttle: FailureThrottle | None = None) -> None:
        self._username = (settings.push.username or "").encode("utf-8")
        self._password = settings.push.password.reveal_bytes() if settings.push.password else b""
        self._allowed = settings.push.allowed_ips
        self._trusted = settings.http.trusted_proxies
        self._throttle = throttle

    def check(self, peer: str | None, forwarded_for: Sequence[str], authorization: str) -> None:
        """Return quietly when the caller may push; raise :class:`PushRefused` otherwise."""
        if not (self._username and self._password):
            message = "push is disabled: CM_PUSH_USERNAME and CM_PUSH_PASSWORD are not set"
            raise PushRefused(503, RefusalReason.DISABLED, message)
        address = client_ip(peer, forwarded_for, self._trusted)
        if not is_allowed(address, self._allowed):
            message = f"client address {address or 'unknown'} may not push"
            raise PushRefused(403, RefusalReason.ADDRESS_NOT_ALLOWED, message)
        presented = _basic_pair(authorization)
        if self._throttle is not None:
            try:
                self._throttle.check(PUSH_BASIC, str(address) if address else None, presented)
            except LockedOut as error:
                raise PushRefused(
                    429,
                    RefusalReason.LOCKED_OUT,
                    str(error),
                    headers={"Retry-After": str(error.retry_after)},
                ) from None
        if not self._credentials_match(authorization):
            if self._throttle is not None and authorization.strip():
                self._throttle.failed(PUSH_BASIC, str(address) if address else None, presented)
            raise PushRefused(
                401,
                RefusalReason.UNAUTHENTICATED,
                "HTTP Basic credentials are missing or wrong",
                headers={"WWW-Authenticate": _CHALLENGE},
            )

    def _credentials_match(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            # ValueError: header bytes beyond ASCII arrive as Latin-1 text, which base64 refuses.
            return False
        username, colon, password = decoded.partition(b":")
        # Both comparisons always run, in constant time, so timing tells nothing.
        username_ok = hmac.compare_digest(username, self._username)
        password_ok = hmac.compare_digest(password, self._password)
        return bool(colon) and username_ok and password_ok


def _basic_pair(authorization: str) -> bytes | None:
    """The ``user:password`` of a Basic header (what the throttle counts, hashed), if any."""
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, colon, _ = decoded.partition(b":")
    return decoded if colon and user else None
