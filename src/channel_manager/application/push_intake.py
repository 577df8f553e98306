"""Receive pushed reservations: route, log, apply and answer, whatever the channel.

A channel's codec (:class:`~channel_manager.ports.inbound.InboundReservationCodec`) reads the
message and writes the answer; everything in between happens here, in ONE unit of work: every
reservation is routed to the connection of the codec's channel holding its property (by
``(channel, property code)``, never by the code alone), the (redacted) message is logged
for each connection with only its own reservations, every reservation is applied, and our
answer is logged, then committed. Only after the commit is success answered, so nothing is
acknowledged that is not stored, and a message is stored whole or not at all: a refused or
failed one leaves only its log entries (written on their own, after the rollback).
Redelivery is harmless because the reservation ledger ignores a message it has already applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic
from uuid import UUID

import attrs

from channel_manager.application.message_log import MessageLogWriter
from channel_manager.application.reservations import (
    MappingLookup,
    ReservationIntake,
    UnknownHotel,
    UnknownReservation,
)
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import DomainError
from channel_manager.domain.messages import MessageDirection
from channel_manager.ports.clock import Clock
from channel_manager.ports.inbound import (
    InboundReservationCodec,
    MessageT,
    PushAnswer,
    PushedReservation,
    PushRefused,
    RefusalReason,
)
from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

#: Logged instead of a body that could not be cut to one connection's reservations.
UNSHAREABLE = "(not logged: the message could not be cut to this connection's reservations)"
#: How soon a sender should resend a message that arrived before what it refers to.
NOT_YET_RETRY_AFTER = "5"

#: The HTTP status the API gives a domain error (the one mapping, kept by the entrypoints).
StatusOf = Callable[[DomainError], int]


def refusal_for(error: Exception, status_of: StatusOf) -> PushRefused:
    """The refusal for whatever stopped an admitted push (``status_of``: the HTTP status the
    API answers a domain error with, so a push and an API call agree)."""
    if isinstance(error, PushRefused):
        return error
    if isinstance(error, DomainError):
        status = status_of(error)
        if isinstance(error, UnknownHotel):
            return PushRefused(status, RefusalReason.UNKNOWN_PROPERTY, str(error))
        if isinstance(error, UnknownReservation):
            # A cancellation without a hotel whose booking we do not hold has most likely
            # overtaken that booking (push senders do not promise order). A 4xx would drop it
            # for good and the booking, arriving next, would stay live: answer "not yet", so
            # the sender resends it until the booking is here.
            return PushRefused(
                503,
                RefusalReason.NOT_YET_KNOWN,
                str(error),
                headers={"Retry-After": NOT_YET_RETRY_AFTER},
            )
        if status < 500:
            return PushRefused(status, RefusalReason.REFUSED, str(error))
        return PushRefused(status, RefusalReason.FAILED, str(error))
    logger.error("push failed on our side; the sender will retry", exc_info=error)
    return PushRefused(500, RefusalReason.FAILED, "internal error, please retry")


class PushIntake(Generic[MessageT]):
    """Turns one admitted push body into committed reservations, log entries and the answer."""

    def __init__(
        self,
        codec: InboundReservationCodec[MessageT],
        uow_factory: UnitOfWorkFactory,
        intake: ReservationIntake,
        message_log: MessageLogWriter,
        clock: Clock,
        *,
        channel: str,
        endpoint: str,
        status_of: StatusOf,
    ) -> None:
        """``channel``: the key of the channel whose senders push here (reservations are
        routed among its connections only)."""
        self._codec = codec
        self._channel = channel
        self._uow_factory = uow_factory
        self._intake = intake
        self._message_log = message_log
        self._clock = clock
        self._endpoint = endpoint
        self._status_of = status_of

    def receive(self, body: bytes, headers: Mapping[str, str] | None = None) -> PushAnswer:
        """Decode, then route, log, apply and answer in one transaction; never raises for a
        refused or failed push (``headers``: the request's, for the form of an error answer
        to a message that cannot be read)."""
        try:
            message = self._codec.decode(body)
        except PushRefused as refusal:
            # Hostile or malformed: answered, never stored.
            logger.warning("push refused: %s", refusal.message)
            return self._codec.encode_error(refusal, headers=headers, body=body)
        logged = self._text(self._codec.redact(body))
        inbound = {"message_type": message.message_type, "body": logged, "ruid": message.ruid}
        shares: dict[UUID, tuple[int, ...]] = {}
        try:
            return self._commit(message, inbound, shares)
        except Exception as error:
            answer = self._codec.encode_error(refusal_for(error, self._status_of), message=message)
        # Nothing of the message was committed; the log still keeps what came and what we
        # answered, each connection only its own reservations (unattached, whole, when
        # routing failed: unknown hotel, missing ids).
        outbound = self._outbound(message.answer_type, answer)
        if not shares:
            entries = self._log_quietly([None], MessageDirection.INBOUND, **inbound)
            self._log_quietly(list(entries) or [None], MessageDirection.OUTBOUND, **outbound)
        for connection_id, indices in shares.items():
            own = {**inbound, "body": self._share(logged, indices, whole=len(shares) == 1)}
            self._log_quietly([connection_id], MessageDirection.INBOUND, **own)
            self._log_quietly([connection_id], MessageDirection.OUTBOUND, **outbound)
        return answer

    def _commit(
        self,
        message: MessageT,
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
            routed = self._route_all(uow, message.reservations, lookups)
            shares.update(_shares(routed))
            whole = len(shares) == 1
            entries = {
                connection_id: self._write(
                    uow,
                    connection_id,
                    MessageDirection.INBOUND,
                    {**inbound, "body": self._share(inbound["body"], indices, whole=whole)},
                )
                for connection_id, indices in shares.items()
            }
            for channel_reservation, connection in self._prepare(message, routed, entries):
                links = lookups.setdefault(connection.id, MappingLookup(uow, connection.id))
                self._intake.apply_in(uow, connection, channel_reservation, links)
            answer = self._codec.encode_success(message, self._clock.now())
            outbound = self._outbound(message.answer_type, answer)
            for connection_id, indices in shares.items():
                own = {**outbound, "body": self._share(outbound["body"], indices, whole=whole)}
                self._write(uow, connection_id, MessageDirection.OUTBOUND, own)
            uow.commit()
        return answer

    def _route_all(
        self,
        uow: UnitOfWork,
        reservations: Sequence[PushedReservation],
        lookups: dict[UUID, MappingLookup],
    ) -> list[tuple[PushedReservation, Connection]]:
        if not reservations:
            text = "the message holds no reservation"
            raise PushRefused(400, RefusalReason.NO_RESERVATIONS, text)
        return [
            (reservation, self._route(uow, reservation, lookups)) for reservation in reservations
        ]

    def _route(
        self, uow: UnitOfWork, reservation: PushedReservation, lookups: dict[UUID, MappingLookup]
    ) -> Connection:
        if not reservation.reservation_id:
            text = "a reservation does not say its reservation id"
            raise PushRefused(400, RefusalReason.MISSING_RESERVATION_ID, text)
        if not reservation.hotel_code:
            # A cancellation may carry no rooms, hence no HotelCode: the reservation it
            # cancels says where it belongs.
            return self._intake.route_known_in(uow, self._channel, reservation.reservation_id)
        return self._intake.route_in(uow, self._channel, reservation.hotel_code, lookups)

    def _prepare(
        self,
        message: MessageT,
        routed: list[tuple[PushedReservation, Connection]],
        entries: Mapping[UUID, UUID],
    ) -> list[tuple[ChannelReservation, Connection]]:
        """Every reservation mapped, and linked to its logged message, before any is applied."""
        prepared: list[tuple[ChannelReservation, Connection]] = []
        for index, (reservation, connection) in enumerate(routed):
            mapped = message.to_channel_reservation(
                index,
                ack_key=f"push:{reservation.reservation_id}",
                connection_id=connection.id,
                now=self._clock.now,
            )
            linked = attrs.evolve(mapped.reservation, raw_message_id=entries[connection.id])
            prepared.append((attrs.evolve(mapped, reservation=linked), connection))
        return prepared

    def _share(self, body: str, indices: Sequence[int], *, whole: bool) -> str:
        """The (redacted) ``body`` with only the reservations at ``indices``; all of it when one
        connection holds every reservation (``whole``), as most pushes are."""
        if whole:
            return body
        own = self._codec.share(body.encode("utf-8"), indices)
        return UNSHAREABLE if own is None else self._text(own)

    def _outbound(self, message_type: str, answer: PushAnswer) -> dict[str, Any]:
        """The log entry of our answer (redacted like everything the log keeps)."""
        return {
            "message_type": message_type,
            "body": self._text(self._codec.redact(answer.body)),
            "http_status": answer.status,
            "outcome": "success" if answer.status == 200 else "error",
        }

    def _write(
        self,
        uow: UnitOfWork,
        connection_id: UUID,
        direction: MessageDirection,
        entry: Mapping[str, Any],
    ) -> UUID:
        return self._message_log.write_in(
            uow,
            connection_id=connection_id,
            direction=direction,
            endpoint=self._endpoint,
            **entry,
        ).id

    def _log_quietly(
        self, connection_ids: Sequence[UUID | None], direction: MessageDirection, **entry: Any
    ) -> dict[UUID | None, UUID]:
        """One entry per connection, each in its own transaction; the ids by connection."""
        try:
            return {
                connection_id: self._message_log.write(
                    connection_id=connection_id,
                    direction=direction,
                    endpoint=self._endpoint,
                    **entry,
                ).id
                for connection_id in dict.fromkeys(connection_ids)
            }
        except Exception:
            # The answer matters more than its log entry.
            logger.exception("could not write the message log for a push")
            return {}

    @staticmethod
    def _text(body: bytes) -> str:
        return body.decode("utf-8", errors="replace")


def _shares(
    routed: Sequence[tuple[PushedReservation, Connection]],
) -> dict[UUID, tuple[int, ...]]:
    """Each routed connection and the positions of its reservations in the message."""
    positions: dict[UUID, list[int]] = {}
    for index, (_reservation, connection) in enumerate(routed):
        positions.setdefault(connection.id, []).append(index)
    return {connection_id: tuple(found) for connection_id, found in positions.items()}
