"""Deterministic seed data: hotels, rooms, rate plans, ARI and guests from one integer seed."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from booking_sandbox.ical import EventKind, FeedCalendars, FeedStyle, Listing
from booking_sandbox.model import (
    CURRENCY_DECIMALS,
    Hotel,
    PaymentCard,
    Person,
    RateCell,
    RatePlan,
    RoomType,
)
from booking_sandbox.names import HOTEL_KINDS, HOTEL_WORDS, LOCALES, RATE_NAMES, ROOM_NAMES

_HOTEL_PLACES: tuple[tuple[str, str, str], ...] = (
    ("Amsterdam", "NL", "EUR"),
    ("London", "GB", "GBP"),
    ("Kyoto", "JP", "JPY"),
    ("New York", "US", "USD"),
    ("Rio de Janeiro", "BR", "BRL"),
    ("København", "DK", "DKK"),
)
#: Rough nightly base price per currency so seeded prices look plausible.
_BASE_PRICE: dict[str, int] = {
    "EUR": 120,
    "GBP": 110,
    "JPY": 18000,
    "USD": 150,
    "BRL": 600,
    "DKK": 900,
}
#: Well-known *test* card numbers (they pass Luhn, they charge nothing).
_TEST_CARDS: tuple[tuple[str, str], ...] = (
    ("VI", "4111111111111111"),
    ("MC", "5555555555554444"),
    ("AX", "378282246310005"),
)


def hotel_code(index: int) -> str:
    """Numeric HotelCode of the n-th seeded hotel (0-based): 1000001, 1000002, ..."""
    return str(1000001 + index)


def make_hotels(rng: random.Random, count: int) -> list[Hotel]:
    """`count` hotels with 3-20 room types and 1-4 rate plans each."""
    hotels = []
    for index in range(count):
        code = hotel_code(index)
        city, country, currency = _HOTEL_PLACES[index % len(_HOTEL_PLACES)]
        name = f"{rng.choice(HOTEL_WORDS)} {rng.choice(HOTEL_KINDS)} {city}"
        rate_plans = tuple(
            RatePlan(id=str(50001 + index * 10 + i), name=RATE_NAMES[i])
            for i in range(rng.randint(1, 4))
        )
        rooms = []
        for room_index in range(rng.randint(3, 20)):
            sold_rates = [rate_plans[0].id] + [r.id for r in rate_plans[1:] if rng.random() < 0.7]
            base = Decimal(_BASE_PRICE[currency]) * Decimal(rng.randint(80, 250)) / 100
            rooms.append(
                RoomType(
                    id=f"{code}{room_index + 1:02d}",
                    name=f"{ROOM_NAMES[room_index % len(ROOM_NAMES)]}"
                    + (f" {room_index // len(ROOM_NAMES) + 1}" if room_index >= 12 else ""),
                    max_persons=rng.randint(1, 4),
                    rate_plan_ids=tuple(sold_rates),
                    base_price=_round(base, currency),
                )
            )
        hotels.append(
            Hotel(
                code=code,
                name=name,
                currency=currency,
                city=city,
                country=country,
                prices_include_tax=index % 3 != 2,
                commission_percent=Decimal(rng.choice((15, 17, 18))),
                rooms=tuple(rooms),
                rate_plans=rate_plans,
            )
        )
    return hotels


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-CURRENCY_DECIMALS[currency]))


def make_ari(
    rng: random.Random, hotel: Hotel, start: dt.date, days: int
) -> tuple[dict[tuple[str, dt.date], int], dict[tuple[str, str, dt.date], RateCell]]:
    """Availability per (room, date) and rates/restrictions per (room, rate, date)."""
    availability: dict[tuple[str, dt.date], int] = {}
    cells: dict[tuple[str, str, dt.date], RateCell] = {}
    for room in hotel.rooms:
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            availability[room.id, day] = rng.randint(2, 9)
            for position, rate_id in enumerate(room.rate_plan_ids):
                weekend = Decimal("1.2") if day.weekday() >= 4 else Decimal(1)
                discount = Decimal(1) - Decimal(position) / 10
                cells[room.id, rate_id, day] = RateCell(
                    price=_round(room.base_price * weekend * discount, hotel.currency),
                    min_los=1,
                    max_los=None,
                )
    return availability, cells


def make_person(rng: random.Random, *, with_company: bool = False) -> Person:
    """A guest or booker from one of the seeded locales."""
    locale = rng.choice(LOCALES)
    given = rng.choice(locale.given_names)
    surname = rng.choice(locale.surnames)
    city, postal = rng.choice(locale.cities)
    mailbox = f"guest{rng.randint(1000, 9999)}"
    return Person(
        given_name=given,
        surname=surname,
        email=f"{mailbox}@guest.booking.example",
        phone=f"{locale.phone_prefix} {rng.randint(100, 999)} {rng.randint(1000000, 9999999)}",
        address_line=locale.street,
        city=city,
        postal_code=postal,
        country_code=locale.country_code,
        language=locale.language,
        company="Łódź Travel Sp. z o.o." if with_company else None,
    )


def make_card(rng: random.Random, holder: Person) -> PaymentCard:
    """A fake test payment card for a booker."""
    code, number = rng.choice(_TEST_CARDS)
    return PaymentCard(
        card_code=code,
        number=number,
        series_code=f"{rng.randint(100, 999)}",
        expire_date=f"{rng.randint(1, 12):02d}{rng.randint(27, 31)}",
        holder=f"{holder.given_name} {holder.surname}",
    )


#: The seeded Airbnb listing's events: (kind, first night from today, nights, guest name).
_SEEDED_ICAL_EVENTS: tuple[tuple[EventKind, int, int, str | None], ...] = (
    (EventKind.STAY, 3, 4, "Zoë Ångström"),
    (EventKind.BLOCK, 12, 2, None),
    (EventKind.STAY, 20, 3, "Kenji Watanabe"),
)


def seed_ical_listing(calendars: FeedCalendars, today: dt.date) -> Listing:
    """One Airbnb-style listing with two future stays and a host block, for the demo to connect
    (it is the first listing, id 7100001, feed ``/ical/7100001.ics``)."""
    listing = calendars.add_listing(FeedStyle.AIRBNB, "Canal-side loft (Airbnb)")
    for kind, first, nights, guest in _SEEDED_ICAL_EVENTS:
        start = today + dt.timedelta(days=first)
        calendars.add_event(listing.id, kind, start, start + dt.timedelta(days=nights), guest)
    return listing
