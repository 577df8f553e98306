"""Who may push, and how a refused push is answered (the OTA error form of the push endpoint).

Kept apart from the receiver so each reads on its own: :class:`PushGate` admits a caller (IP
allow-list, then HTTP Basic, fail closed), :func:`refusal_for` turns whatever stopped a push into
an OTA error with an HTTP status, and :func:`error_answer` renders it bare or in SOAP.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Mapping, Sequence

import attrs

from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.namespaces import ota_root, sub, to_bytes
from channel_manager.adapters.booking.ota.reservations import RES_NOTIF_VERSION
from channel_manager.adapters.booking.ota.responses import ResAckKind
from channel_manager.adapters.throttle import PUSH_BASIC, FailureThrottle, LockedOut
from channel_manager.application.reservations import UnknownHotel, UnknownReservation
from channel_manager.domain.errors import DomainError
from channel_manager.entrypoints.rest.client_ip import client_ip, is_allowed
from channel_manager.entrypoints.rest.errors import status_for
from channel_manager.settings import Settings

logger = logging.getLogger(__name__)

#: OpenTravel ERR codes beyond the codec's: 392 invalid hotel code, 497 authorization error.
INVALID_HOTEL_CODE = 392
AUTHORIZATION_ERROR = 497
#: OpenTravel EWT: 3 business rule, 4 authentication, 6 authorization, 10 required field
#: missing, 13 application error.
EWT_BUSINESS, EWT_AUTHENTICATION, EWT_AUTHORIZATION, EWT_REQUIRED, EWT_APPLICATION = (
    "3",
    "4",
    "6",
    "10",
    "13",
)
_CHALLENGE = 'Basic realm="channel-manager push", charset="UTF-8"'
_SHORT_TEXT_MAX = 64  # the 2015B schema's limit; the full sentence goes in the element text


class PushRefused(Exception):  # noqa: N818 -- named for what happens to the push
    """A push answered with one OTA error and an HTTP status (4xx: do not resend; 5xx: do)."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        error_type: str = EWT_APPLICATION,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = int(code)
        self.message = message
        self.error_type = error_type
        self.headers = dict(headers or {})


def refusal_for(error: Exception) -> PushRefused:
    """The OTA error and HTTP status for whatever stopped an admitted push."""
    if isinstance(error, PushRefused):
        return error
    if isinstance(error, OtaParseError):
        return PushRefused(400, error.ota_code, error.message, error_type=error.error_type)
    if isinstance(error, DomainError):
        status, _kind = status_for(error)  # the same status the REST API gives it
        if isinstance(error, UnknownHotel):
            return PushRefused(status, INVALID_HOTEL_CODE, str(error), error_type=EWT_BUSINESS)
        if isinstance(error, UnknownReservation):
            # A cancellation without a hotel whose booking we do not hold has most likely
            # overtaken that booking (push senders do not promise order). A 4xx would drop it
            # for good and the booking, arriving next, would stay live: answer "not yet", so
            # the sender resends it until the booking is here.
            return PushRefused(
                503, OtaErrorCode.SYSTEM_ERROR, str(error), headers={"Retry-After": "5"}
            )
        if status < 500:
            code = OtaErrorCode.UNABLE_TO_PROCESS
            return PushRefused(status, code, str(error), error_type=EWT_BUSINESS)
        return PushRefused(status, OtaErrorCode.SYSTEM_ERROR, str(error))
    logger.error("push failed on our side; the sender will retry", exc_info=error)
    return PushRefused(500, OtaErrorCode.SYSTEM_ERROR, "internal error, please retry")


@attrs.frozen
class PushAnswer:
    """The HTTP answer to one push: status, OTA response body, and extra headers."""

    status: int
    body: bytes
    soap: bool
    headers: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def media_type(self) -> str:
        """SOAP 1.1 travels as ``text/xml``; a bare OTA message as ``application/xml``."""
        return "text/xml; charset=utf-8" if self.soap else "application/xml; charset=utf-8"


def error_answer(
    refusal: PushRefused,
    *,
    soap: bool,
    kind: ResAckKind = ResAckKind.NEW,
    echo: str | None = None,
    root_name: str | None = None,
) -> PushAnswer:
    """OTA_HotelResNotifRS (or ModifyNotifRS, or ``root_name``: OTA_CancelRS) carrying
    ``Errors`` for ``refusal``."""
    root = ota_root(root_name or kind.value, {"EchoToken": echo, "Version": RES_NOTIF_VERSION})
    short = refusal.message
    if len(short) > _SHORT_TEXT_MAX:
        short = short[: _SHORT_TEXT_MAX - 3] + "..."
    attributes = {"Type": refusal.error_type, "Code": str(refusal.code), "ShortText": short}
    sub(sub(root, "Errors"), "Error", attributes, text=refusal.message)
    return PushAnswer(refusal.status, to_bytes(root, soap=soap), soap, refusal.headers)


class PushGate:
    """Who may push: an allow-listed client address, then the configured HTTP Basic pair.

    Without configured credentials the gate is shut: everything is refused (fail closed).
    With a ``throttle``, an address or a user name and password pair with too many recent
    failures is refused with 429 before its credentials are even compared. The pair, not the
    user name, is what counts: the push user name is no secret, and counting failures against
    it let anyone lock the real sender out with a few wrong passwords.
    """

    def __init__(self, settings: Settings, throttle: FailureThrottle | None = None) -> None:
        self._username = (settings.push_username or "").encode("utf-8")
        self._password = settings.push_password.reveal_bytes() if settings.push_password else b""
        self._allowed = settings.push_allowed_ips
        self._trusted = settings.trusted_proxies
        self._throttle = throttle

    def check(self, peer: str | None, forwarded_for: Sequence[str], authorization: str) -> None:
        """Return quietly when the caller may push; raise :class:`PushRefused` otherwise."""
        if not (self._username and self._password):
            message = "push is disabled: CM_PUSH_USERNAME and CM_PUSH_PASSWORD are not set"
            raise PushRefused(503, OtaErrorCode.SYSTEM_ERROR, message)
        address = client_ip(peer, forwarded_for, self._trusted)
        if not is_allowed(address, self._allowed):
            message = f"client address {address or 'unknown'} may not push"
            raise PushRefused(403, AUTHORIZATION_ERROR, message, error_type=EWT_AUTHORIZATION)
        presented = _basic_pair(authorization)
        if self._throttle is not None:
            try:
                self._throttle.check(PUSH_BASIC, str(address) if address else None, presented)
            except LockedOut as error:
                raise PushRefused(
                    429,
                    AUTHORIZATION_ERROR,
                    str(error),
                    error_type=EWT_AUTHENTICATION,
                    headers={"Retry-After": str(error.retry_after)},
                ) from None
        if not self._credentials_match(authorization):
            if self._throttle is not None and authorization.strip():
                self._throttle.failed(PUSH_BASIC, str(address) if address else None, presented)
            raise PushRefused(
                401,
                AUTHORIZATION_ERROR,
                "HTTP Basic credentials are missing or wrong",
                error_type=EWT_AUTHENTICATION,
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
