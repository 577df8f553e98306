"""Decoded OTA reservations -> domain ``ChannelReservation``s.

Channel ids are kept verbatim; our ids (unit, rate plan, property) are filled in later by the
application's mappings. The domain id of a reservation is derived from the connection and the
channel's reservation number, so every repeat of a message names the same reservation.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import attrgetter

from channel_manager.adapters.booking.ota.reservations import (
    Customer,
    OtaReservation,
    OtaRoomStay,
    ResNotifRQ,
    ResStatus,
    Total,
)
from channel_manager.domain.channel import ChannelReservation, ReservationMessageKind
from channel_manager.domain.errors import CardDataRejected, CurrencyMismatch
from channel_manager.domain.money import Money, minor_units
from channel_manager.domain.reservation import (
    Address,
    FlagCode,
    Guest,
    NightlyPrice,
    PaymentSummary,
    Reservation,
    ReservationFlag,
    ReservationId,
    ReservationStatus,
    Revision,
    RoomStay,
    Service,
    Totals,
)

_RESERVATION_NAMESPACE = uuid.UUID("5f1d7c1e-8f0e-4a53-9a0c-6f7cf1f0b00c")
#: ISO 4217's "no currency", for the rare message that names none anywhere.
_NO_CURRENCY = "XXX"

_KIND = {
    ResStatus.COMMIT: ReservationMessageKind.NEW,
    ResStatus.MODIFY: ReservationMessageKind.MODIFY,
    ResStatus.CANCEL: ReservationMessageKind.CANCEL,
}
#: ``Revision.sequence`` per message kind. Booking.com stamps to the second and push senders may
#: repeat the booking's ``CreateDateTime`` on a modification, so a Modify or Cancel can carry the
#: very timestamp of the Commit it changes; the ledger would take it for a duplicate and lose the
#: change. Within one timestamp a Cancel is newer than a Modify, which is newer than a Commit.
_SEQUENCE = {ResStatus.COMMIT: 0, ResStatus.MODIFY: 1, ResStatus.CANCEL: 2}
_STATUS = {
    ResStatus.COMMIT: ReservationStatus.CONFIRMED,
    ResStatus.MODIFY: ReservationStatus.MODIFIED,
    ResStatus.CANCEL: ReservationStatus.CANCELLED,
}


def reservation_uuid(connection_id: uuid.UUID, external_id: str) -> uuid.UUID:
    """The stable domain id of a channel reservation within one connection."""
    return uuid.uuid5(_RESERVATION_NAMESPACE, f"{connection_id}:{external_id}")


def _money(value: Decimal | None, currency: str) -> Money | None:
    return None if value is None else Money(value, currency)


def _guest(customer: Customer | None) -> Guest | None:
    if customer is None:
        return None
    address = customer.address
    return Guest(
        given_name=customer.name.given_name or "",
        surname=customer.name.surname or "",
        email=customer.email,
        phone=customer.phone,
        address=None
        if address is None
        else Address(
            lines=address.lines,
            city=address.city,
            postal_code=address.postal_code,
            country_code=address.country_code,
        ),
        country=address.country_code if address else None,
        language=customer.language,
    )


def _nightly_prices(
    stay: OtaRoomStay, currency: str, flags: list[ReservationFlag], room: int
) -> tuple[NightlyPrice, ...]:
    """One ``NightlyPrice`` per priced night inside the stay; nights priced outside it are
    left out and flagged, like nights priced twice or not at all.

    Nights that share one decoded ``Total`` (the decoder shares equal leaf Totals) share one
    ``Money``: building and validating it per night was the mapping's largest cost. Keyed by
    identity, not equality: ``Decimal("1.0") == Decimal("1.00")``, but the amounts differ.
    """
    money: dict[int, Money] = {}
    prices: list[NightlyPrice] = []
    outside: list[str] = []
    arrival, departure = stay.arrival, stay.departure
    for rate in stay.nightly_rates:
        amount = rate.price.amount
        if amount is None:
            continue
        price = money.get(id(rate.price))
        if price is None:
            price = money[id(rate.price)] = Money(amount, currency)
        if not arrival <= rate.night < departure:
            outside.append(f"{rate.night.isoformat()}: {price}")
            continue
        prices.append(
            NightlyPrice(night=rate.night, amount=price, rate_plan_code=rate.rate_plan_code)
        )
    if outside:
        flags.append(
            ReservationFlag(
                code=FlagCode.RATES_OUTSIDE_STAY,
                message=f"room {room}: prices for nights outside the stay "
                f"{arrival}..{departure} were left out",
                figures=(("stay", f"{arrival}..{departure}"), ("outside", ", ".join(outside))),
                room=room,
            )
        )
    if prices:
        priced = Counter(price.night for price in prices)
        missing = [night for night in _stay_nights(arrival, departure) if night not in priced]
        twice = sorted(night for night, count in priced.items() if count > 1)
        if missing:
            flags.append(
                ReservationFlag(
                    code=FlagCode.NIGHTS_WITHOUT_PRICE,
                    message=f"room {room}: {len(missing)} night(s) of the stay have no price",
                    figures=(("nights", _night_ranges(missing)),),
                    room=room,
                )
            )
        if twice:
            flags.append(
                ReservationFlag(
                    code=FlagCode.OVERLAPPING_RATES,
                    message=f"room {room}: {len(twice)} night(s) are priced more than once",
                    figures=(("nights", _night_ranges(twice)),),
                    room=room,
                )
            )
    return tuple(prices)


def _night_ranges(nights: Sequence[date]) -> str:
    """Sorted nights as a person reads them: runs of consecutive nights as ``first..last``."""
    runs: list[list[date]] = []
    for night in nights:
        if runs and night - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(night)
        else:
            runs.append([night])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}..{run[-1]}" for run in runs)


def _stay_nights(arrival: date, departure: date) -> list[date]:
    return [date.fromordinal(n) for n in range(arrival.toordinal(), departure.toordinal())]


#: Which side of a Total to add up, in the order tried: after tax, then before tax.
_SIDES = (("after tax", attrgetter("after_tax")), ("before tax", attrgetter("before_tax")))


def _mismatch(
    parts: Sequence[Total | None], whole: Total | None, currency: str
) -> tuple[str, Decimal, Decimal] | None:
    """``(side, sum of parts, whole)`` when ``parts`` do not add up to ``whole`` (more than
    one minor unit apart) on the first side (after, else before tax) all of them state."""
    if whole is None or not parts:
        return None
    for side, read in _SIDES:
        stated = read(whole)
        values = [None if part is None else read(part) for part in parts]
        if stated is None or any(value is None for value in values):
            continue
        added = sum((value for value in values if value is not None), Decimal(0))
        tolerance = Decimal(1).scaleb(-minor_units(currency))
        if abs(added - stated) > tolerance:
            return side, added, stated
        return None
    return None


def _price_flags(
    ota: OtaReservation, stays: Sequence[RoomStay], currency: str
) -> list[ReservationFlag]:
    """Nights that do not add up to their room's Total, rooms (and services) that do not add
    up to the reservation's: flagged with both figures."""
    flags: list[ReservationFlag] = []
    for ota_stay, stay in zip(ota.room_stays, stays, strict=True):
        inside = [
            rate.price
            for rate in ota_stay.nightly_rates
            if stay.arrival <= rate.night < stay.departure
        ]
        found = _mismatch(inside, ota_stay.total, currency)
        if found is not None:
            flags.append(
                _price_mismatch(
                    found,
                    currency,
                    ("nights", "room total", "room's total"),
                    f"room {stay.index}: ",
                    stay.index,
                )
            )
    parts: list[Total | None] = [stay.total for stay in ota.room_stays]
    parts += [service.price for service in ota.services if service.price is not None]
    found = _mismatch(parts, ota.total, currency)
    if found is not None:
        names = ("rooms and services", "reservation total", "reservation's total")
        flags.append(_price_mismatch(found, currency, names))
    return flags


def _price_mismatch(
    found: tuple[str, Decimal, Decimal],
    currency: str,
    names: tuple[str, str, str],
    prefix: str = "",
    room: int | None = None,
) -> ReservationFlag:
    """The flag for parts that do not add up to their whole; ``names``: the parts', the
    whole's figure and the whole as the message says it."""
    side, added, stated = found
    parts, whole, whole_said = names
    return ReservationFlag(
        code=FlagCode.PRICE_MISMATCH,
        message=f"{prefix}the {parts} add up to {added} {currency} {side}, "
        f"the {whole_said} is {stated} {currency}",
        figures=((parts, f"{added} {currency}"), (whole, f"{stated} {currency}"), ("basis", side)),
        room=room,
    )


#: OpenTravel Age Qualifying Codes (AQC) a property counts apart.
_CHILD, _INFANT = "8", "7"


def _occupancy(stay: OtaRoomStay) -> tuple[int | None, int, tuple[int, ...], int]:
    """Adults, children, the children's ages (when given) and infants of a stay; ``None``
    adults when the message did not count guests."""
    if not stay.guest_counts:
        return None, 0, (), 0
    adults = children = infants = 0
    ages: list[int] = []
    for count in stay.guest_counts:
        number = max(count.count, 0)
        if count.age_qualifying_code == _CHILD:
            children += number
            if count.age is not None:
                ages += [count.age] * number
        elif count.age_qualifying_code == _INFANT:
            infants += number
        else:
            adults += number
    return adults, children, tuple(ages), infants


def _room_stay(
    position: int,
    stay: OtaRoomStay,
    currency: str,
    names: dict[str, str],
    flags: list[ReservationFlag],
) -> RoomStay:
    index_text = stay.index_number or ""
    index = int(index_text) if index_text.isdigit() else position
    total = stay.total.amount if stay.total else None
    adults, children, ages, infants = _occupancy(stay)
    return RoomStay(
        index=index,
        external_room_type_id=stay.room_type_code or "",
        external_room_type_name=stay.room_name,
        external_rate_plan_id=stay.rate_plan_code,
        arrival=stay.arrival,
        departure=stay.departure,
        guest_count=stay.guest_total or 1,
        guest_names=tuple(names[rph] for rph in stay.guest_rphs if rph in names),
        nightly_prices=_nightly_prices(stay, currency, flags, index),
        total=_money(total, currency),
        commission=_money(stay.commission.value if stay.commission else None, currency),
        meal_plan=stay.meal_plan,
        remarks=stay.comments + tuple(r.text for r in stay.special_requests),
        adults=adults,
        children=children,
        child_ages=ages,
        infants=infants,
        taxes=_money(stay.total.taxes if stay.total else None, currency),
        fees=_money(stay.fees, currency),
    )


def _services(ota: OtaReservation, stays: Sequence[RoomStay], currency: str) -> tuple[Service, ...]:
    rooms = {
        rph: stay.index
        for ota_stay, stay in zip(ota.room_stays, stays, strict=True)
        for rph in ota_stay.service_rphs
    }
    return tuple(
        Service(
            code=service.code,
            name=service.name,
            quantity=service.quantity,
            amount=_money(service.price.amount if service.price else None, currency),
            room=rooms.get(service.rph) if service.rph else None,
        )
        for service in ota.services
    )


def _stays_total(ota: OtaReservation) -> Total | None:
    """The reservation's total from its rooms (and priced services) when it states none."""
    parts = [stay.total for stay in ota.room_stays]
    if not parts or any(part is None for part in parts):
        return None
    priced = [part for part in parts if part is not None]
    priced += [service.price for service in ota.services if service.price is not None]

    def add(read: Callable[[Total], Decimal | None]) -> Decimal | None:
        values = [read(part) for part in priced]
        if any(value is None for value in values):
            return None
        return sum((value for value in values if value is not None), Decimal(0))

    return Total(
        after_tax=add(attrgetter("after_tax")),
        before_tax=add(attrgetter("before_tax")),
        taxes=add(attrgetter("taxes")),
    )


def _totals(total: Total | None, commission: Decimal | None, currency: str) -> Totals:
    return Totals(
        amount_before_tax=_money(total.before_tax if total else None, currency),
        amount_after_tax=_money(total.after_tax if total else None, currency),
        taxes=_money(total.taxes if total else None, currency),
        commission=_money(commission, currency),
    )


def _payment(ota: OtaReservation) -> PaymentSummary | None:
    card = ota.payment_card
    if card is None:
        return None
    try:
        return PaymentSummary(
            card_type=card.card_code,
            last_four=card.last_four,
            expiry=card.expire_date,
            holder_name=card.holder_name,
        )
    except CardDataRejected:
        # A malformed card summary is dropped, never stored half-checked.
        return PaymentSummary(card_type=card.card_code)


def to_channel_reservation(
    ota: OtaReservation,
    message: ResNotifRQ,
    ack_key: str,
    *,
    connection_id: uuid.UUID,
    now: Callable[[], datetime],
    raw_message_id: uuid.UUID | None = None,
) -> ChannelReservation:
    """One fetched reservation as the domain sees it (``raw_message_id``: the message-log
    entry of the message it came in)."""
    external_id = ota.reservation_id or ""
    if len(ota.currencies) > 1:
        # One booking is priced in the property's one currency; anything else is corrupt, and
        # relabelling amounts would silently change what the guest pays.
        raise CurrencyMismatch(*ota.currencies[:2])
    currency = ota.currency or _NO_CURRENCY
    names = {
        profile.rph: name
        for profile in ota.guests
        if profile.rph and (guest := _guest(profile.customer)) and (name := guest.full_name)
    }
    flags: list[ReservationFlag] = []
    stays = tuple(
        _room_stay(n, stay, currency, names, flags)
        for n, stay in enumerate(ota.room_stays, start=1)
    )
    flags += _price_flags(ota, stays, currency)
    hotel = ota.hotel_code or next((s.hotel_code for s in ota.room_stays if s.hotel_code), "")
    stamp = ota.last_modify_datetime or ota.create_datetime or message.timestamp or now()
    if stays:
        arrival = min(stay.arrival for stay in stays)
        departure = max(stay.departure for stay in stays)
    else:
        # A cancellation may carry no rooms; keep the booking date as a placeholder stay.
        arrival = (ota.booked_at or stamp).date()
        departure = arrival + timedelta(days=1)
    reservation = Reservation(
        id=reservation_uuid(connection_id, external_id),
        connection_id=connection_id,
        external_id=external_id,
        external_property_id=hotel,
        status=_STATUS[ota.status],
        revision=Revision(stamp, _SEQUENCE[ota.status]),
        booked_at=ota.booked_at,
        arrival=arrival,
        departure=departure,
        room_stays=stays,
        booker=_guest(ota.booker or next((p.customer for p in ota.guests if p.primary), None)),
        guests=tuple(g for p in ota.guests if (g := _guest(p.customer)) is not None),
        totals=_totals(
            ota.total or _stays_total(ota),
            ota.total_commission.value if ota.total_commission else None,
            currency,
        ),
        currency=currency,
        remarks=ota.comments,
        special_requests=tuple(r.text for r in ota.special_requests),
        payment=_payment(ota),
        raw_message_id=raw_message_id,
        flags=tuple(flags),
        services=_services(ota, stays, currency),
        reservation_ids=tuple(
            ReservationId(value=i.value, type=i.type, source=i.source) for i in ota.ids
        )
        or ((ReservationId(value=ota.unique_id),) if ota.unique_id else ()),
        arrival_time=ota.arrival_time,
        promotion_codes=tuple(
            dict.fromkeys(s.promotion_code for s in ota.room_stays if s.promotion_code)
        ),
        cancelled_at=stamp if ota.status is ResStatus.CANCEL else None,
    )
    return ChannelReservation(_KIND[ota.status], reservation, ack_key)
