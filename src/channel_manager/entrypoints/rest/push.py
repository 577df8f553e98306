"""``POST /ota/booking/reservations``: OTA push senders deliver OTA_HotelResNotifRQ here.

Order of work, so nothing is stored for a request we refuse and nothing is acknowledged before
it is committed: allow-listed client address (403), HTTP Basic credentials (401), body size
(413), hardened parse (400); then every reservation is routed to the connection whose property
mapping holds its HotelCode, the redacted message is logged, each reservation is applied in its
own transaction, and only then is ``Success`` answered, echoing the reservation ids. Errors carry
an OTA error with a 4xx status (the message is wrong: do not resend) or 5xx (our fault: resend).
Redelivery is harmless because the reservation ledger ignores a message it has already applied.
The answer is bare or SOAP 1.1 as the request was. Without configured push credentials every
request is refused with 503 (fail closed: our configuration, so the sender may retry later).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import anyio.to_thread
import attrs
from litestar import Request, Response, post
from litestar.handlers import HTTPRouteHandler

from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.namespaces import SOAP_NAMESPACES, ota_root, sub, to_bytes
from channel_manager.adapters.booking.ota.parser import ParserLimits
from channel_manager.adapters.booking.ota.redact import redact
from channel_manager.adapters.booking.ota.reservation_ids import HotelReservationId
from channel_manager.adapters.booking.ota.reservations import (
    RES_NOTIF_VERSION,
    OtaReservation,
    ResMessageKind,
    ResNotifRQ,
)
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.ota.responses import (
    AcknowledgedReservation,
    ResAckKind,
    ResAcknowledgement,
    encode_res_acknowledgement,
)
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from channel_manager.application.message_log import MessageLogWriter
from channel_manager.application.reservations import ReservationIntake, UnknownHotel
from channel_manager.container import Container
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import DomainError
from channel_manager.domain.messages import MessageDirection
from channel_manager.entrypoints.rest.client_ip import client_ip, is_allowed
from channel_manager.entrypoints.rest.errors import status_for
from channel_manager.ports.clock import Clock
from channel_manager.settings import Settings

logger = logging.getLogger(__name__)

PUSH_PATH = "/ota/booking/reservations"
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
_ACK_KIND = {ResMessageKind.NEW: ResAckKind.NEW, ResMessageKind.MODIFY: ResAckKind.MODIFY}


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
    refusal: PushRefused, *, soap: bool, kind: ResAckKind = ResAckKind.NEW, echo: str | None = None
) -> PushAnswer:
    """OTA_HotelResNotifRS (or ModifyNotifRS) carrying ``Errors`` for ``refusal``."""
    root = ota_root(kind.value, {"EchoToken": echo, "Version": RES_NOTIF_VERSION})
    short = refusal.message
    if len(short) > _SHORT_TEXT_MAX:
        short = short[: _SHORT_TEXT_MAX - 3] + "..."
    attributes = {"Type": refusal.error_type, "Code": str(refusal.code), "ShortText": short}
    sub(sub(root, "Errors"), "Error", attributes, text=refusal.message)
    return PushAnswer(refusal.status, to_bytes(root, soap=soap), soap, refusal.headers)


class PushGate:
    """Who may push: an allow-listed client address, then the configured HTTP Basic pair.

    Without configured credentials the gate is shut: everything is refused (fail closed).
    """

    def __init__(self, settings: Settings) -> None:
        self._username = (settings.push_username or "").encode("utf-8")
        self._password = settings.push_password.reveal_bytes() if settings.push_password else b""
        self._allowed = settings.push_allowed_ips
        self._trusted = settings.trusted_proxies

    def check(self, peer: str | None, forwarded_for: Sequence[str], authorization: str) -> None:
        """Return quietly when the caller may push; raise :class:`PushRefused` otherwise."""
        if not (self._username and self._password):
            message = "push is disabled: CM_PUSH_USERNAME and CM_PUSH_PASSWORD are not set"
            raise PushRefused(503, OtaErrorCode.SYSTEM_ERROR, message)
        address = client_ip(peer, forwarded_for, self._trusted)
        if not is_allowed(address, self._allowed):
            message = f"client address {address or 'unknown'} may not push"
            raise PushRefused(403, AUTHORIZATION_ERROR, message, error_type=EWT_AUTHORIZATION)
        if not self._credentials_match(authorization):
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
        except binascii.Error:
            return False
        username, colon, password = decoded.partition(b":")
        # Both comparisons always run, in constant time, so timing tells nothing.
        username_ok = hmac.compare_digest(username, self._username)
        password_ok = hmac.compare_digest(password, self._password)
        return bool(colon) and username_ok and password_ok


class ReservationPushReceiver:
    """Turns one admitted body into committed reservations, log entries and the OTA answer."""

    def __init__(
        self,
        intake: ReservationIntake,
        message_log: MessageLogWriter,
        clock: Clock,
        limits: ParserLimits,
    ) -> None:
        self._intake = intake
        self._message_log = message_log
        self._clock = clock
        self._limits = limits

    def receive(self, body: bytes, *, soap_hint: bool) -> PushAnswer:
        """Decode, route, log, apply and answer; never raises."""
        try:
            message = decode_res_notif_rq(body, limits=self._limits)
        except OtaParseError as error:
            # Hostile or malformed: answered, never stored.
            logger.warning("push refused: %s", error)
            return error_answer(refusal_for(error), soap=soap_hint)
        kind = _ACK_KIND[message.kind]
        inbound = {
            "message_type": message.kind.value,
            "body": redact(body).decode("utf-8", errors="replace"),
            "ruid": message.ruid,
        }
        entries: dict[UUID | None, UUID] = {}
        try:
            routed = self._route_all(message)
            entries = self._log([c.id for _, c in routed], MessageDirection.INBOUND, **inbound)
            answer = self._apply(message, kind, routed, entries)
        except Exception as error:
            refusal = refusal_for(error)
            answer = error_answer(refusal, soap=message.soap, kind=kind, echo=message.echo_token)
        if not entries:
            # Refused before routing finished (unknown hotel, missing ids): logged unattached.
            entries = self._log_quietly([None], MessageDirection.INBOUND, **inbound)
        self._log_quietly(
            list(entries) or [None],
            MessageDirection.OUTBOUND,
            message_type=kind.value,
            body=redact(answer.body).decode("utf-8", errors="replace"),
            http_status=answer.status,
            outcome="success" if answer.status == 200 else "error",
        )
        return answer

    def _route_all(self, message: ResNotifRQ) -> list[tuple[OtaReservation, Connection]]:
        if not message.reservations:
            message_text = "the message holds no reservation"
            raise PushRefused(400, OtaErrorCode.REQUIRED_FIELD_MISSING, message_text)
        return [(reservation, self._route(reservation)) for reservation in message.reservations]

    def _route(self, reservation: OtaReservation) -> Connection:
        missing = OtaErrorCode.REQUIRED_FIELD_MISSING
        if not reservation.reservation_id:
            text = "a reservation has no HotelReservationID/@ResID_Value"
            raise PushRefused(400, missing, text, error_type=EWT_REQUIRED)
        if not reservation.hotel_code:
            text = f"reservation {reservation.reservation_id} has no BasicPropertyInfo/@HotelCode"
            raise PushRefused(400, missing, text, error_type=EWT_REQUIRED)
        return self._intake.route(reservation.hotel_code)

    def _apply(
        self,
        message: ResNotifRQ,
        kind: ResAckKind,
        routed: list[tuple[OtaReservation, Connection]],
        entries: Mapping[UUID | None, UUID],
    ) -> PushAnswer:
        # Map everything first, so a message the domain rejects changes nothing.
        prepared: list[tuple[ChannelReservation, Connection]] = []
        for reservation, connection in routed:
            mapped = to_channel_reservation(
                reservation,
                message,
                f"push:{reservation.reservation_id}",
                connection_id=connection.id,
                now=self._clock.now,
            )
            linked = attrs.evolve(mapped.reservation, raw_message_id=entries[connection.id])
            prepared.append((attrs.evolve(mapped, reservation=linked), connection))
        # One transaction each. If a later one fails, the earlier ones stay committed and the
        # sender's redelivery finds them already applied (the ledger answers "duplicate").
        for channel_reservation, connection in prepared:
            self._intake.apply(connection, channel_reservation)
        acknowledged = tuple(
            AcknowledgedReservation(
                ids=reservation.ids
                or (HotelReservationId(value=reservation.reservation_id or ""),),
                hotel_code=reservation.hotel_code,
            )
            for reservation, _connection in routed
        )
        ack = ResAcknowledgement(
            kind=kind,
            reservations=acknowledged,
            echo_token=message.echo_token,
            timestamp=self._clock.now(),
        )
        return PushAnswer(200, encode_res_acknowledgement(ack, soap=message.soap), message.soap)

    def _log(
        self, connection_ids: Sequence[UUID | None], direction: MessageDirection, **entry: Any
    ) -> dict[UUID | None, UUID]:
        """One message-log entry per connection the message concerns; their ids by connection."""
        return {
            connection_id: self._message_log.write(
                connection_id=connection_id, direction=direction, endpoint=PUSH_PATH, **entry
            ).id
            for connection_id in dict.fromkeys(connection_ids)
        }

    def _log_quietly(
        self, connection_ids: Sequence[UUID | None], direction: MessageDirection, **entry: Any
    ) -> dict[UUID | None, UUID]:
        try:
            return self._log(connection_ids, direction, **entry)
        except Exception:
            # The answer matters more than its log entry.
            logger.exception("could not write the message log for a push")
            return {}


def _looks_like_soap(request: Request[Any, Any, Any], body: bytes = b"") -> bool:
    """Best guess of the sender's form when the body cannot be parsed (errors only)."""
    if "soapaction" in request.headers:
        return True
    return any(namespace.encode() in body for namespace in SOAP_NAMESPACES)


async def _read_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    too_big = PushRefused(413, OtaErrorCode.UNABLE_TO_PROCESS, f"the message exceeds {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def push_handlers(container: Container) -> list[HTTPRouteHandler]:
    """The push endpoint's route handlers, wired to ``container``."""
    settings = container.settings()
    gate = PushGate(settings)
    receiver = ReservationPushReceiver(
        container.intake(),
        container.message_log(),
        container.clock(),
        ParserLimits(max_bytes=settings.max_body_bytes),
    )

    # The body limit is enforced here, not by the framework, so oversize gets an OTA answer.
    @post(PUSH_PATH, tags=["ota"], request_max_body_size=None, status_code=200)
    async def receive_reservations(request: Request[Any, Any, Any]) -> Response[bytes]:
        """OTA_HotelResNotifRQ in (bare or SOAP 1.1), OTA_HotelResNotifRS out, same form."""
        try:
            gate.check(
                request.client.host if request.client else None,
                request.headers.getall("x-forwarded-for", []),
                request.headers.get("authorization", ""),
            )
            body = await _read_body(request, settings.max_body_bytes)
        except PushRefused as refusal:
            logger.warning("push refused with %d: %s", refusal.status, refusal.message)
            answer = error_answer(refusal, soap=_looks_like_soap(request))
        else:
            answer = await anyio.to_thread.run_sync(
                lambda: receiver.receive(body, soap_hint=_looks_like_soap(request, body))
            )
        return Response(
            answer.body,
            status_code=answer.status,
            media_type=answer.media_type,
            headers=dict(answer.headers),
        )

    return [receive_reservations]
