"""Hypothesis strategies for the OTA message classes, constrained to what the 2015B schema
accepts and to values the decoders read back unchanged (second-precision UTC timestamps,
stripped text, one hotel code per reservation)."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from hypothesis import strategies as st

from channel_manager.adapters.booking.ota import ari, responses, search
from channel_manager.adapters.booking.ota.reservation_ids import HotelReservationId
from channel_manager.adapters.booking.ota.reservations import (
    Amount,
    CardSummary,
    Customer,
    GuestCount,
    GuestProfile,
    NightlyRate,
    OtaReservation,
    OtaRoomStay,
    PersonName,
    PostalAddress,
    ResMessageKind,
    ResNotifRQ,
    ResStatus,
    SpecialRequest,
    Total,
)

codes = st.text(string.ascii_letters + string.digits, min_size=1, max_size=16)
numeric_ids = st.integers(1, 99_999_999).map(str)
words = st.text(string.ascii_letters, min_size=1, max_size=12)
phrases = st.lists(words, min_size=1, max_size=4).map(" ".join)
currencies = st.sampled_from(["EUR", "USD", "GBP", "JPY", "KWD"])
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
timestamps = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))


T = TypeVar("T")


def _optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


@st.composite
def amounts(draw: st.DrawFn) -> tuple[Decimal, int]:
    """An exact amount and the DecimalPlaces it is written with."""
    places = draw(st.integers(0, 3))
    return Decimal(draw(st.integers(0, 10_000_000))).scaleb(-places), places


@st.composite
def controls(draw: st.DrawFn) -> ari.StatusApplicationControl:
    start = draw(dates)
    return ari.StatusApplicationControl(
        start=start,
        end=start + timedelta(days=draw(st.integers(0, 31))),
        inv_type_code=draw(_optional(codes)),
        rate_plan_code=draw(_optional(codes)),
    )


avail_status_messages = st.builds(
    ari.AvailStatusMessage,
    control=controls(),
    booking_limit=_optional(st.integers(0, 255)),
    booking_limit_message_type=_optional(st.just("SetLimit")),
    locator_id=_optional(st.integers(1, 9999)),
    lengths_of_stay=st.lists(
        st.builds(
            ari.LengthOfStay,
            min_max_message_type=st.sampled_from(["SetMinLOS", "SetMaxLOS"]),
            time=st.integers(1, 99),
        ),
        max_size=2,
    ).map(tuple),
    restriction_status=_optional(
        st.builds(
            ari.RestrictionStatus,
            status=st.sampled_from(["Open", "Close"]),
            restriction=_optional(st.sampled_from(["Arrival", "Departure"])),
        )
    ),
)


def avail_notif_rq() -> st.SearchStrategy[ari.AvailNotifRQ]:
    """OTA_HotelAvailNotifRQ."""
    return st.builds(
        ari.AvailNotifRQ,
        hotel_code=numeric_ids,
        messages=st.lists(avail_status_messages, min_size=1, max_size=4).map(tuple),
        echo_token=_optional(codes),
        timestamp=_optional(timestamps),
    )


@st.composite
def base_by_guest_amts(draw: st.DrawFn) -> ari.BaseByGuestAmt:
    value, places = draw(amounts())
    return ari.BaseByGuestAmt(
        amount=value,
        decimal_places=places,
        after_tax=draw(st.booleans()),
        number_of_guests=draw(_optional(st.integers(1, 20))),
    )


def rate_amount_notif_rq() -> st.SearchStrategy[ari.RateAmountNotifRQ]:
    """OTA_HotelRateAmountNotifRQ."""
    message = st.builds(
        ari.RateAmountMessage,
        control=controls(),
        amounts=st.lists(base_by_guest_amts(), min_size=1, max_size=3).map(tuple),
        currency_code=_optional(currencies),
        locator_id=_optional(st.integers(1, 9999)),
    )
    return st.builds(
        ari.RateAmountNotifRQ,
        hotel_code=numeric_ids,
        messages=st.lists(message, min_size=1, max_size=4).map(tuple),
        timestamp=_optional(timestamps),
    )


issues = st.builds(
    responses.OtaIssue,
    type=st.integers(1, 13).map(str),
    code=_optional(st.integers(1, 999).map(str)),
    status=_optional(st.sampled_from(["NotProcessed", "Complete"])),
    short_text=_optional(phrases),
    record_id=_optional(codes),
)


def _success_or_errors(
    draw: st.DrawFn,
) -> tuple[bool, tuple[responses.OtaIssue, ...], tuple[responses.OtaIssue, ...]]:
    success = draw(st.booleans())
    if success:
        return True, tuple(draw(st.lists(issues, max_size=3))), ()
    return False, (), tuple(draw(st.lists(issues, min_size=1, max_size=3)))


@st.composite
def notif_response(draw: st.DrawFn) -> responses.NotifResponse:
    """OTA_HotelAvailNotifRS / OTA_HotelRateAmountNotifRS."""
    success, warnings, errors = _success_or_errors(draw)
    return responses.NotifResponse(
        success=success,
        warnings=warnings,
        errors=errors,
        echo_token=draw(_optional(codes)),
        timestamp=draw(_optional(timestamps)),
    )


reservation_ids = st.builds(
    HotelReservationId,
    value=numeric_ids,
    type=_optional(st.sampled_from(["14", "13", "40"])),
    source=_optional(words),
    date=_optional(timestamps),
)


@st.composite
def res_acknowledgement(draw: st.DrawFn) -> responses.ResAcknowledgement:
    """OTA_HotelResNotifRS / OTA_HotelResModifyNotifRS."""
    success, warnings, errors = _success_or_errors(draw)
    acknowledged = st.builds(
        responses.AcknowledgedReservation,
        ids=st.lists(reservation_ids, min_size=1, max_size=2).map(tuple),
        hotel_code=_optional(numeric_ids),
    )
    return responses.ResAcknowledgement(
        kind=draw(st.sampled_from(responses.ResAckKind)),
        success=success,
        reservations=tuple(draw(st.lists(acknowledged, max_size=3))) if success else (),
        warnings=warnings,
        errors=errors,
        echo_token=draw(_optional(codes)),
        timestamp=draw(_optional(timestamps)),
    )


def hotel_search_rq() -> st.SearchStrategy[search.HotelSearchRQ]:
    """Schema-valid OTA_HotelSearchRQ (pagination inside the criterion)."""
    return st.builds(
        search.HotelSearchRQ,
        page=st.integers(1, 1000),
        page_size=st.integers(1, 200),
        echo_token=_optional(codes),
        timestamp=_optional(timestamps),
    )


@st.composite
def hotel_search_rs(draw: st.DrawFn) -> search.HotelSearchRS:
    """OTA_HotelSearchRS."""
    success, warnings, errors = _success_or_errors(draw)
    summary = st.builds(
        search.PropertySummary,
        hotel_code=numeric_ids,
        hotel_name=_optional(phrases),
        currency_code=_optional(currencies),
        chain_code=_optional(st.text(string.ascii_uppercase, min_size=2, max_size=2)),
        city_code=_optional(st.text(string.ascii_uppercase, min_size=3, max_size=3)),
    )
    return search.HotelSearchRS(
        success=success,
        properties=tuple(draw(st.lists(summary, max_size=4))) if success else (),
        warnings=warnings,
        errors=errors,
    )


@st.composite
def totals(draw: st.DrawFn, currency: str) -> Total:
    after_tax, _ = draw(amounts())
    before_tax = draw(_optional(amounts().map(lambda pair: pair[0])))
    taxes = draw(_optional(amounts().map(lambda pair: pair[0])))
    return Total(after_tax=after_tax, before_tax=before_tax, taxes=taxes, currency=currency)


@st.composite
def customers(draw: st.DrawFn) -> Customer:
    address = draw(
        _optional(
            st.builds(
                PostalAddress,
                lines=st.lists(phrases, max_size=2).map(tuple),
                city=_optional(words),
                postal_code=_optional(codes),
                state=_optional(words),
                country_code=_optional(st.text(string.ascii_uppercase, min_size=2, max_size=2)),
                country_name=_optional(words),
            )
        )
    )
    return Customer(
        name=PersonName(
            given_name=draw(_optional(words)), surname=draw(words), prefix=draw(_optional(words))
        ),
        email=draw(_optional(words.map(lambda name: f"{name}@example.com"))),
        phone=draw(_optional(st.text(string.digits, min_size=5, max_size=15))),
        address=address,
        company_name=draw(_optional(phrases)) if address is not None else None,
    )


@st.composite
def room_stays(draw: st.DrawFn, hotel_code: str | None, currency: str) -> OtaRoomStay:
    arrival = draw(dates)
    nights = draw(st.integers(1, 5))
    rate_plan = draw(_optional(codes))
    return OtaRoomStay(
        arrival=arrival,
        departure=arrival + timedelta(days=nights),
        index_number=draw(_optional(st.integers(1, 999).map(str))),
        room_type_code=draw(_optional(numeric_ids)),
        room_name=draw(_optional(phrases)),
        rate_plan_code=rate_plan,
        nightly_rates=tuple(
            NightlyRate(
                night=arrival + timedelta(days=n),
                price=draw(totals(currency)),
                rate_plan_code=rate_plan,
            )
            for n in range(nights)
        )
        if draw(st.booleans())
        else (),
        guest_counts=tuple(
            draw(
                st.lists(
                    st.builds(
                        GuestCount,
                        count=st.integers(1, 9),
                        age_qualifying_code=_optional(st.sampled_from(["10", "8"])),
                        age=_optional(st.integers(0, 17)),
                    ),
                    max_size=2,
                )
            )
        ),
        total=draw(_optional(totals(currency))),
        commission=draw(
            _optional(amounts().map(lambda pair: Amount(value=pair[0], currency=currency)))
        ),
        hotel_code=hotel_code,
        guest_rphs=tuple(draw(st.lists(st.integers(1, 9).map(str), max_size=2))),
        comments=tuple(draw(st.lists(phrases, max_size=2))),
        special_requests=tuple(
            draw(
                st.lists(st.builds(SpecialRequest, text=phrases, name=_optional(words)), max_size=2)
            )
        ),
    )


@st.composite
def reservations(draw: st.DrawFn, kind: ResMessageKind) -> OtaReservation:
    statuses = (
        [ResStatus.MODIFY, ResStatus.CANCEL] if kind is ResMessageKind.MODIFY else list(ResStatus)
    )
    status = draw(st.sampled_from(statuses))
    hotel_code = draw(_optional(numeric_ids))
    currency = draw(currencies)
    minimum_stays = 0 if status is ResStatus.CANCEL else 1
    stays = draw(st.lists(room_stays(hotel_code, currency), min_size=minimum_stays, max_size=2))
    if kind is ResMessageKind.MODIFY and not stays:
        status = ResStatus.CANCEL
    unique_id = draw(_optional(numeric_ids))
    return OtaReservation(
        status=status,
        ids=tuple(draw(st.lists(reservation_ids, min_size=1, max_size=2))),
        unique_id=unique_id,
        unique_id_type=None if unique_id is None else draw(st.sampled_from(["14", "10", "8"])),
        create_datetime=draw(_optional(timestamps)),
        last_modify_datetime=draw(_optional(timestamps)),
        room_stays=tuple(stays),
        guests=tuple(
            draw(
                st.lists(
                    st.builds(
                        GuestProfile,
                        customer=customers(),
                        rph=_optional(st.integers(1, 9).map(str)),
                        primary=_optional(st.booleans()),
                    ),
                    max_size=3,
                )
            )
        ),
        booker=draw(_optional(customers())),
        total=draw(_optional(totals(currency))),
        total_commission=draw(
            _optional(amounts().map(lambda pair: Amount(value=pair[0], currency=currency)))
        ),
        comments=tuple(draw(st.lists(phrases, max_size=2))),
        special_requests=tuple(draw(st.lists(st.builds(SpecialRequest, text=phrases), max_size=1))),
        payment_card=draw(
            _optional(
                st.builds(
                    CardSummary,
                    card_code=_optional(st.sampled_from(["MC", "VI", "AX"])),
                    last_four=_optional(st.text(string.digits, min_size=4, max_size=4)),
                    expire_date=_optional(
                        st.tuples(st.integers(1, 12), st.integers(0, 99)).map(
                            lambda p: f"{p[0]:02d}{p[1]:02d}"
                        )
                    ),
                    holder_name=_optional(phrases),
                )
            )
        ),
        hotel_code=hotel_code,
    )


@st.composite
def res_notif_rq(draw: st.DrawFn) -> ResNotifRQ:
    """OTA_HotelResNotifRQ or OTA_HotelResModifyNotifRQ in Booking.com's 2.001 form."""
    kind = draw(st.sampled_from(ResMessageKind))
    return ResNotifRQ(
        kind=kind,
        reservations=tuple(draw(st.lists(reservations(kind), min_size=1, max_size=2))),
        echo_token=draw(_optional(codes)),
        timestamp=draw(_optional(timestamps)),
        target=draw(_optional(st.sampled_from(["Production", "Test"]))),
    )
