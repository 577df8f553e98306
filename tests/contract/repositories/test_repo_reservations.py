"""Contract: reservations with every child (stays, nightly prices, guests, payment)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import attrs
import pytest

from channel_manager.domain.errors import InvalidValue, NotFound
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import Guest, ReservationStatus, Revision, Totals
from channel_manager.ports.errors import DuplicateRecord

from .repository_builders import DAY0, at, new_connection, new_organization, rich_reservation, seed


def test_a_reservation_round_trips_exactly(uow_factory):
    seeded = seed(uow_factory)
    reservation = rich_reservation(seeded)
    with uow_factory() as uow:
        uow.reservations.add(reservation)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.reservations.get(reservation.id)
        assert stored == reservation
        assert stored.room_stays[0].nightly_prices[0].amount.amount.as_tuple() == (
            Money.of("133.5012", "EUR").amount.as_tuple()
        )
        assert uow.reservations.get_by_external(seeded.connection.id, "RES-1") == reservation
        assert uow.reservations.get_by_external(seeded.connection.id, "RES-2") is None
        with pytest.raises(NotFound):
            uow.reservations.get(uuid4())


def test_update_replaces_children(uow_factory):
    seeded = seed(uow_factory)
    reservation = rich_reservation(seeded)
    with uow_factory() as uow:
        uow.reservations.add(reservation)
        uow.commit()
    modified = attrs.evolve(
        reservation,
        status=ReservationStatus.MODIFIED,
        revision=Revision(at(5), 1),
        room_stays=reservation.room_stays[:1],
        guests=(Guest(given_name="Dee", surname="Dee"),),
        booker=None,
        payment=None,
        special_requests=(),
    )
    with uow_factory() as uow:
        uow.reservations.update(modified)
        uow.commit()
    with uow_factory() as uow:
        assert uow.reservations.get(reservation.id) == modified
        with pytest.raises(NotFound):
            uow.reservations.update(rich_reservation(seeded, external_id="NEW"))


def test_one_reservation_per_connection_and_external_id(uow_factory):
    seeded = seed(uow_factory)
    with uow_factory() as uow:
        uow.reservations.add(rich_reservation(seeded))
        with pytest.raises(DuplicateRecord):
            uow.reservations.add(rich_reservation(seeded))


def test_list_filters_and_isolates_organizations(uow_factory):
    seeded = seed(uow_factory)
    stranger = new_organization("stranger")
    strangers_connection = new_connection(stranger.id)
    early = rich_reservation(seeded, external_id="A", arrival=DAY0)
    late = rich_reservation(seeded, external_id="B", arrival=DAY0 + timedelta(days=10))
    cancelled = rich_reservation(
        seeded,
        external_id="C",
        arrival=DAY0 + timedelta(days=5),
        status=ReservationStatus.CANCELLED,
    )
    foreign = rich_reservation(seeded, external_id="X", connection_id=strangers_connection.id)
    with uow_factory() as uow:
        uow.organizations.add(stranger)
        uow.connections.add(strangers_connection)
        for reservation in (late, foreign, cancelled, early):
            uow.reservations.add(reservation)
        uow.commit()
    org = seeded.organization.id
    with uow_factory() as uow:
        assert uow.reservations.list(org) == [early, cancelled, late]
        assert uow.reservations.list(stranger.id) == [foreign]
        assert uow.reservations.list(org, status=ReservationStatus.CANCELLED) == [cancelled]
        assert uow.reservations.list(org, property_id=seeded.property.id, limit=2) == [
            early,
            cancelled,
        ]
        assert uow.reservations.list(org, offset=2) == [late]
        window = uow.reservations.list(
            org, arrival_from=DAY0 + timedelta(days=1), arrival_to=DAY0 + timedelta(days=10)
        )
        assert window == [cancelled, late]
        assert uow.reservations.list(org, property_id=uuid4()) == []
        assert uow.reservations.list(org, connection_id=seeded.connection.id) == [
            early,
            cancelled,
            late,
        ]
        # Another organisation's connection names nothing of ours (and shows nothing of its).
        assert uow.reservations.list(org, connection_id=strangers_connection.id) == []
        assert uow.reservations.list(stranger.id, connection_id=strangers_connection.id) == [
            foreign
        ]


def test_list_overlapping_uses_nights_and_ignores_cancelled(uow_factory):
    seeded = seed(uow_factory)
    two_nights = rich_reservation(seeded, external_id="A", arrival=DAY0, nights=2)
    cancelled = rich_reservation(seeded, external_id="C", status=ReservationStatus.CANCELLED)
    with uow_factory() as uow:
        uow.reservations.add(two_nights)
        uow.reservations.add(cancelled)
        uow.commit()
    unit = seeded.unit.id
    with uow_factory() as uow:
        assert uow.reservations.list_overlapping(
            unit, DAY0 + timedelta(days=1), DAY0 + timedelta(days=9)
        ) == [two_nights]
        # The departure day is not a night of the stay.
        assert (
            uow.reservations.list_overlapping(
                unit, DAY0 + timedelta(days=2), DAY0 + timedelta(days=3)
            )
            == []
        )
        assert uow.reservations.list_overlapping(unit, DAY0 - timedelta(days=3), DAY0) == [
            two_nights
        ]
        assert uow.reservations.list_overlapping(uuid4(), DAY0, DAY0) == []


def test_list_unlinked_finds_what_a_new_mapping_could_link(uow_factory):
    seeded = seed(uow_factory)
    partly_mapped = rich_reservation(seeded, external_id="PART")  # one stay has no unit
    first = partly_mapped.room_stays[0]
    fully_mapped = attrs.evolve(rich_reservation(seeded, external_id="FULL"), room_stays=(first,))
    no_property = attrs.evolve(
        rich_reservation(seeded, external_id="NOPROP"), room_stays=(first,), property_id=None
    )
    cancelled = rich_reservation(seeded, external_id="GONE", status=ReservationStatus.CANCELLED)
    other_hotel = attrs.evolve(
        rich_reservation(seeded, external_id="ELSE"), external_property_id="H2"
    )
    with uow_factory() as uow:
        for reservation in (partly_mapped, fully_mapped, no_property, cancelled, other_hotel):
            uow.reservations.add(reservation)
        uow.commit()

    with uow_factory() as uow:
        found = uow.reservations.list_unlinked(seeded.connection.id, "H1")
        assert {r.external_id for r in found} == {"PART", "NOPROP"}
        assert uow.reservations.list_unlinked(uuid4(), "H1") == []


def test_find_by_external_id_looks_across_connections(uow_factory):
    seeded = seed(uow_factory)
    mine = rich_reservation(seeded, external_id="SHARED")
    with uow_factory() as uow:
        other = new_connection(seeded.organization.id, created_minute=1)
        uow.connections.add(other)
        uow.reservations.add(mine)
        uow.reservations.add(rich_reservation(seeded, external_id="SHARED", connection_id=other.id))
        uow.reservations.add(rich_reservation(seeded, external_id="ELSE"))
        uow.commit()

    with uow_factory() as uow:
        found = uow.reservations.find_by_external_id("SHARED")
        assert {r.connection_id for r in found} == {seeded.connection.id, other.id}
        assert uow.reservations.find_by_external_id("NOPE") == []


def test_amounts_come_back_with_the_currencys_places_on_every_backend(uow_factory):
    seeded = seed(uow_factory)
    reservation = attrs.evolve(
        rich_reservation(seeded, external_id="PLACES"),
        totals=Totals(amount_after_tax=Money.of("133.50", "EUR")),
    )
    with uow_factory() as uow:
        uow.reservations.add(reservation)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.reservations.get(reservation.id)
    assert stored.totals.amount_after_tax is not None
    assert str(stored.totals.amount_after_tax.amount) == "133.50"  # not "133.5000"


def test_a_value_the_columns_cannot_hold_is_a_named_error(
    uow_factory, request: pytest.FixtureRequest
):
    seeded = seed(uow_factory)
    too_long = rich_reservation(seeded, external_id="R" * 300)
    with uow_factory() as uow:
        if request.node.callspec.id == "postgres":
            # PostgreSQL enforces VARCHAR(255): the sender gets a 4xx, not a 500.
            with pytest.raises(InvalidValue):
                uow.reservations.add(too_long)
        else:
            # SQLite keeps the whole value: nothing is lost either way.
            uow.reservations.add(too_long)
            uow.commit()
            assert uow.reservations.get(too_long.id).external_id == "R" * 300


def test_count_unlinked_matches_list_unlinked(uow_factory):
    seeded = seed(uow_factory)
    partly_mapped = rich_reservation(seeded, external_id="PART")
    first = partly_mapped.room_stays[0]
    fully_mapped = attrs.evolve(rich_reservation(seeded, external_id="FULL"), room_stays=(first,))
    other_hotel = attrs.evolve(
        rich_reservation(seeded, external_id="ELSE"), external_property_id="H2"
    )
    cancelled = rich_reservation(seeded, external_id="GONE", status=ReservationStatus.CANCELLED)
    with uow_factory() as uow:
        for reservation in (partly_mapped, fully_mapped, other_hotel, cancelled):
            uow.reservations.add(reservation)
        uow.commit()

    with uow_factory() as uow:
        assert uow.reservations.count_unlinked(seeded.connection.id) == 2  # PART and ELSE
        assert uow.reservations.count_unlinked(uuid4()) == 0


def test_count_flagged_counts_live_reservations_with_a_flag(uow_factory):
    seeded = seed(uow_factory)
    flagged = rich_reservation(seeded, external_id="FLAG")  # carries a price_mismatch flag
    clean = attrs.evolve(rich_reservation(seeded, external_id="CLEAN"), flags=())
    gone = rich_reservation(seeded, external_id="GONE", status=ReservationStatus.CANCELLED)
    with uow_factory() as uow:
        for reservation in (flagged, clean, gone):
            uow.reservations.add(reservation)
        uow.commit()
    with uow_factory() as uow:
        assert uow.reservations.count_flagged(seeded.connection.id) == 1
        assert uow.reservations.count_flagged(uuid4()) == 0
        uow.reservations.update(attrs.evolve(flagged, flags=()))
        uow.commit()
    with uow_factory() as uow:
        assert uow.reservations.count_flagged(seeded.connection.id) == 0


def test_list_unlinked_pages_by_arrival_then_id(uow_factory):
    seeded = seed(uow_factory)
    unlinked = [  # two by two on the same arrival; one stay of each has no unit
        rich_reservation(seeded, external_id=f"U{n}", arrival=DAY0 + timedelta(days=n // 2))
        for n in range(5)
    ]
    with uow_factory() as uow:
        for reservation in unlinked:
            uow.reservations.add(reservation)
        uow.commit()

    expected = [r.id for r in sorted(unlinked, key=lambda r: (r.arrival, r.id))]
    with uow_factory() as uow:
        pages, after = [], None
        while page := uow.reservations.list_unlinked(
            seeded.connection.id, "H1", after=after, limit=2
        ):
            pages.append([r.id for r in page])
            after = (page[-1].arrival, page[-1].id)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [i for page in pages for i in page] == expected
