"""Vacation-rental calendar listings and their iCal feeds, as Airbnb, Vrbo and Booking.com
export them.

A listing has a style (which platform's export it imitates), stays and blocks. `render_feed`
writes the feed the way that platform does (RFC 5545 through the `icalendar` library: CRLF,
lines folded at 75 octets):

- **Airbnb**: ``PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN``; a stay is ``SUMMARY:Reserved``
  with a ``DESCRIPTION`` holding the reservation URL (ending in the ``HM...`` confirmation code)
  and the guest phone's last 4 digits; a block is ``SUMMARY:Airbnb (Not available)``; UIDs are
  ``<hex>-<hex>@airbnb.com``. Only events that have not ended by the sandbox's today are
  exported, and a block that has already started is re-issued with today as its start and a UID
  of the day (what Airbnb does with running host blocks).
- **Vrbo**: ``Reserved - <guest name>`` and ``Blocked``, no DESCRIPTION; moving an event gives it
  a new UID.
- **Booking.com**: every event is ``CLOSED - Not available``.

All values are all-day DATEs; DTEND is the check-out day (exclusive). UIDs, confirmation codes and
phone digits are derived from counters kept in the state, so they are stable across restarts and
never handed out twice.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import threading
from collections.abc import Callable

import attrs
import icalendar
from attrs import define, field, frozen

#: Fault kinds a listing's feed can be given (booking_sandbox.routes.ical applies them).
FEED_FAULT_KINDS = frozenset(
    {"slow", "server_error", "not_modified", "malformed", "huge", "redirect_loop", "empty"}
)
#: The first listing id handed out (Airbnb-like numeric ids).
FIRST_LISTING_NUMBER = 7_100_001

_PRODID = {
    "airbnb": "-//Airbnb Inc//Hosting Calendar 1.0//EN",
    "vrbo": "-//HomeAway.com, Inc.//EN",
    "booking": "-//Booking.com//Booking.com Calendar//EN",
}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


class FeedStyle(enum.StrEnum):
    """Which platform's export a listing's feed imitates."""

    AIRBNB = "airbnb"
    VRBO = "vrbo"
    BOOKING = "booking"


class EventKind(enum.StrEnum):
    """A guest's stay or a host's block."""

    STAY = "stay"
    BLOCK = "block"


class UnknownListingError(KeyError):
    """No listing (or no event on it) with that id."""


@frozen
class FeedEvent:
    """One stay or block: nights from `start` up to `end` (the check-out day, exclusive).

    `serial` makes the UID: a new serial is a new UID (Vrbo after a date change).
    """

    id: str
    kind: EventKind
    start: dt.date
    end: dt.date
    serial: int
    stamped_at: dt.datetime
    guest_name: str | None = None


@frozen
class ImportedRange:
    """A busy range read from an imported feed (`end` exclusive)."""

    uid: str
    start: dt.date
    end: dt.date
    summary: str


@define
class FeedImport:
    """A feed the listing imports (our export, fetched the way Airbnb fetches it)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: dt.datetime | None = None
    status: int | None = None
    error: str | None = None
    ranges: list[ImportedRange] = field(factory=list)


@define
class Listing:
    """A rental listing with its feed's events and, optionally, a feed it imports."""

    id: str
    style: FeedStyle
    name: str
    changed_at: dt.datetime
    events: dict[str, FeedEvent] = field(factory=dict)
    feed_import: FeedImport | None = None


@define
class FeedFault:
    """A fault the listing's feed answers with for the next `times` requests (None: until
    cleared); `seconds` is the delay of a `slow` answer, `size` the body size of a `huge` one."""

    kind: str
    times: int | None = None
    seconds: float = 2.0
    size: int = 12 * 1024 * 1024


@define
class CalendarRecords:
    """What a restart keeps of the listings (booking_sandbox.persistence)."""

    listings: list[Listing]
    next_listing: int
    next_serial: int


class FeedCalendars:
    """Every listing, its events and its faults; thread-safe (tests poke it from their thread)."""

    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.listings: dict[str, Listing] = {}
        self.faults: dict[str, list[FeedFault]] = {}
        self._next_listing = FIRST_LISTING_NUMBER
        self._next_serial = 1

    def add_listing(self, style: FeedStyle, name: str) -> Listing:
        """A new listing without events."""
        with self.lock:
            listing = Listing(str(self._next_listing), style, name, self.clock())
            self._next_listing += 1
            self.listings[listing.id] = listing
            return listing

    def listing(self, listing_id: str) -> Listing:
        """The listing with this id, or UnknownListingError."""
        listing = self.listings.get(listing_id)
        if listing is None:
            raise UnknownListingError(f"no listing {listing_id}")
        return listing

    def _serial(self) -> int:
        self._next_serial += 1
        return self._next_serial - 1

    def add_event(
        self,
        listing_id: str,
        kind: EventKind,
        start: dt.date,
        end: dt.date,
        guest_name: str | None = None,
    ) -> FeedEvent:
        """A stay or block on the listing (`start` before `end`, else ValueError)."""
        _check_range(start, end)
        with self.lock:
            listing = self.listing(listing_id)
            serial = self._serial()
            event = FeedEvent(
                f"ev{serial}", kind, start, end, serial, self.clock(), guest_name or None
            )
            listing.events[event.id] = event
            listing.changed_at = self.clock()
            return event

    def move_event(self, listing_id: str, event_id: str, start: dt.date, end: dt.date) -> FeedEvent:
        """New dates for an event (Vrbo gives it a new UID; Airbnb and Booking.com keep it)."""
        _check_range(start, end)
        with self.lock:
            listing = self.listing(listing_id)
            event = self._event(listing, event_id)
            serial = self._serial() if listing.style is FeedStyle.VRBO else event.serial
            moved = attrs.evolve(
                event, start=start, end=end, serial=serial, stamped_at=self.clock()
            )
            listing.events[event_id] = moved
            listing.changed_at = self.clock()
            return moved

    def remove_event(self, listing_id: str, event_id: str) -> None:
        """Cancel a stay or lift a block: it vanishes from the feed."""
        with self.lock:
            listing = self.listing(listing_id)
            self._event(listing, event_id)
            del listing.events[event_id]
            listing.changed_at = self.clock()

    @staticmethod
    def _event(listing: Listing, event_id: str) -> FeedEvent:
        event = listing.events.get(event_id)
        if event is None:
            raise UnknownListingError(f"no event {event_id} on listing {listing.id}")
        return event

    def add_fault(self, listing_id: str, fault: FeedFault) -> None:
        """Make the listing's feed answer with `fault` (later faults fire first)."""
        if fault.kind not in FEED_FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {fault.kind!r}; known: {sorted(FEED_FAULT_KINDS)}"
            )
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be at least 1")
        with self.lock:
            self.listing(listing_id)
            self.faults.setdefault(listing_id, []).insert(0, fault)

    def clear_faults(self, listing_id: str) -> None:
        """Serve the listing's feed normally again."""
        with self.lock:
            self.faults.pop(listing_id, None)

    def take_fault(self, listing_id: str) -> FeedFault | None:
        """The fault this feed request gets, if any (uses up one of its `times`)."""
        with self.lock:
            faults = self.faults.get(listing_id)
            if not faults:
                return None
            fault = faults[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    faults.pop(0)
            return fault

    def records(self) -> CalendarRecords:
        """The listings and counters, for a state file (faults are test instruments: not kept)."""
        with self.lock:
            return CalendarRecords(
                list(self.listings.values()), self._next_listing, self._next_serial
            )

    def restore(self, records: CalendarRecords) -> None:
        """Take back what `records` returned before a restart."""
        with self.lock:
            self.listings = {listing.id: listing for listing in records.listings}
            self._next_listing = records.next_listing
            self._next_serial = records.next_serial


def _check_range(start: dt.date, end: dt.date) -> None:
    if end <= start:
        raise ValueError("end (the check-out day) must be after start")


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def event_uid(listing: Listing, event: FeedEvent, today: dt.date | None = None) -> str:
    """The event's UID in the listing's style (`today` re-issues a running Airbnb block)."""
    digest = _digest(listing.id, event.serial, "" if today is None else today.isoformat())
    if listing.style is FeedStyle.AIRBNB:
        return f"{_digest(listing.id)[:12]}-{digest[:32]}@airbnb.com"
    if listing.style is FeedStyle.VRBO:
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return f"{digest[:32]}@booking.com"


def confirmation_code(listing: Listing, event: FeedEvent) -> str | None:
    """The stay's confirmation code in the platform's shape (``HM...`` on Airbnb); None for
    blocks."""
    if event.kind is EventKind.BLOCK:
        return None
    number = int(_digest("code", listing.id, event.id), 16)
    if listing.style is FeedStyle.BOOKING:
        return str(4_000_000_000 + number % 1_000_000_000)
    letters = ""
    for _ in range(8 if listing.style is FeedStyle.AIRBNB else 7):
        number, index = divmod(number, len(_CODE_ALPHABET))
        letters += _CODE_ALPHABET[index]
    return f"HM{letters}" if listing.style is FeedStyle.AIRBNB else f"HA-{letters}"


def phone_last4(listing: Listing, event: FeedEvent) -> str | None:
    """The last 4 digits of the guest's phone (stays only)."""
    if event.kind is EventKind.BLOCK:
        return None
    return f"{int(_digest('phone', listing.id, event.id), 16) % 10_000:04d}"


def summary(listing: Listing, event: FeedEvent) -> str:
    """The event's SUMMARY as the platform writes it."""
    if listing.style is FeedStyle.BOOKING:
        return "CLOSED - Not available"
    if listing.style is FeedStyle.VRBO:
        if event.kind is EventKind.BLOCK:
            return "Blocked"
        return f"Reserved - {event.guest_name or 'Guest'}"
    return "Reserved" if event.kind is EventKind.STAY else "Airbnb (Not available)"


def _exported(listing: Listing, event: FeedEvent, today: dt.date) -> FeedEvent | None:
    """The event as it appears in the feed today (Airbnb: future only, running blocks
    re-issued from today), or None when it is left out."""
    if listing.style is not FeedStyle.AIRBNB:
        return event
    if event.end <= today:
        return None
    if event.kind is EventKind.BLOCK and event.start < today:
        return attrs.evolve(event, start=today)
    return event


def render_feed(listing: Listing, today: dt.date, *, with_events: bool = True) -> bytes:
    """The listing's feed as the platform exports it (`with_events=False`: the empty answer)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", _PRODID[listing.style.value])
    calendar.add("calscale", "GREGORIAN")
    calendar.add("version", "2.0")
    if listing.style is FeedStyle.BOOKING:
        calendar.add("method", "PUBLISH")
    events = sorted(listing.events.values(), key=lambda e: (e.start, e.serial))
    for original in events if with_events else []:
        event = _exported(listing, original, today)
        if event is None:
            continue
        reissued = event.start != original.start
        component = icalendar.Event()
        component.add("dtstart", event.start)
        component.add("dtend", event.end)
        component.add("dtstamp", event.stamped_at.astimezone(dt.UTC))
        component.add("uid", event_uid(listing, event, today if reissued else None))
        component.add("summary", summary(listing, event))
        if listing.style is FeedStyle.AIRBNB and event.kind is EventKind.STAY:
            component.add(
                "description",
                "Reservation URL: https://www.airbnb.com/hosting/reservations/details/"
                f"{confirmation_code(listing, event)}\n"
                f"Phone Number (Last 4 Digits): {phone_last4(listing, event)}",
            )
        calendar.add_component(component)
    return bytes(calendar.to_ical())
