"""P1 ingest: Booking.com reservation messages parsed, mapped, applied and committed.

Run: ``python -m bench.bench_ingest [--reservations N] [--runs N] [--batch N] [--backend B]``;
``--stored 0,10000,40000`` instead measures how ingest and its availability part (recording
what each batch books and publishing the sellable counts) change with the reservations
already stored.

Every message is a one-reservation OTA_HotelResNotifRQ like Booking.com sends (1-3 rooms,
1-14 nights, 1-4 guests, prices by night, a booker with address, a card), generated from a
fixed seed. Each is decoded with the hardened codec (``decode_res_notif_rq``), mapped to the
domain (``to_channel_reservation``) and applied through :class:`ReservationIntake` on a
connection whose hotel, room types and rate plans are mapped, so every reservation also
queues the availability it changes in the outbox, exactly as in production. Messages come in
batches as the poll applies them (``--batch``, default the poll's ``IMPORT_BATCH``) and each
batch is applied with ``ReservationIntake.apply_batch``: one transaction, the ledger deciding
message by message. ``--batch 1`` measures one transaction per message (the push endpoint's
case).

Printed per backend: reservations per second (median of ``--runs``, a fresh database each
run). Printed once: the codec's time against bare ``lxml.etree.fromstring`` of the same bytes,
the floor no XML reader can beat, with the hardened parse alone, and decoding plus mapping
without a database (the ceiling the ingest rate cannot pass).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from lxml import etree
from tests.support.publish import BOOKING_POLICIES

from bench._common import figure, machine, postgres_url, sqlite_url
from channel_manager.adapters.booking.ota.parser import parse_xml
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from channel_manager.adapters.sqlalchemy import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
)
from channel_manager.adapters.system import SystemClock, Uuid4Generator
from channel_manager.application.ari import AriOutbox, AvailabilityPublisher
from channel_manager.application.reservations import ReservationIntake
from channel_manager.application.sync import IMPORT_BATCH
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping

DEFAULT_RESERVATIONS = 10_000
DEFAULT_RUNS = 3
SEED = 20261124
HOTEL = "1000001"
ROOM_TYPES = tuple(f"{HOTEL}{n:02d}" for n in range(1, 21))
RATE_PLANS = ("50001", "50002", "50003")
#: Rooms per room type: enough that most nights stay sellable, as in a real hotel.
ROOMS_PER_TYPE = 40
FIRST_ARRIVAL = date(2027, 1, 1)
NOW = datetime(2026, 11, 24, tzinfo=UTC)
GOAL_PER_SECOND = 2_000
GOAL_CODEC_RATIO = 3.0

_GIVEN = ("Anna", "Jonas", "Zoë", "Mateo", "Aiko", "Olumide", "Søren", "Léa", "Priya", "Chen")
_SURNAMES = ("de Vries", "Berg", "Müller", "García", "Tanaka", "Okafor", "Dubois", "Nowak")
_CITIES = (("Amsterdam", "NL"), ("Berlin", "DE"), ("Lyon", "FR"), ("Osaka", "JP"))


def _room_stay_xml(rng: random.Random, index: int, arrival: date) -> tuple[str, int]:
    """One RoomStay with a price per night; returns the XML and its total in cents."""
    nights = rng.randint(1, 14)
    room_type = rng.choice(ROOM_TYPES)
    rate_plan = rng.choice(RATE_PLANS)
    base = rng.randint(60, 400) * 100
    rates = []
    total = 0
    for night in range(nights):
        day = arrival + timedelta(days=night)
        price = base + (2_500 if day.weekday() >= 4 else 0)
        total += price
        rates.append(
            f'<RoomRate EffectiveDate="{day.isoformat()}" RatePlanCode="{rate_plan}">'
            f'<Rates><Rate><Total AmountAfterTax="{price}" CurrencyCode="EUR" DecimalPlaces="2"/>'
            "</Rate></Rates></RoomRate>"
        )
    guests = rng.randint(1, 4)
    commission = total * 15 // 100
    xml = (
        f'<RoomStay IndexNumber="{index}">'
        f'<RoomTypes><RoomType RoomTypeCode="{room_type}">'
        '<RoomDescription Name="Double Room"><MealPlan>Breakfast included.</MealPlan>'
        "</RoomDescription></RoomType></RoomTypes>"
        "<RatePlans><RatePlan><Commission>"
        f'<CommissionPayableAmount Amount="{commission}" DecimalPlaces="2" CurrencyCode="EUR"/>'
        "</Commission></RatePlan></RatePlans>"
        f"<RoomRates>{''.join(rates)}</RoomRates>"
        f'<GuestCounts><GuestCount Count="{guests}" AgeQualifyingCode="10"/></GuestCounts>'
        f'<Total AmountAfterTax="{total}" CurrencyCode="EUR" DecimalPlaces="2"/>'
        f'<BasicPropertyInfo HotelCode="{HOTEL}"/>'
        f'<ResGuestRPHs><ResGuestRPH RPH="{index}"/></ResGuestRPHs>'
        "</RoomStay>"
    )
    return xml, total


def _customer_xml(given: str, surname: str, rng: random.Random) -> str:
    city, country = rng.choice(_CITIES)
    return (
        f"<PersonName><GivenName>{given}</GivenName><Surname>{surname}</Surname></PersonName>"
        f'<Telephone PhoneNumber="+31 20 555 {rng.randint(1000, 9999)}"/>'
        f"<Email>{given.lower()}.{rng.randint(1, 99999)}@example.org</Email>"
        f"<Address><AddressLine>Keizersgracht {rng.randint(1, 500)}</AddressLine>"
        f"<CityName>{city}</CityName><PostalCode>1015 CJ</PostalCode>"
        f'<CountryName Code="{country}"/></Address>'
    )


def reservation_message(rng: random.Random, number: int, days: int = 365) -> bytes:
    """One OTA_HotelResNotifRQ with one reservation of 1-3 rooms, as Booking.com sends it,
    arriving within ``days`` of the first arrival date.
    """
    arrival = FIRST_ARRIVAL + timedelta(days=rng.randrange(days))
    stays, total = [], 0
    for index in range(1, rng.randint(1, 3) + 1):
        xml, stay_total = _room_stay_xml(rng, index, arrival)
        stays.append(xml)
        total += stay_total
    given, surname = rng.choice(_GIVEN), rng.choice(_SURNAMES)
    guests = "".join(
        f'<ResGuest ResGuestRPH="{index}"><Profiles><ProfileInfo><Profile><Customer>'
        f"<PersonName><GivenName>{rng.choice(_GIVEN)}</GivenName>"
        f"<Surname>{rng.choice(_SURNAMES)}</Surname></PersonName>"
        "</Customer></Profile></ProfileInfo></Profiles></ResGuest>"
        for index in range(1, len(stays) + 1)
    )
    booked = NOW - timedelta(minutes=rng.randint(1, 600))
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05"'
        f' TimeStamp="{booked.isoformat()}" Target="Production" Version="2.001">'
        "<HotelReservations><HotelReservation>"
        f"<RoomStays>{''.join(stays)}</RoomStays>"
        f"<ResGuests>{guests}</ResGuests>"
        "<ResGlobalInfo>"
        '<Comments><Comment ParagraphNumber="1"><Text>Late arrival, around 22:00.</Text>'
        "</Comment></Comments>"
        "<Guarantee><GuaranteesAccepted><GuaranteeAccepted>"
        '<PaymentCard CardCode="MC" CardNumber="5555555555554444" SeriesCode="737"'
        f' ExpireDate="0828"><CardHolderName>{given} {surname}</CardHolderName></PaymentCard>'
        "</GuaranteeAccepted></GuaranteesAccepted></Guarantee>"
        f'<Total AmountAfterTax="{total}" CurrencyCode="EUR" DecimalPlaces="2"/>'
        "<HotelReservationIDs>"
        f'<HotelReservationID ResID_Value="{4_100_000_000 + number}"'
        f' ResID_Date="{booked.isoformat()}"/>'
        "</HotelReservationIDs>"
        "<Profiles><ProfileInfo><Profile><Customer>"
        f"{_customer_xml(given, surname, rng)}"
        "</Customer></Profile></ProfileInfo></Profiles>"
        "</ResGlobalInfo>"
        "</HotelReservation></HotelReservations>"
        "</OTA_HotelResNotifRQ>"
        f"<!-- RUID: [bench{number}] -->"
    )
    return body.encode()


def iter_messages(
    count: int, seed: int = SEED, days: int = 365, first_number: int = 0
) -> Iterator[bytes]:
    """``count`` distinct reservation messages made one at a time, the same for the same seed
    (10,000 over a year fill the bench hotel about half, a realistic occupancy). Reservation
    numbers start at ``first_number``, so two calls with different starts never collide.
    """
    rng = random.Random(seed)
    for number in range(first_number, first_number + count):
        yield reservation_message(rng, number, days)


def generate_messages(count: int, seed: int = SEED) -> list[bytes]:
    """``count`` distinct reservation messages over one year, kept in a list."""
    return list(iter_messages(count, seed))


class TimedPublisher(AvailabilityPublisher):
    """The production publisher, timing every call: the availability part of ingest."""

    seconds = 0.0
    cpu_seconds = 0.0

    def publish(self, *args: Any, **kwargs: Any) -> int:
        """Publish as the production publisher does, adding the time taken to ``seconds`` and
        this process's CPU time to ``cpu_seconds`` (which other processes on a shared machine
        do not inflate; on PostgreSQL it leaves out the server's share)."""
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return super().publish(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.process_time() - cpu


@dataclass
class World:
    """A migrated database with one organisation whose Booking.com hotel is fully mapped."""

    factory: SqlAlchemyUnitOfWorkFactory
    connection: Connection
    intake: ReservationIntake
    publisher: TimedPublisher


def build_world(url: str) -> World:
    """Organisation, property, one unit and mapping per room type, rate plans, an active
    connection: what the intake reads to link a reservation and publish availability.
    """
    engine = create_database_engine(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine, clock=SystemClock())
    organization = Organization(uuid4(), "bench")
    prop = Property(uuid4(), organization.id, "Canal House", "EUR")
    connection = Connection(
        id=uuid4(),
        organization_id=organization.id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        credential_ref="bench",
        created_at=NOW,
    )
    mapping = PropertyMapping(
        id=uuid4(),
        connection_id=connection.id,
        internal_property_id=prop.id,
        external_property_id=HOTEL,
        created_at=NOW,
    )
    with factory() as uow:
        uow.organizations.add(organization)
        uow.properties.add(prop)
        uow.connections.add(connection)
        uow.property_mappings.add(mapping)
        for code in ROOM_TYPES:
            unit = Unit(uuid4(), prop.id, f"room {code}", count=ROOMS_PER_TYPE)
            uow.units.add(unit)
            uow.unit_mappings.add(
                UnitMapping(
                    id=uuid4(),
                    property_mapping_id=mapping.id,
                    internal_unit_id=unit.id,
                    external_room_type_id=code,
                    created_at=NOW,
                )
            )
        for code in RATE_PLANS:
            plan = RatePlan(uuid4(), prop.id, f"plan {code}", code)
            uow.rate_plans.add(plan)
            uow.rate_plan_mappings.add(
                RatePlanMapping(
                    id=uuid4(),
                    property_mapping_id=mapping.id,
                    internal_rate_plan_id=plan.id,
                    external_rate_plan_id=code,
                    created_at=NOW,
                )
            )
        uow.commit()
    ids = Uuid4Generator()
    publisher = TimedPublisher(
        AriOutbox(SystemClock(), ids, max_attempts=10, policies=BOOKING_POLICIES)
    )
    intake = ReservationIntake(factory, ids, publisher)
    return World(factory, connection, intake, publisher)


def decode_and_map(body: bytes, connection_id: UUID) -> list[ChannelReservation]:
    """What the poll does with one fetched body before it reaches the intake."""
    message = decode_res_notif_rq(body)
    return [
        to_channel_reservation(
            ota,
            message,
            f"new:{ota.reservation_id}",
            connection_id=connection_id,
            now=SystemClock().now,
        )
        for ota in message.reservations
    ]


def _batches(messages: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for body in messages:
        batch.append(body)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest(world: World, messages: Iterable[bytes], batch: int) -> float:
    """Seconds to decode, map, apply and commit every message, ``batch`` per transaction as
    the poll does (1: one transaction per message, as the push endpoint does).
    """
    started = time.perf_counter()
    for bodies in _batches(messages, batch):
        decoded = [r for body in bodies for r in decode_and_map(body, world.connection.id)]
        if batch == 1:
            for reservation in decoded:
                world.intake.apply(world.connection, reservation)
        else:
            results = world.intake.apply_batch(world.connection, decoded)
            failed = [r for r in results if isinstance(r, Exception)]
            if failed:
                raise RuntimeError(f"{len(failed)} messages failed, first: {failed[0]!r}")
    return time.perf_counter() - started


def measure_backend(
    label: str,
    database: Callable[[], AbstractContextManager[str]],
    messages: Sequence[bytes],
    runs: int,
    batch: int,
) -> float:
    """Median reservations per second over ``runs`` fresh databases; prints every run."""
    rates = []
    for _ in range(runs):
        with database() as url:
            world = build_world(url)
            elapsed = ingest(world, messages, batch)
            world.factory.engine.dispose()
        rates.append(len(messages) / elapsed)
    median = statistics.median(rates)
    spread = ", ".join(f"{rate:,.0f}" for rate in rates)
    goal = f">= {GOAL_PER_SECOND:,}/s" if label == "postgresql" else ""
    figure(
        f"{label}: reservations/s (batch {batch}, median of {runs})",
        f"{median:8,.0f}/s  (runs: {spread})",
        goal,
        median >= GOAL_PER_SECOND if goal else None,
    )
    return median


def measure_codec(messages: Sequence[bytes], runs: int) -> None:
    """The codec's decode time against bare lxml parsing of the same bytes (the floor)."""

    def timed(work: Callable[[bytes], object]) -> float:
        started = time.perf_counter()
        for body in messages:
            work(body)
        return time.perf_counter() - started

    connection_id = uuid4()
    lxml_times = [timed(etree.fromstring) for _ in range(runs)]
    parse_times = [timed(parse_xml) for _ in range(runs)]
    codec_times = [timed(decode_res_notif_rq) for _ in range(runs)]
    mapped_times = [timed(lambda body: decode_and_map(body, connection_id)) for _ in range(runs)]
    lxml_s, codec_s = statistics.median(lxml_times), statistics.median(codec_times)
    parse_s, mapped_s = statistics.median(parse_times), statistics.median(mapped_times)
    ratio = codec_s / lxml_s
    count = len(messages)
    figure("floor: bare lxml.etree.fromstring", f"{count / lxml_s:10,.0f} msg/s")
    figure(
        "hardened parse alone (parse_xml)",
        f"{count / parse_s:10,.0f} msg/s  ({parse_s / lxml_s:.2f}x lxml)",
    )
    figure("codec: decode_res_notif_rq (hardened)", f"{count / codec_s:10,.0f} msg/s")
    figure(
        "codec time / lxml time",
        f"{ratio:8.2f}x",
        f"<= {GOAL_CODEC_RATIO:g}x",
        ratio <= GOAL_CODEC_RATIO,
    )
    figure(
        "decode + map, no database (ceiling for ingest)",
        f"{count / mapped_s:10,.0f} msg/s",
    )


#: A different seed and numbering for the reservations stored before the measured ones.
STORED_SEED = SEED + 1
STORED_FIRST_NUMBER = 10_000_000


def measure_growth(
    label: str,
    database: Callable[[], AbstractContextManager[str]],
    stored_counts: Sequence[int],
    messages: Sequence[bytes],
    batch: int,
) -> None:
    """Ingest ``messages`` into databases already holding each of ``stored_counts``
    reservations (over the same year and rooms, stored the same way, untimed); print the
    ingest rate and the availability part's time per reservation for each.
    """
    for stored in stored_counts:
        with database() as url:
            world = build_world(url)
            ingest(world, iter_messages(stored, STORED_SEED, first_number=STORED_FIRST_NUMBER), 500)
            world.publisher.seconds = world.publisher.cpu_seconds = 0.0
            elapsed = ingest(world, messages, batch)
            availability, cpu = world.publisher.seconds, world.publisher.cpu_seconds
            world.factory.engine.dispose()
        per = 1000 / len(messages)
        figure(
            f"{label}: {stored:>6,} stored, ingest (batch {batch})",
            f"{len(messages) / elapsed:6,.0f}/s; availability part {availability * per:.3f} ms"
            f" (CPU {cpu * per:.3f} ms) a reservation, {availability / elapsed:.0%} of ingest",
        )


def main() -> None:
    """Generate the messages, then measure the codec and each backend."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reservations", type=int, default=DEFAULT_RESERVATIONS)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument("--batch", type=int, default=IMPORT_BATCH)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--stored",
        default="",
        help="comma list of stored reservation counts: measure growth with stored data instead",
    )
    args = parser.parse_args()
    if args.stored:
        counts = [int(count) for count in args.stored.split(",")]
        print(f"P1 ingest of {args.reservations:,} reservations by stored count, {machine()}")
        measured = generate_messages(args.reservations)
        backends = {"sqlite": sqlite_url, "postgresql": postgres_url}
        for name, database in backends.items():
            if args.backend in (name, "both"):
                measure_growth(name, database, counts, measured, args.batch)
        return
    print(f"P1 ingest: {args.reservations:,} reservation messages on {machine()}")
    messages = generate_messages(args.reservations)
    size = sum(len(body) for body in messages)
    figure("messages generated", f"{len(messages):,} ({size / len(messages):,.0f} bytes each)")
    measure_codec(messages, args.runs)
    if args.backend in ("sqlite", "both"):
        measure_backend("sqlite", sqlite_url, messages, args.runs, args.batch)
    if args.backend in ("postgresql", "both"):
        measure_backend("postgresql", postgres_url, messages, args.runs, args.batch)


if __name__ == "__main__":
    main()
