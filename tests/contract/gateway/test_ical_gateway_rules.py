"""iCal-specific rules the generic suites do not cover: the baseline advances only with what
was acknowledged, validators only once a whole snapshot is, suspect snapshots are held until
fetched again, keys never reuse a stored reservation's, failures are recorded on the feed,
nothing is ever published."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import attrs
import pytest

from channel_manager.adapters.ical.gateway import DEFAULT_SUSPECT_HOLD
from channel_manager.adapters.memory.feed_reader import InMemoryFeedReader
from channel_manager.domain.ari import AvailRange, AvailRequest
from channel_manager.domain.channel import ChannelReservation, ReservationMessageKind
from channel_manager.domain.errors import PermanentChannelError, RetryableChannelError
from channel_manager.domain.feed import FEED_ROOM_CODE, FeedEvent, FeedEventKind
from channel_manager.domain.reservation import ReservationKind, ReservationStatus
from tests.support.feeds import airbnb_stay

from .contract_support import collect
from .ical_harness import IcalHarness


@pytest.fixture
def ical() -> IcalHarness:
    return IcalHarness()


async def _fetch(harness: IcalHarness) -> dict[str, ChannelReservation]:
    messages = await collect(harness.gateway.fetch_reservations())
    return {m.reservation.external_id: m for m in messages}


def _feed(harness: IcalHarness):
    with harness.uow_factory() as uow:
        return uow.calendar_feeds.get(harness.stored.connection.id)


def _known_keys(harness: IcalHarness) -> list[str]:
    with harness.uow_factory() as uow:
        return [k.key for k in uow.calendar_feeds.known_events(harness.stored.connection.id)]


async def test_only_acknowledged_messages_advance_the_baseline(ical: IcalHarness) -> None:
    first = await ical.book(ical.stored.hotel_code)
    second = await ical.book(ical.stored.hotel_code)
    offered = await _fetch(ical)

    await ical.gateway.acknowledge([offered[first]])
    again = await _fetch(ical)

    assert set(offered) == {first, second}
    assert set(again) == {second}
    assert first in _known_keys(ical)
    # Not every message of that snapshot was stored: the next fetch must read it whole.
    assert ical.reader.reads[-1].validators.etag is None


async def test_a_wholly_acknowledged_snapshot_is_fetched_conditionally(ical: IcalHarness) -> None:
    booked = await ical.book(ical.stored.hotel_code)
    offered = await _fetch(ical)
    await ical.gateway.acknowledge(list(offered.values()))

    assert await _fetch(ical) == {}

    assert ical.reader.reads[-1].validators.etag == '"v2"'
    assert booked in _known_keys(ical)
    assert _feed(ical).validators.etag == '"v2"'


async def test_a_much_smaller_snapshot_is_held_until_fetched_again(ical: IcalHarness) -> None:
    codes = [await ical.book(ical.stored.hotel_code) for _ in range(4)]
    await ical.gateway.acknowledge(list((await _fetch(ical)).values()))
    for code in codes:
        await ical.change(code, ReservationMessageKind.CANCEL)

    held = await _fetch(ical)
    suspect = _feed(ical)
    ical.clock.advance(DEFAULT_SUSPECT_HOLD - timedelta(seconds=1))
    too_soon = await _fetch(ical)  # the same answer again at once is no confirmation
    ical.clock.advance(timedelta(seconds=2))  # the hold has passed since it was first held
    confirmed = await _fetch(ical)

    assert held == {}
    assert too_soon == {}
    assert suspect.suspect_reason == "the feed has 1 future events, but 5 were known"
    assert suspect.suspect_fingerprint is not None
    assert _feed(ical).suspect_since == suspect.suspect_since
    assert set(confirmed) == set(codes)
    assert all(m.kind is ReservationMessageKind.CANCEL for m in confirmed.values())
    await ical.gateway.acknowledge(list(confirmed.values()))
    assert _feed(ical).suspect_reason is None
    assert _known_keys(ical) == ["anchor@airbnb.com"]


async def test_a_new_event_never_takes_a_stored_reservations_key(ical: IcalHarness) -> None:
    booked = await ical.book(ical.stored.hotel_code)
    message = (await _fetch(ical))[booked]
    with ical.uow_factory() as uow:  # cancelled here earlier: cancellation is final
        uow.reservations.add(attrs.evolve(message.reservation, status=ReservationStatus.CANCELLED))
        uow.commit()

    offered = await _fetch(ical)

    assert set(offered) == {f"{booked}#2"}


async def test_each_fetch_is_a_later_revision(ical: IcalHarness) -> None:
    booked = await ical.book(ical.stored.hotel_code)
    first = (await _fetch(ical))[booked]  # the clock does not move between the fetches

    second = (await _fetch(ical))[booked]

    assert second.reservation.revision > first.reservation.revision


async def test_a_stay_carries_its_ids_and_a_block_is_a_block(ical: IcalHarness) -> None:
    start = ical.today + timedelta(days=12)
    vrbo = FeedEvent(
        uid="4b3a2d1e-vrbo",
        start=start,
        end=start + timedelta(days=3),
        kind=FeedEventKind.STAY,
        summary="Reserved - Ann Lee",
        guest_name="Ann Lee",
    )
    closed = FeedEvent(
        uid="5c4b-vrbo",
        start=start + timedelta(days=5),
        end=start + timedelta(days=6),
        kind=FeedEventKind.BLOCK,
        summary="Blocked",
    )
    ical.reader.publish(
        ical.stored.url,
        [*ical.reader.events(ical.stored.url), vrbo, closed],
        producer="-//HomeAway.com, Inc.//EN",
    )

    offered = await _fetch(ical)

    stay = offered["4b3a2d1e-vrbo"].reservation
    assert stay.kind is ReservationKind.BOOKING
    assert stay.source == "vrbo"
    assert stay.channel == "ical"
    assert stay.external_property_id == ical.stored.hotel_code
    assert stay.currency == "EUR"
    assert stay.booker is not None
    assert stay.booker.given_name == "Ann Lee"
    assert [(r.external_room_type_id, r.arrival, r.departure) for r in stay.room_stays] == [
        (FEED_ROOM_CODE, vrbo.start, vrbo.end)
    ]
    block = offered["5c4b-vrbo"].reservation
    assert block.kind is ReservationKind.BLOCK
    assert block.booker is None
    assert offered["5c4b-vrbo"].kind is ReservationMessageKind.NEW


async def test_an_airbnb_stay_keeps_only_the_phones_last_digits(ical: IcalHarness) -> None:
    stay = airbnb_stay(ical.today + timedelta(days=3), 2, "HMPHONE1", phone="4321")
    ical.reader.add(ical.stored.url, stay)

    reservation = (await _fetch(ical))["HMPHONE1"].reservation

    assert reservation.source == "airbnb"
    assert reservation.booker is not None
    assert reservation.booker.phone == "…4321"
    assert {(i.type, i.value) for i in reservation.reservation_ids} == {
        ("uid", stay.uid),
        ("confirmation", "HMPHONE1"),
    }


async def test_a_failing_read_is_recorded_and_raised_and_a_later_one_clears_it(
    ical: IcalHarness,
) -> None:
    ical.reader.fail_next(RetryableChannelError("the feed answered 503"))

    with pytest.raises(RetryableChannelError):
        await _fetch(ical)
    failed = _feed(ical)
    await _fetch(ical)

    assert failed.last_error == "the feed answered 503"
    assert failed.last_success_at is None
    assert _feed(ical).last_error is None
    assert _feed(ical).last_success_at is not None


async def test_a_connection_without_its_feed_is_a_permanent_failure(ical: IcalHarness) -> None:
    stranger = attrs.evolve(ical.stored.connection, id=uuid.uuid4())
    gateway = type(ical.gateway)(
        stranger,
        reader=InMemoryFeedReader(),
        uow_factory=ical.uow_factory,
        secrets=ical.secrets,
        clock=ical.clock,
    )

    with pytest.raises(PermanentChannelError, match="has no calendar feed"):
        await collect(gateway.fetch_reservations())


async def test_the_catalog_is_the_unit_without_rate_plans(ical: IcalHarness) -> None:
    catalog = await ical.gateway.get_catalog(ical.stored.hotel_code)

    assert catalog.property.name == "Airbnb - the loft"  # the calendar's name
    assert [(r.code, r.name) for r in catalog.room_types] == [(FEED_ROOM_CODE, "Loft")]
    assert catalog.rate_plans == ()


async def test_nothing_is_ever_published(ical: IcalHarness) -> None:
    month = date(2027, 1, 1)
    request = AvailRequest(
        hotel_code=ical.stored.hotel_code,
        month=month,
        items=(AvailRange(room_type_code=FEED_ROOM_CODE, start=month, end=month, booking_limit=0),),
    )

    with pytest.raises(PermanentChannelError, match="sent nothing"):
        await ical.gateway.push_availability(request)
