"""Entity builders and seeding helpers shared by the repository contract tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from channel_manager.domain.ari_requests import AvailRange, AvailRequest, RateRange, RateRequest
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import (
    Address,
    Change,
    FlagCode,
    Guest,
    NightlyPrice,
    PaymentSummary,
    Reservation,
    ReservationFlag,
    ReservationId,
    ReservationStatus,
    Revision,
    RevisionEntry,
    RoomStay,
    Service,
    Totals,
)
from channel_manager.domain.sync import OutboundKind, OutboundMessage
from channel_manager.ports.repositories import UnitOfWork

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAY0 = date(2025, 6, 1)


def at(minutes: int) -> datetime:
    """``T0`` plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)


def new_organization(name: str = "acme") -> Organization:
    """An organisation with a fresh id."""
    return Organization(uuid4(), name)


def new_connection(organization_id: UUID, created_minute: int = 0) -> Connection:
    """A pending oauth2 connection created at ``at(created_minute)``."""
    return Connection(
        id=uuid4(),
        organization_id=organization_id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        created_at=at(created_minute),
    )


def new_property(organization_id: UUID, name: str = "seaside") -> Property:
    """A property in EUR."""
    return Property(uuid4(), organization_id, name, "EUR", "Europe/Amsterdam")


def new_unit(property_id: UUID, name: str = "double") -> Unit:
    """A unit of three rooms."""
    return Unit(uuid4(), property_id, name, count=3, max_occupancy=2)


def new_rate_plan(property_id: UUID, code: str = "STD") -> RatePlan:
    """A rate plan named after its code."""
    return RatePlan(uuid4(), property_id, f"plan {code.lower()}", code)


class Seeded:
    """An organisation with one connection, property, unit and rate plan, committed."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.organization = new_organization()
        self.connection = new_connection(self.organization.id)
        self.property = new_property(self.organization.id)
        self.unit = new_unit(self.property.id)
        self.rate_plan = new_rate_plan(self.property.id)
        uow.organizations.add(self.organization)
        uow.connections.add(self.connection)
        uow.properties.add(self.property)
        uow.units.add(self.unit)
        uow.rate_plans.add(self.rate_plan)


def seed(factory: object, *, active: bool = False) -> Seeded:
    """Commit a :class:`Seeded` world through a unit of work from ``factory``; ``active``:
    with its connection active (only an active connection's pushes are claimed)."""
    assert callable(factory)
    with factory() as uow:
        seeded = Seeded(uow)
        if active:
            seeded.connection = seeded.connection.activate("connection/seeded", at(0))
            uow.connections.update(seeded.connection)
        uow.commit()
    return seeded


def rich_reservation(
    seeded: Seeded,
    *,
    external_id: str = "RES-1",
    revision: Revision | None = None,
    status: ReservationStatus = ReservationStatus.CONFIRMED,
    arrival: date = DAY0,
    nights: int = 2,
    connection_id: UUID | None = None,
) -> Reservation:
    """A reservation using every field: two stays (one unmapped), prices, guests, payment."""
    departure = arrival + timedelta(days=nights)
    address = Address(
        lines=("Main 1", "Floor 2"), city="Utrecht", postal_code="3511", country_code="NL"
    )
    booker = Guest(
        given_name="Ada",
        surname="Lovelace",
        email="ada@example.org",
        phone="+31 6 1234",
        address=address,
        country="NL",
        language="nl",
    )
    prices = tuple(
        NightlyPrice(
            night=arrival + timedelta(days=n),
            amount=Money.of("133.5012", "EUR"),
            rate_plan_code="STD",
        )
        for n in range(nights)
    )
    stays = (
        RoomStay(
            index=1,
            external_room_type_id="RT1",
            external_room_type_name="Double",
            external_rate_plan_id="STD",
            unit_id=seeded.unit.id,
            rate_plan_id=seeded.rate_plan.id,
            arrival=arrival,
            departure=departure,
            guest_count=2,
            guest_names=("Ada", "Bob"),
            nightly_prices=prices,
            total=Money.of("267.0024", "EUR"),
            commission=Money.of("40.05", "EUR"),
            meal_plan="breakfast",
            remarks=("late arrival",),
            adults=1,
            children=2,
            child_ages=(4, 11),
            infants=1,
            taxes=Money.of("17.0024", "EUR"),
            fees=Money.of("2.50", "EUR"),
        ),
        RoomStay(
            index=2,
            external_room_type_id="RT-UNMAPPED",
            arrival=arrival,
            departure=departure,
        ),
    )
    return Reservation(
        id=uuid4(),
        connection_id=connection_id or seeded.connection.id,
        external_id=external_id,
        external_property_id="H1",
        property_id=seeded.property.id,
        status=status,
        revision=revision or Revision(at(0), 0),
        booked_at=at(-60),
        arrival=arrival,
        departure=departure,
        room_stays=stays,
        booker=booker,
        guests=(Guest(given_name="Bob", surname="Builder"), Guest(given_name="Cy", surname="")),
        totals=Totals(
            amount_before_tax=Money.of("250.00", "EUR"),
            amount_after_tax=Money.of("267.0024", "EUR"),
            taxes=Money.of("17.0024", "EUR"),
            commission=Money.of("40.05", "EUR"),
        ),
        currency="EUR",
        remarks=("quiet room",),
        special_requests=("crib", "high floor"),
        payment=PaymentSummary(card_type="VI", last_four="1111", expiry="12/27", holder_name="A L"),
        raw_message_id=uuid4(),
        flags=(
            ReservationFlag(
                code=FlagCode.PRICE_MISMATCH,
                message="room 1: the nights add up to 267.00 EUR",
                figures=(("nights", "267.00 EUR"), ("room total", "300.00 EUR")),
                room=1,
            ),
        ),
        services=(
            Service(code="PARK", name="Parking", quantity=2, amount=Money.of("30", "EUR"), room=1),
            Service(name="Late check-out"),
        ),
        reservation_ids=(ReservationId(value=external_id, type="14", source="Sender"),),
        arrival_time="21:30",
        promotion_codes=("EARLY",),
        history=(
            RevisionEntry(
                timestamp=at(0),
                action="created",
                summary=(("dates", f"{arrival}..{departure}"),),
                changes=(Change(field="guests", before="1", after="2"),),
            ),
        ),
    )


def availability_message(
    connection_id: UUID,
    *,
    ordering_key: str = "H1",
    created_minute: int = 0,
    due_minute: int = 0,
) -> OutboundMessage:
    """A pending availability push created at ``at(created_minute)``, due at ``at(due_minute)``."""
    payload = AvailRequest(
        hotel_code="H1",
        month=DAY0,
        items=(
            AvailRange(
                room_type_code="RT1",
                rate_plan_code="STD",
                start=DAY0,
                end=DAY0 + timedelta(days=3),
                booking_limit=2,
                min_los=1,
                stop_sell=False,
            ),
        ),
    )
    return OutboundMessage(
        id=uuid4(),
        connection_id=connection_id,
        hotel_code="H1",
        kind=OutboundKind.AVAILABILITY,
        payload=payload,
        ordering_key=ordering_key,
        next_attempt_at=at(due_minute),
        created_at=at(created_minute),
    )


def rate_message(connection_id: UUID, created_minute: int = 0) -> OutboundMessage:
    """A pending rate push with an amount that needs four decimals."""
    payload = RateRequest(
        hotel_code="H1",
        month=DAY0,
        items=(
            RateRange(
                room_type_code="RT1",
                rate_plan_code="STD",
                start=DAY0,
                end=DAY0 + timedelta(days=1),
                amount=Money.of("99.9950", "EUR"),
            ),
        ),
    )
    return OutboundMessage(
        id=uuid4(),
        connection_id=connection_id,
        hotel_code="H1",
        kind=OutboundKind.RATES,
        payload=payload,
        ordering_key="H1/rates",
        next_attempt_at=at(created_minute),
        created_at=at(created_minute),
    )
