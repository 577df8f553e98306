"""Reservations a channel pushes to us: what the push use case needs from a channel's codec.

The use cases (:mod:`channel_manager.application.push_intake` admits and answers,
:mod:`channel_manager.application.push_inbox` routes, logs and applies); a codec reads and
writes one channel's message format (Booking/OTA XML today, webhooks later). Refusals are
said in the core's words (:class:`RefusalReason` and an HTTP status: 4xx the sender must not
resend, 5xx it should); each codec spells them in its own error vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar, runtime_checkable
from uuid import UUID

import attrs

from channel_manager.domain.channel import ChannelReservation


class RefusalReason(StrEnum):
    """Why a push was refused, whatever the channel."""

    #: The body cannot be read: not the format, hostile, or missing what the format requires.
    MALFORMED = "malformed"
    #: The message holds no reservation.
    NO_RESERVATIONS = "no_reservations"
    #: A reservation does not say which reservation it is.
    MISSING_RESERVATION_ID = "missing_reservation_id"
    #: No connection holds the property the reservation names.
    UNKNOWN_PROPERTY = "unknown_property"
    #: It refers to a reservation that is not here yet (a cancellation that overtook it).
    NOT_YET_KNOWN = "not_yet_known"
    #: The domain rules refuse it (a change not possible in the reservation's state ...).
    REFUSED = "refused"
    #: Our failure: the sender should resend later.
    FAILED = "failed"
    #: Pushes are not configured here (no credentials): the sender may retry later.
    DISABLED = "disabled"
    #: The sender's address may not push.
    ADDRESS_NOT_ALLOWED = "address_not_allowed"
    #: Too many failed attempts from the sender's address or with its credentials.
    LOCKED_OUT = "locked_out"
    #: Credentials missing or wrong.
    UNAUTHENTICATED = "unauthenticated"
    #: The body exceeds the size limit.
    TOO_LARGE = "too_large"


class PushRefused(Exception):  # noqa: N818 -- named for what happens to the push
    """A push answered with one error and an HTTP status (4xx: do not resend; 5xx: do).

    ``detail`` is for the codec that raised it (its own error code, say); the core passes it
    back to the codec untouched.
    """

    def __init__(
        self,
        status: int,
        reason: RefusalReason,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        detail: object = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.headers = dict(headers or {})
        self.detail = detail


@attrs.frozen
class PushAnswer:
    """The HTTP answer to one push: status, encoded body, its media type and extra headers."""

    status: int
    body: bytes
    media_type: str
    headers: Mapping[str, str] = attrs.field(factory=dict)


class PushedReservation(Protocol):
    """One reservation of a decoded push, as routing sees it."""

    @property
    def reservation_id(self) -> str | None:
        """The channel's reservation number (``None`` when the message does not say)."""
        ...

    @property
    def hotel_code(self) -> str | None:
        """The channel's code of the property (a cancellation may carry none)."""
        ...


class DecodedPush(Protocol):
    """One decoded push message."""

    @property
    def reservations(self) -> Sequence[PushedReservation]:
        """Its reservations, in message order (the order :meth:`InboundReservationCodec.share`
        counts in)."""
        ...

    @property
    def message_type(self) -> str:
        """What the message log calls the message."""
        ...

    @property
    def answer_type(self) -> str:
        """What the message log calls our answer to it."""
        ...

    @property
    def ruid(self) -> str | None:
        """The channel's request id, when it sent one (logged)."""
        ...

    def to_channel_reservation(
        self,
        index: int,
        *,
        ack_key: str,
        connection_id: UUID,
        now: Callable[[], datetime],
    ) -> ChannelReservation:
        """The reservation at ``index`` as the domain sees it (domain errors for content the
        domain refuses)."""
        ...


MessageT = TypeVar("MessageT", bound=DecodedPush)


class InboundReservationCodec(Protocol[MessageT]):
    """Reads one channel's pushed reservation messages and writes its answers."""

    def decode(self, body: bytes) -> MessageT:
        """The message; :class:`PushRefused` (``MALFORMED``) when it cannot be read."""
        ...

    def encode_success(self, message: MessageT, timestamp: datetime) -> PushAnswer:
        """The answer acknowledging every reservation of ``message`` (status 200)."""
        ...

    def encode_error(
        self,
        refusal: PushRefused,
        *,
        message: MessageT | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> PushAnswer:
        """The answer for ``refusal``: in the form of ``message`` when it was decoded, else
        in the form the request's ``headers`` and ``body`` suggest."""
        ...

    def redact(self, body: bytes) -> bytes:
        """``body`` with guests' card data and secrets masked, as the message log keeps it."""
        ...

    def share(self, body: bytes, indices: Collection[int]) -> bytes | None:
        """``body`` (a message or our answer to it) with only the reservations at ``indices``;
        ``None`` when it cannot be cut."""
        ...


@runtime_checkable  # Litestar checks each handler dependency against its annotation
class MessageExcerpts(Protocol):
    """Cuts a logged channel message down to one reservation's part."""

    def only_reservation(self, body: bytes, reservation_id: str) -> bytes | None:
        """``body`` with only the parts about ``reservation_id`` (whole when it holds no
        reservations); ``None`` when it cannot be cut."""
        ...
