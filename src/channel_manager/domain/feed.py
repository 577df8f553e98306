"""Calendar feeds: channels that publish a snapshot of busy dates (iCal: Airbnb, Vrbo, ...).

A feed has no messages and no acknowledgement: each fetch is the whole picture. What we
applied from the previous snapshots is the *baseline* (:class:`KnownEvent` per event we keep
a reservation for); reconciling a new snapshot against it gives new stays and blocks, moved
ones (modifications) and vanished future ones (cancellations). An empty or suddenly much
smaller snapshot is held as *suspect* until a later fetch confirms it.

These types are channel-neutral: the iCal adapter parses RFC 5545 into them, and any other
snapshot channel would do the same.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

import attrs

from channel_manager.domain.errors import InvalidDateRange, InvalidValue

#: A feed connection fills one unit: its one "room type" code in the mapping and on the
#: reservations it brings (the hotel code is :func:`feed_hotel_code`).
FEED_ROOM_CODE = "unit"


def feed_hotel_code(connection_id: UUID) -> str:
    """The external property id of a feed connection: its own id (a feed names no hotel, and
    the code must be unique per channel for the hotel claim)."""
    return str(connection_id)


class FeedEventKind(StrEnum):
    """What an event of a feed stands for."""

    #: A guest's stay (Airbnb ``Reserved``, Vrbo ``Reserved - <name>``).
    STAY = "stay"
    #: Dates the other side closed (host block, preparation time, ``Blocked``, unknown text).
    BLOCK = "block"


def _check_range(instance: FeedEvent, _attribute: object, end: date) -> None:
    if end <= instance.start:
        raise InvalidDateRange(
            f"a feed event ends ({end}) on or before it starts ({instance.start})"
        )


@attrs.frozen(kw_only=True)
class FeedEvent:
    """One event of a snapshot, in the property's local dates.

    ``start`` is the first night, ``end`` the check-out day (exclusive), whatever the sender's
    convention was. ``uid`` is the sender's UID, ``None`` when it has none (or re-issues them:
    reconciliation then matches by dates, overlap and summary).
    """

    uid: str | None
    start: date
    end: date = attrs.field(validator=_check_range)
    kind: FeedEventKind
    summary: str = ""
    #: Airbnb: the reservation URL's last path segment (``HM...``).
    confirmation_code: str | None = None
    #: Airbnb: the guest phone's last digits (usually 4); never a whole number.
    phone_last_digits: str | None = None
    #: Vrbo: ``Reserved - <guest name>``.
    guest_name: str | None = None

    @property
    def nights(self) -> int:
        """Nights covered by the event."""
        return (self.end - self.start).days


@attrs.frozen(kw_only=True)
class FeedProblem:
    """Something of a feed that was skipped or guessed at, as a person reads it (a broken
    event, a recurring event that was expanded, ...). The rest of the feed is kept."""

    message: str
    uid: str | None = None


@attrs.frozen(kw_only=True)
class FeedValidators:
    """What a conditional GET sends back (``If-None-Match`` / ``If-Modified-Since``)."""

    etag: str | None = None
    last_modified: str | None = None


@attrs.frozen(kw_only=True)
class FeedSnapshot:
    """A fetched and parsed feed."""

    events: tuple[FeedEvent, ...]
    problems: tuple[FeedProblem, ...] = ()
    validators: FeedValidators = FeedValidators()
    #: The feed's ``PRODID`` (``-//Airbnb Inc//Hosting Calendar 1.0//EN``), if any.
    producer: str | None = None
    #: Bytes of the body as received.
    size: int = 0


@attrs.frozen(kw_only=True)
class FeedNotModified:
    """The sender answered 304: nothing changed since ``validators`` were given."""

    validators: FeedValidators = FeedValidators()


@attrs.frozen(kw_only=True)
class KnownEvent:
    """An event of the baseline: the feed event we applied last, under the key of the
    reservation we keep for it (``Reservation.external_id``, stable even when the sender
    re-issues the UID)."""

    key: str
    event: FeedEvent


@attrs.frozen(kw_only=True)
class CalendarFeed:
    """One feed connection's calendar: the unit it fills, our export token (its hash only),
    its options and what the last fetches found (the card shows this)."""

    connection_id: UUID
    unit_id: UUID
    #: What the user called it ("Airbnb - Sea View Loft").
    name: str
    #: SHA-256 hex of the export URL's token; the token itself is sealed in the vault.
    export_token_hash: str
    #: The sender means the last night by DTEND, not the check-out day (per calendar).
    end_is_last_night: bool = False
    validators: FeedValidators = FeedValidators()
    last_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    stays: int = 0
    blocks: int = 0
    problems: tuple[str, ...] = ()
    #: Since when the latest snapshot is held back as suspect (empty, or much smaller), why,
    #: and a fingerprint of it: the same fingerprint fetched again confirms it.
    suspect_since: datetime | None = None
    suspect_reason: str | None = None
    suspect_fingerprint: str | None = None
    created_at: datetime


@attrs.frozen(kw_only=True)
class BusyRange:
    """Nights ``start..end`` (check-out day exclusive) our export shows as not available,
    under a UID that stays the same from one fetch to the next while the range does."""

    uid: str
    start: date
    end: date
    summary: str = "Not available"


@attrs.frozen(kw_only=True)
class ExportCalendar:
    """What one feed consumer is served: no guest data, only busy ranges."""

    name: str
    ranges: tuple[BusyRange, ...]
    #: DTSTAMP of every event (the injected clock's now, so the body is reproducible).
    stamp: datetime


@attrs.frozen
class FeedSecret:
    """What a feed connection keeps sealed in the vault (``Connection.credential_ref``): the
    other side's URL (it is a secret: whoever has it reads the calendar) and our export
    token (shown to the owner, so kept recoverable)."""

    import_url: str = attrs.field(repr=False)
    export_token: str = attrs.field(repr=False)

    def to_bytes(self) -> bytes:
        """The sealed form's plaintext."""
        return json.dumps(
            {"import_url": self.import_url, "export_token": self.export_token}
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> FeedSecret:
        """Read what :meth:`to_bytes` wrote; ``InvalidValue`` for anything else."""
        try:
            raw = json.loads(data)
            return cls(str(raw["import_url"]), str(raw["export_token"]))
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidValue("stored feed credentials are not readable") from error
