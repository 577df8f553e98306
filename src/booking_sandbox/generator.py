"""Makes bookings, modifications and cancellations that respect (and consume) availability."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from booking_sandbox import seed
from booking_sandbox.model import (
    CURRENCY_DECIMALS,
    ConnectionStatus,
    Extra,
    Hotel,
    MessageKind,
    Person,
    Reservation,
    ReservationStatus,
    RoomType,
    Stay,
)
from booking_sandbox.names import COMMENTS, SPECIAL_REQUESTS

if TYPE_CHECKING:
    from booking_sandbox.state import SandboxState

_MAX_TRIES = 40


#: Meal plans a sandbox booking may carry (the text Booking.com writes in RoomDescription).
MEAL_PLANS = ("Room only", "Breakfast included", "Half board", "Full board", "All inclusive")
#: Extras a sandbox booking may carry: code, name, price per unit in the hotel's currency.
EXTRAS = (
    ("PARK", "Parking", Decimal(15)),
    ("CRIB", "Baby cot", Decimal(0)),
    ("LATE", "Late check-out", Decimal(25)),
)


def _sender_forms(
    reservation_id: str, stays: tuple[Stay, ...], hotel: Hotel
) -> tuple[tuple[Stay, ...], tuple[Extra, ...]]:
    """The forms other senders use, drawn from a generator of the reservation's own (so the
    state's random sequence, and every seeded scenario, stays as it was): nights priced as
    Rate spans (Total of the span, or Base per night), children with ages, priced extras."""
    rng = random.Random(f"sender-forms:{reservation_id}")
    shaped = []
    for stay in stays:
        children = (
            rng.randint(1, stay.guest_count - 1)
            if stay.guest_count > 1 and rng.random() < 0.35
            else 0
        )
        shaped.append(
            attrs.evolve(
                stay,
                rate_form=rng.choice(("night", "night", "span", "base")),
                child_ages=tuple(rng.randint(0, 12) for _ in range(children)),
                meal_plan=rng.choice(MEAL_PLANS),
            )
        )
    extras = []
    if rng.random() < 0.4:
        code, name, price = rng.choice(EXTRAS)
        room_index = rng.randint(1, len(stays))
        quantity = len(stays[room_index - 1].nights) if code == "PARK" else 1
        places = CURRENCY_DECIMALS[hotel.currency]
        amount = (price * quantity).quantize(Decimal(1).scaleb(-places))
        extras.append(
            Extra(code=code, name=name, quantity=quantity, price=amount, room_index=room_index)
        )
    return tuple(shaped), tuple(extras)


class GenerationError(Exception):
    """The generator cannot make the requested event (no inventory, nothing to modify...)."""


class ReservationGenerator:
    """Creates reservation events on a state and queues the matching messages."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self._rng = state.rng

    def generate(
        self,
        kind: MessageKind,
        hotel_code: str | None = None,
        reservation_id: str | None = None,
        *,
        stay: tuple[str, dt.date, dt.date] | None = None,
    ) -> Reservation:
        """One event of `kind` in `hotel_code` (default: a random connected hotel); a new one
        on ``stay`` (room id, arrival, departure) when given."""
        with self._state.lock:
            if kind is MessageKind.NEW:
                reservation = self._new(self._pick_hotel(hotel_code), stay)
            else:
                reservation = self._change(kind, hotel_code, reservation_id)
            self._state.reservations[reservation.id] = reservation
            self._state.queue.enqueue(kind, reservation)
            return reservation

    def _pick_hotel(self, hotel_code: str | None) -> Hotel:
        if hotel_code is not None:
            hotel = self._state.hotel(hotel_code)
            if hotel is None:
                raise GenerationError(f"unknown hotel {hotel_code}")
            return hotel
        connected = [
            code
            for code, conn in self._state.connections.items()
            if conn.status is ConnectionStatus.CONNECTED
        ]
        codes = connected or list(self._state.hotels)
        return self._state.hotels[self._rng.choice(sorted(codes))]

    def _new(self, hotel: Hotel, stay: tuple[str, dt.date, dt.date] | None = None) -> Reservation:
        if stay is not None:
            rooms, arrival, departure = self._asked_stay(hotel, stay)
        else:
            rooms, arrival, departure = self._random_stay(hotel)
        booker = seed.make_person(self._rng, with_company=self._rng.random() < 0.2)
        stays = tuple(
            self._stay(room, arrival, departure, booker if i == 0 else None)
            for i, room in enumerate(rooms)
        )
        self._take(stays, -1)
        now = self._state.clock.now()
        reservation_id = self._state.next_reservation_id()
        stays, extras = _sender_forms(reservation_id, stays, hotel)
        return Reservation(
            id=reservation_id,
            extras=extras,
            hotel_code=hotel.code,
            booked_at=now,
            currency=hotel.currency,
            booker=booker,
            stays=stays,
            card=seed.make_card(self._rng, booker),
            comment=self._rng.choice(COMMENTS),
            special_request=self._rng.choice((None, *SPECIAL_REQUESTS)),
            commission_percent=hotel.commission_percent,
        )

    def _asked_stay(
        self, hotel: Hotel, stay: tuple[str, dt.date, dt.date]
    ) -> tuple[list[RoomType], dt.date, dt.date]:
        room_id, arrival, departure = stay
        room = next((room for room in hotel.rooms if room.id == room_id), None)
        if room is None:
            raise GenerationError(f"hotel {hotel.code} has no room {room_id}")
        if departure <= arrival or not self._bookable([room], arrival, departure):
            raise GenerationError(f"room {room_id} is not free from {arrival} to {departure}")
        return [room], arrival, departure

    def _random_stay(self, hotel: Hotel) -> tuple[list[RoomType], dt.date, dt.date]:
        today = self._state.clock.today()
        horizon = self._state.config.ari_days
        room_count = self._rng.choice((1, 1, 1, 2, 3))
        for _ in range(_MAX_TRIES):
            nights = self._rng.randint(1, 7)
            arrival = today + dt.timedelta(days=self._rng.randint(1, max(1, horizon - 9)))
            departure = arrival + dt.timedelta(days=nights)
            rooms = [self._rng.choice(hotel.rooms) for _ in range(room_count)]
            if self._bookable(rooms, arrival, departure):
                return rooms, arrival, departure
        raise GenerationError(f"no availability left in hotel {hotel.code}")

    def _stay(
        self,
        room: RoomType,
        arrival: dt.date,
        departure: dt.date,
        guest: Person | None,
    ) -> Stay:
        rate_id = self._rng.choice(room.rate_plan_ids)
        nights = [arrival + dt.timedelta(days=i) for i in range((departure - arrival).days)]
        prices = tuple(self._price(room, rate_id, night) for night in nights)
        return Stay(
            room_id=room.id,
            room_name=room.name,
            rate_plan_id=rate_id,
            arrival=arrival,
            departure=departure,
            guest_count=self._rng.randint(1, room.max_persons),
            guest=guest if guest is not None else seed.make_person(self._rng),
            nightly_prices=prices,
            meal_plan=self._rng.choice(("Room only", "Breakfast included", "Half board")),
        )

    def _price(self, room: RoomType, rate_id: str, night: dt.date) -> Decimal:
        cell = self._state.cells.get((room.id, rate_id, night))
        return cell.price if cell is not None and cell.price is not None else room.base_price

    def _bookable(self, rooms: list[RoomType], arrival: dt.date, departure: dt.date) -> bool:
        needed: dict[str, int] = {}
        for room in rooms:
            needed[room.id] = needed.get(room.id, 0) + 1
        days = range((departure - arrival).days)
        return all(
            self._state.availability.get((room_id, arrival + dt.timedelta(days=i)), 0) >= count
            for room_id, count in needed.items()
            for i in days
        )

    def _take(self, stays: tuple[Stay, ...], delta: int) -> None:
        """Change availability by `delta` for every night of every stay (-1 books, +1 frees)."""
        for stay in stays:
            for night in stay.nights:
                key = (stay.room_id, night)
                self._state.availability[key] = max(0, self._state.availability.get(key, 0) + delta)

    def _change(
        self, kind: MessageKind, hotel_code: str | None, reservation_id: str | None
    ) -> Reservation:
        candidates = [
            r
            for r in self._state.reservations.values()
            if r.status is not ReservationStatus.CANCELLED
            and (hotel_code is None or r.hotel_code == hotel_code)
            and (reservation_id is None or r.id == reservation_id)
        ]
        if not candidates:
            raise GenerationError("no active reservation to change")
        current = self._rng.choice(sorted(candidates, key=lambda r: r.id))
        now = self._state.clock.now()
        if kind is MessageKind.CANCEL:
            self._take(current.stays, +1)
            return attrs.evolve(
                current,
                status=ReservationStatus.CANCELLED,
                revision=current.revision + 1,
                modified_at=now,
            )
        return attrs.evolve(
            current,
            stays=self._modified_stays(current),
            status=ReservationStatus.MODIFIED,
            revision=current.revision + 1,
            modified_at=now,
            comment=f"{current.comment} (changed)".strip(),
        )

    def _modified_stays(self, reservation: Reservation) -> tuple[Stay, ...]:
        """Extend the first room by a night if there is room, else shorten it, else add a guest."""
        hotel = self._state.hotels[reservation.hotel_code]
        first, *rest = reservation.stays
        room = hotel.room(first.room_id)
        assert room is not None
        extra_night = first.departure
        self._take(reservation.stays, +1)
        if self._state.availability.get((first.room_id, extra_night), 0) >= 1 + sum(
            1 for s in rest if s.room_id == first.room_id
        ):
            changed = attrs.evolve(
                first,
                departure=first.departure + dt.timedelta(days=1),
                nightly_prices=(
                    *first.nightly_prices,
                    self._price(room, first.rate_plan_id, extra_night),
                ),
            )
        elif len(first.nights) > 1:
            changed = attrs.evolve(
                first,
                departure=first.departure - dt.timedelta(days=1),
                nightly_prices=first.nightly_prices[:-1],
            )
        else:
            changed = attrs.evolve(first, guest_count=min(room.max_persons, first.guest_count + 1))
        stays = (changed, *rest)
        self._take(stays, -1)
        return stays
