"""Receive pushed reservations, whatever the channel: check, store in the inbox, answer.

A channel's codec (:class:`~channel_manager.ports.inbound.InboundReservationCodec`) reads the
message and writes the answer. The push is admitted here (issue 17): the body is decoded with
the hardened codec (malformed or hostile: answered with an error, nothing stored), checked for
what a sender must fix (no reservation, a reservation without its id, content the domain
refuses: 4xx, logged), then sealed by the vault (the raw body holds guests' data and possibly
a card) and committed as ONE row of the push inbox. Only after that commit is success
answered, so nothing is acknowledged that is not stored. The worker applies the row shortly
after (:class:`~channel_manager.application.push_inbox.PushInbox`): routing, the
per-connection message log entries, the reservations, availability. A row that cannot be
applied stays in the inbox, retried or flagged, never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Generic
from uuid import UUID

from channel_manager.application.message_log import MessageLogWriter
from channel_manager.domain.errors import DomainError
from channel_manager.domain.messages import MessageDirection
from channel_manager.domain.push_inbox import InboxRoute, InboxRow, seal_context
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.inbound import (
    InboundReservationCodec,
    MessageT,
    PushAnswer,
    PushRefused,
    RefusalReason,
)
from channel_manager.ports.repositories import UnitOfWorkFactory
from channel_manager.ports.vault import CredentialVault, Secret
from channel_manager.ports.work import WorkNotifier

logger = logging.getLogger(__name__)

#: The connection a reservation is mapped for before routing (only to check it maps).
UNROUTED = UUID(int=0)
#: The HTTP status the API gives a domain error (the one mapping, kept by the entrypoints).
StatusOf = Callable[[DomainError], int]


def refusal_for(error: Exception, status_of: StatusOf) -> PushRefused:
    """The refusal for whatever stopped an admitted push before it was stored
    (``status_of``: the HTTP status the API answers a domain error with)."""
    if isinstance(error, PushRefused):
        return error
    if isinstance(error, DomainError):
        status = status_of(error)
        reason = RefusalReason.REFUSED if status < 500 else RefusalReason.FAILED
        return PushRefused(status, reason, str(error))
    logger.error("push failed on our side; the sender will retry", exc_info=error)
    return PushRefused(500, RefusalReason.FAILED, "internal error, please retry")


class PushIntake(Generic[MessageT]):
    """Turns one admitted push body into a committed inbox row and the answer."""

    def __init__(
        self,
        codec: InboundReservationCodec[MessageT],
        uow_factory: UnitOfWorkFactory,
        message_log: MessageLogWriter,
        clock: Clock,
        ids: IdGenerator,
        vault: CredentialVault,
        *,
        channel: str,
        endpoint: str,
        status_of: StatusOf,
        work_signal: WorkNotifier | None = None,
    ) -> None:
        """``channel``: the key of the channel whose senders push here (its reservations are
        routed among its connections only, when applied)."""
        self._codec = codec
        self._channel = channel
        self._uow_factory = uow_factory
        self._message_log = message_log
        self._clock = clock
        self._ids = ids
        self._vault = vault
        self._endpoint = endpoint
        self._status_of = status_of
        self._signal = work_signal

    def receive(self, body: bytes, headers: Mapping[str, str] | None = None) -> PushAnswer:
        """Decode and check, then store the message in the inbox and answer; never raises for
        a refused or failed push (``headers``: the request's, for the form of an error answer
        to a message that cannot be read)."""
        try:
            message = self._codec.decode(body)
        except PushRefused as refusal:
            # Hostile or malformed: answered, never stored.
            logger.warning("push refused: %s", refusal.message)
            return self._codec.encode_error(refusal, headers=headers, body=body)
        try:
            routes = self._routes(message)
            now = self._clock.now()
            row_id = self._ids.new_id()
            sealed = self._vault.seal(Secret(body), seal_context(row_id))
            row = InboxRow(
                id=row_id,
                channel=self._channel,
                received_at=now,
                sealed_body=sealed,
                message_type=message.message_type,
                ruid=message.ruid,
                routes=routes,
                next_attempt_at=now,
            )
            with self._uow_factory() as uow:
                uow.push_inbox.add(row)
                uow.commit()
        except Exception as error:
            answer = self._codec.encode_error(refusal_for(error, self._status_of), message=message)
        else:
            if self._signal is not None:
                self._signal.notify()  # the worker applies it at once
            return self._codec.encode_success(message, now)
        # Nothing was stored; the log keeps what came and what we answered (unattached:
        # the message was not routed).
        inbound = {
            "message_type": message.message_type,
            "body": self._text(self._codec.redact(body)),
            "ruid": message.ruid,
        }
        entries = self._log_quietly(None, MessageDirection.INBOUND, **inbound)
        outbound = {
            "message_type": message.answer_type,
            "body": self._text(self._codec.redact(answer.body)),
            "http_status": answer.status,
            "outcome": "error",
        }
        if entries:
            self._log_quietly(None, MessageDirection.OUTBOUND, **outbound)
        return answer

    def _routes(self, message: MessageT) -> tuple[InboxRoute, ...]:
        """Each reservation's id and hotel code (for the inbox listing); refused when the
        message holds none, one says no id, or one is content the domain refuses (an absurd
        amount, a price in another currency: a :class:`DomainError`, 4xx): the sender must
        fix it, so it is never stored. Mapping to the domain is cheap next to decoding; the
        applier maps again once it knows the connection."""
        if not message.reservations:
            text = "the message holds no reservation"
            raise PushRefused(400, RefusalReason.NO_RESERVATIONS, text)
        routes = []
        for index, reservation in enumerate(message.reservations):
            if not reservation.reservation_id:
                text = "a reservation does not say its reservation id"
                raise PushRefused(400, RefusalReason.MISSING_RESERVATION_ID, text)
            message.to_channel_reservation(
                index, ack_key="", connection_id=UNROUTED, now=self._clock.now
            )
            routes.append(InboxRoute(reservation.reservation_id, reservation.hotel_code or None))
        return tuple(routes)

    def _log_quietly(self, connection_id: None, direction: MessageDirection, **entry: Any) -> bool:
        """One unattached entry in its own transaction; False when it could not be written."""
        try:
            self._message_log.write(
                connection_id=connection_id,
                direction=direction,
                endpoint=self._endpoint,
                **entry,
            )
        except Exception:
            # The answer matters more than its log entry.
            logger.exception("could not write the message log for a push")
            return False
        return True

    @staticmethod
    def _text(body: bytes) -> str:
        return body.decode("utf-8", errors="replace")
