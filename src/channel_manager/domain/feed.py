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

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Sequence
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

    def fetched(self, now: datetime) -> CalendarFeed:
        """This feed after a fetch that got an answer at ``now``."""
        return attrs.evolve(self, last_fetch_at=now, last_success_at=now, last_error=None)

    def trusted(self) -> CalendarFeed:
        """This feed with no snapshot held as suspect (any more)."""
        return attrs.evolve(self, suspect_since=None, suspect_reason=None, suspect_fingerprint=None)


#: What our export's UIDs are made of (``20270301-<uuid>@channel-manager``): plain ASCII, so
#: no writer's escaping (icalendar turns a backslash before N into a line break) can alter one.
_EXPORT_UID = r"[A-Za-z0-9@._:+=-]{1,255}"


@attrs.frozen(kw_only=True)
class BusyRange:
    """Nights ``start..end`` (check-out day exclusive) our export shows as not available,
    under a UID that stays the same from one fetch to the next while the range does."""

    uid: str = attrs.field(validator=attrs.validators.matches_re(_EXPORT_UID))
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


@attrs.frozen(kw_only=True)
class Reconciliation:
    """What a snapshot changes in the baseline (:func:`reconcile`).

    ``new`` events get a fresh key (their reservation's ``external_id``); ``moved`` pairs keep
    the key (before, after: a modification); ``cancelled`` are baseline events that vanished
    before they ended; ``forgotten`` are baseline events that have ended (past events drop out
    of feeds on their own: nothing to cancel); ``unchanged`` are the matched events as they
    are now (``reissued`` among them: the same event under a new UID, to store, not to apply).
    """

    new: tuple[KnownEvent, ...] = ()
    moved: tuple[tuple[KnownEvent, KnownEvent], ...] = ()
    cancelled: tuple[KnownEvent, ...] = ()
    forgotten: tuple[KnownEvent, ...] = ()
    unchanged: tuple[KnownEvent, ...] = ()
    reissued: tuple[KnownEvent, ...] = ()

    @property
    def changed(self) -> bool:
        """True when a reservation is to be created, modified or cancelled."""
        return bool(self.new or self.moved or self.cancelled)

    def baseline(self) -> tuple[KnownEvent, ...]:
        """The baseline once applied: every event of the snapshot that has not ended, by key."""
        kept = (*self.unchanged, *self.new, *(after for _before, after in self.moved))
        return tuple(sorted(kept, key=lambda known: known.key))


#: Longest key kept as it is (``reservations.external_id`` holds 255 characters); a longer UID
#: is replaced by a digest of it.
_MAX_KEY = 200


def _event_order(event: FeedEvent) -> tuple[str, ...]:
    """A total order on events, so the result never depends on the feed's event order."""
    return (
        event.start.isoformat(),
        event.end.isoformat(),
        event.kind.value,
        event.uid or "",
        event.summary,
        event.confirmation_code or "",
        event.phone_last_digits or "",
        event.guest_name or "",
    )


def _base_key(event: FeedEvent) -> str:
    base = (
        event.confirmation_code
        or event.uid
        or f"{event.kind.value}:{event.start.isoformat()}:{event.end.isoformat()}"
    )
    if len(base) > _MAX_KEY:
        base = "sha256:" + hashlib.sha256(base.encode()).hexdigest()
    return base


def _overlap(first: FeedEvent, second: FeedEvent) -> int:
    """Nights both events cover."""
    return max(0, (min(first.end, second.end) - max(first.start, second.start)).days)


def _same_party(first: FeedEvent, second: FeedEvent) -> bool:
    """Nothing both events say tells them apart (summary, guest, confirmation code: each
    compared only when both have it)."""
    pairs = (
        (first.summary, second.summary),
        (first.guest_name, second.guest_name),
        (first.confirmation_code, second.confirmation_code),
    )
    return all(not a or not b or a == b for a, b in pairs)


def reconcile(
    baseline: Sequence[KnownEvent],
    events: Sequence[FeedEvent],
    today: date,
    *,
    taken: Collection[str] = (),
) -> Reconciliation:
    """Match a snapshot's ``events`` against the ``baseline`` (pure; order-independent).

    Only events that have not ended (``end > today``) count; baseline events that have ended
    are ``forgotten``. Matching, each step over what is still unmatched: the same event, the
    same Airbnb confirmation code, then the same UID, then (feeds without stable UIDs,
    re-issued UIDs) the same kind and dates, then the same kind and overlapping dates when
    summary, guest and code do not disagree (most nights in common first), then the same
    guest's name when it is on exactly one vanished and one new stay: an Airbnb block
    re-issued with a new UID and a later start, or a Vrbo date change under a new UID (to
    overlapping dates or not), is a move, not cancel + new.

    A new event's key is its confirmation code, else its UID, else ``kind:start:end``, made
    unique against the baseline, the keys given out here and ``taken`` (keys of reservations
    that exist already, a cancelled one say: cancellation is final, so a key is never reused).
    """
    live = sorted((k for k in baseline if k.event.end > today), key=lambda k: k.key)
    forgotten = tuple(sorted((k for k in baseline if k.event.end <= today), key=lambda k: k.key))
    fresh = sorted((e for e in events if e.end > today), key=_event_order)
    pairs: list[tuple[KnownEvent, FeedEvent]] = []
    # What is still unmatched: baseline events by key, snapshot events by their position in
    # the canonical order (identical events are interchangeable, so ties do not matter).
    free_known = {known.key: known for known in live}
    free_events = dict(enumerate(fresh))

    def step(fits: Callable[[FeedEvent, FeedEvent], bool], rank: RankFn) -> None:
        candidates = sorted(
            (*rank(known.event, event), key, index)
            for key, known in free_known.items()
            for index, event in free_events.items()
            if fits(known.event, event)
        )
        for *_rank, key, index in candidates:
            if key in free_known and index in free_events:
                pairs.append((free_known.pop(key), free_events.pop(index)))

    def keyed_step(key_of: Callable[[FeedEvent], Hashable | None], rank: RankFn) -> None:
        # The same pairs as ``step`` with "the same key_of" as the fit, found through an
        # index instead of every pair: linear in the events, not quadratic.
        buckets: dict[Hashable, list[str]] = {}
        for known_key, known in free_known.items():
            found = key_of(known.event)
            if found is not None:
                buckets.setdefault(found, []).append(known_key)
        candidates = sorted(
            (*rank(free_known[known_key].event, event), known_key, index)
            for index, event in free_events.items()
            if (wanted := key_of(event)) is not None
            for known_key in buckets.get(wanted, ())
        )
        for *_rank, key, index in candidates:
            if key in free_known and index in free_events:
                pairs.append((free_known.pop(key), free_events.pop(index)))

    keyed_step(lambda e: e, _no_rank)
    keyed_step(lambda e: e.confirmation_code or None, _no_rank)
    keyed_step(lambda e: e.uid, _no_rank)
    keyed_step(lambda e: (e.kind, e.start, e.end), lambda k, e: (k.summary != e.summary,))
    step(
        lambda k, e: k.kind == e.kind and _overlap(k, e) > 0 and _same_party(k, e),
        lambda k, e: (-_overlap(k, e),),
    )
    # A stay moved to other dates altogether under a new UID (Vrbo re-issues it) is still
    # the same guest's: paired by the guest's name when that name is on exactly one vanished
    # and one new stay, so two guests of the same name are never guessed apart.
    vanished = Counter(k.event.guest_name for k in free_known.values() if k.event.guest_name)
    arrived = Counter(e.guest_name for e in free_events.values() if e.guest_name)
    unique = {name for name, count in vanished.items() if count == 1 and arrived[name] == 1}
    keyed_step(
        lambda e: (e.kind, e.guest_name) if e.guest_name in unique else None,
        _no_rank,
    )

    unchanged: list[KnownEvent] = []
    reissued: list[KnownEvent] = []
    moved: list[tuple[KnownEvent, KnownEvent]] = []
    for known, event in pairs:
        now = KnownEvent(key=known.key, event=event)
        if event == known.event:
            unchanged.append(known)
        elif attrs.evolve(known.event, uid=event.uid) == event:
            unchanged.append(now)
            reissued.append(now)
        else:
            moved.append((known, now))
    used = {k.key for k in baseline} | set(taken)
    new: list[KnownEvent] = []
    for event in free_events.values():
        base = _base_key(event)
        key, number = base, 1
        while key in used:
            number += 1
            key = f"{base}#{number}"
        used.add(key)
        new.append(KnownEvent(key=key, event=event))
    by_key: Callable[[KnownEvent], str] = lambda known: known.key  # noqa: E731
    return Reconciliation(
        new=tuple(sorted(new, key=by_key)),
        moved=tuple(sorted(moved, key=lambda pair: pair[0].key)),
        cancelled=tuple(free_known.values()),
        forgotten=forgotten,
        unchanged=tuple(sorted(unchanged, key=by_key)),
        reissued=tuple(sorted(reissued, key=by_key)),
    )


RankFn = Callable[[FeedEvent, FeedEvent], tuple[object, ...]]


def _no_rank(_known: FeedEvent, _event: FeedEvent) -> tuple[object, ...]:
    return ()


#: Below this many known future events a much smaller snapshot is not suspect (a host with
#: two bookings may well lose one).
SUSPECT_MIN_KNOWN = 4


def suspect_reason(
    baseline: Sequence[KnownEvent], events: Sequence[FeedEvent], today: date
) -> str | None:
    """Why a snapshot looks like a broken answer rather than the calendar (``None``: it does
    not): empty while future events are known, or less than half of them when at least
    :data:`SUSPECT_MIN_KNOWN` are. Such a snapshot is held until a later fetch confirms it."""
    known = sum(1 for k in baseline if k.event.end > today)
    found = sum(1 for e in events if e.end > today)
    if known and not found:
        return f"the feed is empty, but {known} future events were known"
    if known >= SUSPECT_MIN_KNOWN and found * 2 < known:
        return f"the feed has {found} future events, but {known} were known"
    return None


def snapshot_fingerprint(events: Sequence[FeedEvent]) -> str:
    """A digest of ``events`` whatever their order: the same snapshot fetched again has the
    same fingerprint (what confirms a suspect snapshot)."""
    canonical = json.dumps(sorted(_event_order(event) for event in events))
    return hashlib.sha256(canonical.encode()).hexdigest()
