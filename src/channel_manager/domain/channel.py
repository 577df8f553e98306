"""What a channel tells us, in the channel's own ids, and what it answers to our pushes."""

from __future__ import annotations

from enum import StrEnum

import attrs

from channel_manager.domain.reservation import Reservation


@attrs.frozen
class ExternalProperty:
    """A hotel as the channel lists it (``hotel_code`` is Booking.com's HotelCode)."""

    hotel_code: str
    name: str | None = None
    currency: str | None = None


@attrs.frozen
class ExternalRoomType:
    """A room type of a channel hotel; its ``code`` is the only id ARI pushes accept."""

    code: str
    name: str | None = None
    max_occupancy: int | None = None


@attrs.frozen
class ExternalRatePlan:
    """A rate plan of a channel hotel."""

    code: str
    name: str | None = None


@attrs.frozen
class ExternalCatalog:
    """Everything needed to map one channel hotel: the hotel, its rooms and rate plans."""

    property: ExternalProperty
    room_types: tuple[ExternalRoomType, ...] = ()
    rate_plans: tuple[ExternalRatePlan, ...] = ()


class ReservationMessageKind(StrEnum):
    """What a reservation message asks for (OTA ResStatus Commit / Modify / Cancel)."""

    NEW = "new"
    MODIFY = "modify"
    CANCEL = "cancel"


@attrs.frozen
class ChannelReservation:
    """One reservation message fetched from a channel.

    ``ack_key`` identifies what to acknowledge afterwards (for Booking.com the ResID_Value
    plus the queue it came from); it is opaque to everything but the gateway.
    """

    kind: ReservationMessageKind
    reservation: Reservation
    ack_key: str


@attrs.frozen
class PushError:
    """One error of a push response (OTA ``Error`` with Type, Code, Status, ShortText)."""

    code: str | None
    type: str | None
    status: str | None
    message: str


@attrs.frozen
class PushItemOutcome:
    """Outcome of one item of a push (one room/rate/date range) when the channel reports
    per-item results; ``locator_id`` is the item's LocatorID.
    """

    locator_id: str | None
    success: bool
    errors: tuple[PushError, ...] = ()
    warnings: tuple[str, ...] = ()


@attrs.frozen
class PushOutcome:
    """What the channel answered to an availability or rate push.

    ``success`` with ``warnings`` is a partial success: the message was accepted, some items
    may not have been; ``items`` then holds per-item outcomes if the channel gave them.
    """

    success: bool
    ruid: str | None = None
    warnings: tuple[str, ...] = ()
    errors: tuple[PushError, ...] = ()
    items: tuple[PushItemOutcome, ...] = ()

    @property
    def confirmation(self) -> str:
        """A one-line summary to store with the outbound message (RUID and warnings)."""
        parts = [f"RUID {self.ruid}" if self.ruid else "no RUID"]
        parts.extend(f"warning: {warning}" for warning in self.warnings)
        parts.extend(f"error {error.code}: {error.message}" for error in self.errors)
        return "; ".join(parts)


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


@attrs.frozen
class ConnectionGrant:
    """The result of a finished authorisation: secret material to seal in the vault (text is
    stored as UTF-8 bytes), the channel account it belongs to and the hotels it may manage.
    """

    credentials: bytes = attrs.field(converter=_as_bytes, repr=False)
    external_account_id: str | None = None
    hotel_ids: tuple[str, ...] = ()
