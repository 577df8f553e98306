"""``POST /ota/booking/reservations``: OTA push senders deliver OTA_HotelResNotifRQ here.

Order of work, so nothing is stored for a request we refuse and nothing is acknowledged before
it is committed: allow-listed client address (403), HTTP Basic credentials (401), body size
(413), hardened parse (400); then every reservation is routed to the connection whose property
mapping holds its HotelCode; the redacted message is logged, every reservation applied and our
answer logged in one transaction, and only after its commit is ``Success`` answered, echoing the
reservation ids. A message is stored whole or not at all; a refused or failed one leaves only its
log entries (written on their own, after the rollback). Errors carry an OTA error with a 4xx
status (the message is wrong: do not resend) or 5xx (our fault: resend).
Redelivery is harmless because the reservation ledger ignores a message it has already applied.
The answer is bare or SOAP 1.1 as the request was. Without configured push credentials every
request is refused with 503 (fail closed: our configuration, so the sender may retry later).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import anyio
import anyio.to_thread
import attrs
from litestar import Request, Response, post
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

from channel_manager.adapters.booking.ota.cancel import CANCEL_RQ, CANCEL_RS, encode_cancel_rs
from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.excerpt import only_reservations_at
from channel_manager.adapters.booking.ota.namespaces import SOAP_NAMESPACES
from channel_manager.adapters.booking.ota.parser import ParserLimits
from channel_manager.adapters.booking.ota.redact import redact
from channel_manager.adapters.booking.ota.reservation_ids import HotelReservationId
from channel_manager.adapters.booking.ota.reservations import (
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
from channel_manager.application.reservations import MappingLookup, ReservationIntake
from channel_manager.container import Container
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection
from channel_manager.domain.messages import MessageDirection
from channel_manager.entrypoints.rest.push_gate import (
    EWT_REQUIRED,
    PushAnswer,
    PushGate,
    PushRefused,
    error_answer,
    refusal_for,
)
from channel_manager.ports.clock import Clock
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

PUSH_PATH = "/ota/booking/reservations"
#: Pushes decoded and stored at once, each in a thread of its own. More only adds threads
#: contending for the GIL and the connection pool: past what one process sustains, 40 threads
#: (anyio's default) made each push cost ~60% more CPU, so the overload fed itself. Waiting
#: requests queue on the event loop instead, where waiting costs nothing.
PUSH_CONCURRENCY = 4
#: The push endpoint's statuses, each answered with an OTA_HotelResNotifRS (for the OpenAPI).
_PUSH_STATUSES = {
    200: "Success: every reservation committed (OTA_HotelResNotifRS echoing their ids)",
    400: "Malformed, hostile or incomplete message (Errors; do not resend)",
    401: "HTTP Basic credentials missing or wrong",
    403: "The client address is not on CM_PUSH_ALLOWED_IPS",
    409: "A reservation's change is not possible in its current state (Errors)",
    413: "The body exceeds CM_MAX_BODY_BYTES",
    422: "Refused by the domain rules, e.g. an unknown HotelCode (Errors; do not resend)",
    500: "Our failure: nothing acknowledged, resend later",
    503: "Push is disabled (no credentials configured) or a dependency is unavailable",
}


def _xml_content() -> dict[str, OpenAPIMediaType]:
    text = Schema(type=OpenAPIType.STRING)
    return {media: OpenAPIMediaType(schema=text) for media in ("application/xml", "text/xml")}


@dataclass
class _PushOperation(Operation):
    """The push endpoint's OpenAPI operation: OTA XML in and out, bare (application/xml) or
    SOAP 1.1 (text/xml), behind HTTP Basic. Litestar cannot infer any of it from a handler that
    reads the raw body, so it is stated here.
    """

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content=_xml_content(),
            description="OTA_HotelResNotifRQ, OTA_HotelResModifyNotifRQ or OTA_CancelRQ, bare or"
            " in a SOAP 1.1 envelope",
            required=True,
        )
        self.responses = {
            str(status): OpenAPIResponse(description=text, content=_xml_content())
            for status, text in _PUSH_STATUSES.items()
        }
        self.security = [{"PushBasic": []}]


_ACK_KIND = {ResMessageKind.NEW: ResAckKind.NEW, ResMessageKind.MODIFY: ResAckKind.MODIFY}


class ReservationPushReceiver:
    """Turns one admitted body into committed reservations, log entries and the OTA answer."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        intake: ReservationIntake,
        message_log: MessageLogWriter,
        clock: Clock,
        limits: ParserLimits,
    ) -> None:
        self._uow_factory = uow_factory
        self._intake = intake
        self._message_log = message_log
        self._clock = clock
        self._limits = limits

    def receive(self, body: bytes, *, soap_hint: bool) -> PushAnswer:
        """Decode, then route, log, apply and answer in one transaction; never raises."""
        try:
            message = decode_res_notif_rq(body, limits=self._limits)
        except OtaParseError as error:
            # Hostile or malformed: answered, never stored.
            logger.warning("push refused: %s", error)
            return error_answer(refusal_for(error), soap=soap_hint)
        kind = _ACK_KIND[message.kind]
        answer_type = CANCEL_RS if message.cancel_rq else kind.value
        logged = redact(body).decode("utf-8", errors="replace")
        inbound = {
            "message_type": CANCEL_RQ if message.cancel_rq else message.kind.value,
            "body": logged,
            "ruid": message.ruid,
        }
        shares: dict[UUID, tuple[int, ...]] = {}
        try:
            return self._commit(message, kind, inbound, shares)
        except Exception as error:
            refusal = refusal_for(error)
            answer = error_answer(
                refusal, soap=message.soap, echo=message.echo_token, root_name=answer_type
            )
        # Nothing of the message was committed; the log still keeps what came and what we
        # answered, each connection only its own reservations (unattached, whole, when
        # routing failed: unknown hotel, missing ids).
        outbound = _outbound(answer_type, answer)
        if not shares:
            entries = self._log_quietly([None], MessageDirection.INBOUND, **inbound)
            self._log_quietly(list(entries) or [None], MessageDirection.OUTBOUND, **outbound)
        for connection_id, indices in shares.items():
            own = {**inbound, "body": _share(logged, indices, whole=len(shares) == 1)}
            self._log_quietly([connection_id], MessageDirection.INBOUND, **own)
            self._log_quietly([connection_id], MessageDirection.OUTBOUND, **outbound)
        return answer

    def _commit(
        self,
        message: ResNotifRQ,
        kind: ResAckKind,
        inbound: Mapping[str, Any],
        shares: dict[UUID, tuple[int, ...]],
    ) -> PushAnswer:
        """Routing, the inbound log entries, every reservation and the outbound entries in ONE
        transaction: one commit per push instead of one per step, and a message is stored
        whole or not at all (a redelivery after a failure applies it again from the start).
        Fills ``shares`` once routed: each connection and the positions of its reservations
        in the message, for the log (of a failure too).

        A push may carry reservations of hotels held by different organisations: each
        connection's log entries keep only its own reservations (guests' data stays with
        the hotel it belongs to).
        """
        with self._uow_factory() as uow:
            # What routing reads (each connection's property mapping), linking and publishing
            # reuse instead of reading it again in this transaction.
            lookups: dict[UUID, MappingLookup] = {}
            routed = self._route_all(uow, message, lookups)
            shares.update(_shares(routed))
            whole = len(shares) == 1
            entries = {
                connection_id: self._write(
                    uow,
                    connection_id,
                    MessageDirection.INBOUND,
                    {**inbound, "body": _share(inbound["body"], indices, whole=whole)},
                )
                for connection_id, indices in shares.items()
            }
            for channel_reservation, connection in self._prepare(message, routed, entries):
                links = lookups.setdefault(connection.id, MappingLookup(uow, connection.id))
                self._intake.apply_in(uow, connection, channel_reservation, links)
            answer = self._acknowledge(message, kind, routed)
            answer_type = CANCEL_RS if message.cancel_rq else kind.value
            outbound = _outbound(answer_type, answer)
            for connection_id, indices in shares.items():
                own = {**outbound, "body": _share(outbound["body"], indices, whole=whole)}
                self._write(uow, connection_id, MessageDirection.OUTBOUND, own)
            uow.commit()
        return answer

    def _route_all(
        self, uow: UnitOfWork, message: ResNotifRQ, lookups: dict[UUID, MappingLookup]
    ) -> list[tuple[OtaReservation, Connection]]:
        if not message.reservations:
            message_text = "the message holds no reservation"
            raise PushRefused(400, OtaErrorCode.REQUIRED_FIELD_MISSING, message_text)
        return [
            (reservation, self._route(uow, reservation, lookups))
            for reservation in message.reservations
        ]

    def _route(
        self, uow: UnitOfWork, reservation: OtaReservation, lookups: dict[UUID, MappingLookup]
    ) -> Connection:
        missing = OtaErrorCode.REQUIRED_FIELD_MISSING
        if not reservation.reservation_id:
            text = "a reservation has no HotelReservationID/@ResID_Value"
            raise PushRefused(400, missing, text, error_type=EWT_REQUIRED)
        if not reservation.hotel_code:
            # A cancellation may carry no rooms, hence no HotelCode: the reservation it
            # cancels says where it belongs.
            return self._intake.route_known_in(uow, reservation.reservation_id)
        return self._intake.route_in(uow, reservation.hotel_code, lookups)

    def _prepare(
        self,
        message: ResNotifRQ,
        routed: list[tuple[OtaReservation, Connection]],
        entries: Mapping[UUID, UUID],
    ) -> list[tuple[ChannelReservation, Connection]]:
        """Every reservation mapped, and linked to its logged message, before any is applied."""
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
        return prepared

    def _acknowledge(
        self,
        message: ResNotifRQ,
        kind: ResAckKind,
        routed: list[tuple[OtaReservation, Connection]],
    ) -> PushAnswer:
        acknowledged = tuple(
            AcknowledgedReservation(
                ids=reservation.ids
                or (HotelReservationId(value=reservation.reservation_id or ""),),
                hotel_code=reservation.hotel_code,
            )
            for reservation, _connection in routed
        )
        if message.cancel_rq:
            ids = tuple(i for r in acknowledged for i in r.ids)
            body = encode_cancel_rs(
                ids,
                echo_token=message.echo_token,
                timestamp=self._clock.now(),
                version=message.version,
                soap=message.soap,
            )
            return PushAnswer(200, body, message.soap)
        ack = ResAcknowledgement(
            kind=kind,
            reservations=acknowledged,
            echo_token=message.echo_token,
            timestamp=self._clock.now(),
        )
        return PushAnswer(200, encode_res_acknowledgement(ack, soap=message.soap), message.soap)

    def _write(
        self,
        uow: UnitOfWork,
        connection_id: UUID,
        direction: MessageDirection,
        entry: Mapping[str, Any],
    ) -> UUID:
        return self._message_log.write_in(
            uow, connection_id=connection_id, direction=direction, endpoint=PUSH_PATH, **entry
        ).id

    def _log_quietly(
        self, connection_ids: Sequence[UUID | None], direction: MessageDirection, **entry: Any
    ) -> dict[UUID | None, UUID]:
        """One entry per connection, each in its own transaction; the ids by connection."""
        try:
            return {
                connection_id: self._message_log.write(
                    connection_id=connection_id, direction=direction, endpoint=PUSH_PATH, **entry
                ).id
                for connection_id in dict.fromkeys(connection_ids)
            }
        except Exception:
            # The answer matters more than its log entry.
            logger.exception("could not write the message log for a push")
            return {}


def _shares(routed: Sequence[tuple[OtaReservation, Connection]]) -> dict[UUID, tuple[int, ...]]:
    """Each routed connection and the positions of its reservations in the message."""
    positions: dict[UUID, list[int]] = {}
    for index, (_reservation, connection) in enumerate(routed):
        positions.setdefault(connection.id, []).append(index)
    return {connection_id: tuple(found) for connection_id, found in positions.items()}


#: Logged instead of a body that could not be cut to one connection's reservations.
_UNSHAREABLE = "(not logged: the message could not be cut to this connection's reservations)"


def _share(body: str, indices: Sequence[int], *, whole: bool) -> str:
    """The (redacted) ``body`` with only the reservations at ``indices``; all of it when one
    connection holds every reservation (``whole``), as most pushes are."""
    if whole:
        return body
    own = only_reservations_at(body.encode("utf-8"), indices)
    return _UNSHAREABLE if own is None else own.decode("utf-8", errors="replace")


def _outbound(message_type: str, answer: PushAnswer) -> dict[str, Any]:
    """The log entry of our answer (redacted like everything the log keeps)."""
    return {
        "message_type": message_type,
        "body": redact(answer.body).decode("utf-8", errors="replace"),
        "http_status": answer.status,
        "outcome": "success" if answer.status == 200 else "error",
    }


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
    if settings.push_username and not settings.push_allowed_ips:
        logger.warning(
            "CM_PUSH_ALLOWED_IPS is not set: any address may try the push endpoint's password; "
            "set it to the push sender's networks"
        )
    gate = PushGate(settings, container.auth_throttle())
    receiver = ReservationPushReceiver(
        container.uow_factory(),
        container.intake(),
        container.message_log(),
        container.clock(),
        ParserLimits(max_bytes=settings.max_body_bytes),
    )
    limiter: anyio.CapacityLimiter | None = None  # made on the event loop, at the first push
    signal = container.work_signal()

    # The body limit is enforced here, not by the framework, so oversize gets an OTA answer.
    @post(
        PUSH_PATH,
        tags=["ota"],
        request_max_body_size=None,
        status_code=200,
        operation_class=_PushOperation,
    )
    async def receive_reservations(request: Request[Any, Any, Any]) -> Response[bytes]:
        """OTA_HotelResNotifRQ in (bare or SOAP 1.1), OTA_HotelResNotifRS out, same form."""
        nonlocal limiter
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
            if limiter is None:
                limiter = anyio.CapacityLimiter(PUSH_CONCURRENCY)
            answer = await anyio.to_thread.run_sync(
                lambda: receiver.receive(body, soap_hint=_looks_like_soap(request, body)),
                limiter=limiter,
            )
            if answer.status == 200:
                signal.notify()  # committed: the availability it changed goes out now
        return Response(
            answer.body,
            status_code=answer.status,
            media_type=answer.media_type,
            headers=dict(answer.headers),
        )

    return [receive_reservations]
