"""One iCal connection as a channel gateway: its one unit as the catalog, and its feed,
reconciled against the baseline, as reservation messages.

A feed has no acknowledgement of its own, but the gateway says it has one
(``acknowledges``): the baseline, the events we applied, advances only in :meth:`acknowledge`,
which the poll calls after its commit. A crash between the fetch and the commit therefore
loses nothing: the next fetch finds the same differences again (and the ledger makes the
repeat harmless). Each message's ``ack_key`` carries what to write to the baseline for it.

A suspect snapshot (empty, or much smaller than the baseline) yields nothing and is recorded
on the feed; the same snapshot fetched again confirms it and it is applied.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NoReturn, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from channel_manager.domain.ari import AvailRequest, RateRequest
from channel_manager.domain.channel import (
    ChannelReservation,
    ExternalCatalog,
    ExternalProperty,
    ExternalRoomType,
    PushOutcome,
    ReservationMessageKind,
)
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import ChannelError, NotFound, PermanentChannelError
from channel_manager.domain.feed import (
    FEED_ROOM_CODE,
    CalendarFeed,
    FeedEvent,
    FeedEventKind,
    FeedNotModified,
    FeedSecret,
    FeedSnapshot,
    FeedValidators,
    KnownEvent,
    Reconciliation,
    feed_hotel_code,
    reconcile,
    snapshot_fingerprint,
    suspect_reason,
)
from channel_manager.domain.inventory import Property, Unit
from channel_manager.domain.reservation import (
    Guest,
    Reservation,
    ReservationId,
    ReservationKind,
    ReservationStatus,
    Revision,
    RoomStay,
)
from channel_manager.ports.clock import Clock
from channel_manager.ports.feed import FeedReader
from channel_manager.ports.repositories import UnitOfWorkFactory

#: The channel key of calendar feeds (``Connection.channel``, ``/connect/ical``).
ICAL_CHANNEL = "ical"

#: How long a suspect snapshot (empty, or much smaller) is held at least: the same snapshot
#: fetched again sooner does not confirm it. The container sets half the fetch interval.
DEFAULT_SUSPECT_HOLD = timedelta(minutes=5)

#: Rounds of looking for fresh keys that no stored reservation has (a cancelled one keeps its
#: key for good); each round only ever adds suffixes, so two are almost always enough.
_KEY_ROUNDS = 8

#: Reservations of feeds get stable ids per connection and key (the intake keeps the stored
#: reservation's own id anyway).
_ID_NAMESPACE = uuid.UUID("1c0f5e0e-5c8e-4f55-9d0a-6b8f3f3c1ca1")


class FeedSecrets(Protocol):
    """Where a feed connection's sealed :class:`FeedSecret` is read (the credential store)."""

    def load(self, ref: str) -> bytes:
        """The plaintext stored under ``ref``."""
        ...


@attrs.frozen
class _Context:
    """What one fetch needs from the database."""

    feed: CalendarFeed
    unit: Unit
    property: Property
    baseline: tuple[KnownEvent, ...]


def _source(snapshot: FeedSnapshot) -> str:
    """Who made the feed, by its PRODID (without one, by its UIDs' domains): ``airbnb``,
    ``vrbo`` or ``ical``."""
    text = (snapshot.producer or " ".join(event.uid or "" for event in snapshot.events)).lower()
    if "airbnb" in text:
        return "airbnb"
    if "vrbo" in text or "homeaway" in text:
        return "vrbo"
    return "ical"


def _event_to_json(event: FeedEvent) -> dict[str, Any]:
    return {
        "uid": event.uid,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "kind": event.kind.value,
        "summary": event.summary,
        "code": event.confirmation_code,
        "phone": event.phone_last_digits,
        "guest": event.guest_name,
    }


def _event_from_json(raw: dict[str, Any]) -> FeedEvent:
    return FeedEvent(
        uid=raw["uid"],
        start=date.fromisoformat(raw["start"]),
        end=date.fromisoformat(raw["end"]),
        kind=FeedEventKind(raw["kind"]),
        summary=raw["summary"],
        confirmation_code=raw["code"],
        phone_last_digits=raw["phone"],
        guest_name=raw["guest"],
    )


@attrs.frozen(kw_only=True)
class _Ack:
    """What acknowledging one message writes: the baseline event to put (or the key to
    forget), and the fetch it came from (its validators are stored once all of its messages
    are acknowledged)."""

    key: str
    event: FeedEvent | None
    fetch: str
    total: int
    validators: FeedValidators

    def encode(self) -> str:
        return json.dumps(
            {
                "key": self.key,
                "event": None if self.event is None else _event_to_json(self.event),
                "fetch": self.fetch,
                "total": self.total,
                "etag": self.validators.etag,
                "last_modified": self.validators.last_modified,
            },
            sort_keys=True,
        )

    @classmethod
    def decode(cls, text: str) -> _Ack:
        try:
            raw = json.loads(text)
            return cls(
                key=str(raw["key"]),
                event=None if raw["event"] is None else _event_from_json(raw["event"]),
                fetch=str(raw["fetch"]),
                total=int(raw["total"]),
                validators=FeedValidators(etag=raw["etag"], last_modified=raw["last_modified"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise PermanentChannelError("", f"not an iCal acknowledgement: {text!r}") from error


class IcalGateway:
    """One feed connection: catalog (its unit), reservation feed (its calendar); publishing
    is refused (the other side fetches our export instead)."""

    def __init__(
        self,
        connection: Connection,
        *,
        reader: FeedReader,
        uow_factory: UnitOfWorkFactory,
        secrets: FeedSecrets,
        clock: Clock,
        suspect_hold: timedelta = DEFAULT_SUSPECT_HOLD,
    ) -> None:
        self._connection = connection
        self._reader = reader
        self._uow_factory = uow_factory
        self._secrets = secrets
        self._clock = clock
        self._suspect_hold = suspect_hold

    @property
    def hotel_code(self) -> str:
        """The connection's one external property code."""
        return feed_hotel_code(self._connection.id)

    # -- catalog -------------------------------------------------------------------------
    def _external_property(self, context: _Context) -> ExternalProperty:
        # Named after the calendar ("Airbnb - Loft"): the sync keeps the mapping's name from
        # this, and pages label the connection by it.
        return ExternalProperty(self.hotel_code, context.feed.name, context.property.currency)

    async def list_properties(self) -> AsyncIterator[ExternalProperty]:
        """The connection's one property: named after the calendar, in its unit's property's
        currency."""
        context = await asyncio.to_thread(self._load, False)
        yield self._external_property(context)

    async def get_catalog(self, hotel_code: str) -> ExternalCatalog:
        """The calendar with one room type (the unit) and no rate plans."""
        if hotel_code != self.hotel_code:
            raise PermanentChannelError(
                "", f"hotel {hotel_code!r} is not this calendar feed's ({self.hotel_code})"
            )
        context = await asyncio.to_thread(self._load, False)
        return ExternalCatalog(
            property=self._external_property(context),
            room_types=(
                ExternalRoomType(FEED_ROOM_CODE, context.unit.name, context.unit.max_occupancy),
            ),
        )

    # -- reservations --------------------------------------------------------------------
    @property
    def acknowledges(self) -> bool:
        """True: the baseline advances only when the poll acknowledges after its commit."""
        return True

    async def fetch_reservations(self) -> AsyncIterator[ChannelReservation]:
        """Read the feed and offer what changed since the baseline (see the module)."""
        context = await asyncio.to_thread(self._load, True)
        feed = context.feed
        zone = _zone(context.property.timezone)
        now = self._stamp(feed)
        today = now.astimezone(zone).date()
        url = await asyncio.to_thread(self._import_url)
        try:
            result = await self._reader.read(
                url, feed.validators, zone=zone, end_is_last_night=feed.end_is_last_night
            )
        except ChannelError as error:
            await asyncio.to_thread(self._record_failure, now, str(error) or type(error).__name__)
            raise
        if isinstance(result, FeedNotModified):
            validators = result.validators if result.validators != FeedValidators() else None
            await asyncio.to_thread(self._record_unchanged, now, validators, None, None)
            return
        events = result.events
        reason = suspect_reason(context.baseline, events, today)
        fingerprint = snapshot_fingerprint(events)
        if reason is not None and not self._confirms(feed, fingerprint, now):
            await asyncio.to_thread(self._record_suspect, now, result, reason, fingerprint)
            return
        changes = await asyncio.to_thread(self._reconcile, context.baseline, events, today)
        if not changes.changed:
            await asyncio.to_thread(
                self._record_unchanged, now, result.validators, changes, _counts(result)
            )
            return
        await asyncio.to_thread(self._record_fetched, now, result)
        source = _source(result)
        messages = [
            *((ReservationMessageKind.NEW, known, known.event) for known in changes.new),
            *((ReservationMessageKind.MODIFY, after, after.event) for _b, after in changes.moved),
            *((ReservationMessageKind.CANCEL, known, None) for known in changes.cancelled),
        ]
        fetch_id = f"{now.isoformat()}/{fingerprint[:16]}"
        for kind, known, written in messages:
            ack = _Ack(
                key=known.key,
                event=written,
                fetch=fetch_id,
                total=len(messages),
                validators=result.validators,
            )
            reservation = self._reservation(context, known, kind, now, source)
            yield ChannelReservation(kind, reservation, ack.encode())

    async def acknowledge(self, ack_keys: Sequence[ChannelReservation]) -> None:
        """Write what these stored messages change to the baseline; once every message of a
        fetch is acknowledged, also its validators (so the next fetch may be a 304) and clear
        a confirmed suspect."""
        acks = [_Ack.decode(message.ack_key) for message in ack_keys]
        if acks:
            await asyncio.to_thread(self._write_acks, acks)

    # -- publishing: never (the other side fetches our export) ---------------------------
    async def push_availability(self, request: AvailRequest) -> PushOutcome:
        """Refused: an iCal channel is sent nothing (its publish policy shapes no request)."""
        _never_sent(request)

    async def push_rates(self, request: RateRequest) -> PushOutcome:
        """Refused: an iCal channel is sent nothing (its publish policy shapes no request)."""
        _never_sent(request)

    async def aclose(self) -> None:
        """Nothing to close: the reader is the process's, closed with the container."""

    # -- database work (each in its own unit of work, run in a thread) -------------------
    def _load(self, with_baseline: bool) -> _Context:
        with self._uow_factory() as uow:
            try:
                feed = uow.calendar_feeds.get(self._connection.id)
                unit = uow.units.get(feed.unit_id)
                prop = uow.properties.get(unit.property_id)
            except NotFound as error:
                raise PermanentChannelError(
                    "", f"connection {self._connection.id} has no calendar feed: {error}"
                ) from error
            baseline = uow.calendar_feeds.known_events(feed.connection_id) if with_baseline else []
        return _Context(feed, unit, prop, tuple(baseline))

    def _import_url(self) -> str:
        ref = self._connection.credential_ref
        if ref is None:
            raise PermanentChannelError("", "the calendar feed's URL is not stored")
        try:
            return FeedSecret.from_bytes(self._secrets.load(ref)).import_url
        except (NotFound, ValueError) as error:
            raise PermanentChannelError(
                "", f"the calendar feed's URL is unreadable: {error}"
            ) from error

    def _stamp(self, feed: CalendarFeed) -> datetime:
        """This fetch's time, later than the last one's: it is the revision of every message
        (the ledger orders a feed's modifications by it)."""
        now = self._clock.now()
        if feed.last_fetch_at is not None and now <= feed.last_fetch_at:
            return feed.last_fetch_at + timedelta(microseconds=1)
        return now

    def _reconcile(
        self, baseline: Sequence[KnownEvent], events: Sequence[FeedEvent], today: date
    ) -> Reconciliation:
        """Reconcile, giving new events keys no stored reservation has."""
        taken: set[str] = set()
        with self._uow_factory() as uow:
            for _round in range(_KEY_ROUNDS):
                changes = reconcile(baseline, events, today, taken=taken)
                keys = {known.key for known in changes.new}
                stored = set(uow.reservations.get_many_by_external(self._connection.id, keys))
                if not stored - taken:
                    break
                taken |= stored
        return changes

    def _update_feed(self, change: Any) -> None:
        with self._uow_factory() as uow:
            current = uow.calendar_feeds.get(self._connection.id)
            uow.calendar_feeds.update(change(current, uow))
            uow.commit()

    def _record_failure(self, now: datetime, error: str) -> None:
        self._update_feed(
            lambda feed, _uow: attrs.evolve(feed, last_fetch_at=now, last_error=error)
        )

    def _record_fetched(self, now: datetime, snapshot: FeedSnapshot) -> None:
        stays, blocks, problems = _counts(snapshot)
        self._update_feed(
            lambda feed, _uow: attrs.evolve(
                feed.fetched(now), stays=stays, blocks=blocks, problems=problems
            )
        )

    def _confirms(self, feed: CalendarFeed, fingerprint: str, now: datetime) -> bool:
        """Whether this fetch confirms the held suspect snapshot: the same snapshot again, at
        least the hold after it was first held. Two answers seconds apart (a "Sync now" right
        after an empty answer) are not two looks at the calendar: a broken sender may well
        give the same wrong answer twice."""
        return (
            fingerprint == feed.suspect_fingerprint
            and feed.suspect_since is not None
            and now - feed.suspect_since >= self._suspect_hold
        )

    def _record_suspect(
        self, now: datetime, snapshot: FeedSnapshot, reason: str, fingerprint: str
    ) -> None:
        _stays, _blocks, problems = _counts(snapshot)
        # The stays and blocks in force are still the baseline's: the card keeps showing
        # those (not the held snapshot's, an empty one say) beside the suspect warning.
        self._update_feed(
            lambda feed, _uow: attrs.evolve(
                feed.fetched(now),
                problems=problems,
                suspect_since=feed.suspect_since or now,
                suspect_reason=reason,
                suspect_fingerprint=fingerprint,
            )
        )

    def _record_unchanged(
        self,
        now: datetime,
        validators: FeedValidators | None,
        changes: Reconciliation | None,
        counts: tuple[int, int, tuple[str, ...]] | None,
    ) -> None:
        """Nothing to apply (a 304, or no differences): store the validators, the re-issued
        UIDs and forget ended events at once; the feed is not suspect (any more)."""

        def change(feed: CalendarFeed, uow: Any) -> CalendarFeed:
            if changes is not None:
                if changes.reissued:
                    uow.calendar_feeds.put_known(feed.connection_id, changes.reissued)
                if changes.forgotten:
                    uow.calendar_feeds.forget_known(
                        feed.connection_id, [known.key for known in changes.forgotten]
                    )
            updated = attrs.evolve(
                feed.fetched(now).trusted(), validators=validators or feed.validators
            )
            if counts is not None:
                stays, blocks, problems = counts
                updated = attrs.evolve(updated, stays=stays, blocks=blocks, problems=problems)
            return updated

        self._update_feed(change)

    def _write_acks(self, acks: Sequence[_Ack]) -> None:
        with self._uow_factory() as uow:
            connection_id = self._connection.id
            put = [KnownEvent(key=a.key, event=a.event) for a in acks if a.event is not None]
            forget = [a.key for a in acks if a.event is None]
            if put:
                uow.calendar_feeds.put_known(connection_id, put)
            if forget:
                uow.calendar_feeds.forget_known(connection_id, forget)
            complete: FeedValidators | None = None
            by_fetch: dict[str, set[str]] = {}
            for ack in acks:
                by_fetch.setdefault(ack.fetch, set()).add(ack.key)
                if len(by_fetch[ack.fetch]) == ack.total:
                    complete = ack.validators
            feed = uow.calendar_feeds.get(connection_id)
            if complete is not None:
                # Every difference of that snapshot is applied: the next fetch may be a 304,
                # and a suspect snapshot it was is confirmed.
                feed = attrs.evolve(feed.trusted(), validators=complete)
                uow.calendar_feeds.update(feed)
            uow.commit()

    # -- messages --------------------------------------------------------------------------
    def _reservation(
        self,
        context: _Context,
        known: KnownEvent,
        kind: ReservationMessageKind,
        now: datetime,
        source: str,
    ) -> Reservation:
        event = known.event
        is_stay = event.kind is FeedEventKind.STAY
        ids = [
            ReservationId(value=event.uid, type="uid", source=source) if event.uid else None,
            ReservationId(value=event.confirmation_code, type="confirmation", source=source)
            if event.confirmation_code
            else None,
        ]
        remarks = [event.summary] if event.summary else []
        if event.phone_last_digits:
            remarks.append(f"guest phone ends in {event.phone_last_digits}")
        booker = (
            Guest(
                given_name=event.guest_name or "",
                surname="",
                phone=f"…{event.phone_last_digits}" if event.phone_last_digits else None,
            )
            if is_stay and (event.guest_name or event.phone_last_digits)
            else None
        )
        cancelled = kind is ReservationMessageKind.CANCEL
        status = {
            ReservationMessageKind.NEW: ReservationStatus.CONFIRMED,
            ReservationMessageKind.MODIFY: ReservationStatus.MODIFIED,
            ReservationMessageKind.CANCEL: ReservationStatus.CANCELLED,
        }[kind]
        return Reservation(
            id=uuid.uuid5(_ID_NAMESPACE, f"{self._connection.id}/{known.key}"),
            connection_id=self._connection.id,
            channel=self._connection.channel,
            external_id=known.key,
            external_property_id=self.hotel_code,
            status=status,
            revision=Revision(now),
            arrival=event.start,
            departure=event.end,
            room_stays=(
                RoomStay(
                    index=1,
                    external_room_type_id=FEED_ROOM_CODE,
                    external_room_type_name=context.unit.name,
                    arrival=event.start,
                    departure=event.end,
                    guest_count=1 if is_stay else 0,
                    guest_names=(event.guest_name,) if event.guest_name else (),
                ),
            ),
            booker=booker,
            currency=context.property.currency,
            remarks=tuple(remarks),
            source=source,
            reservation_ids=tuple(i for i in ids if i is not None),
            cancelled_at=now if cancelled else None,
            kind=ReservationKind.BOOKING if is_stay else ReservationKind.BLOCK,
        )


def _counts(snapshot: FeedSnapshot) -> tuple[int, int, tuple[str, ...]]:
    """Stays, blocks and problems of a snapshot, as the feed's card shows them."""
    stays = sum(1 for event in snapshot.events if event.kind is FeedEventKind.STAY)
    problems = tuple(problem.message for problem in snapshot.problems)
    return stays, len(snapshot.events) - stays, problems


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _never_sent(request: object) -> NoReturn:
    raise PermanentChannelError(
        "",
        f"an iCal channel is sent nothing ({type(request).__name__} refused): "
        "the other side fetches our export feed",
    )
