"""Prices as other push senders write them (OTA_RESERVATIONS.md, "Prices per night"): a Rate
over several nights carries the whole span in ``Total``; ``Base`` is per night with
``AdditionalGuestAmounts`` on top; rate ranges past the stay are kept inside it and flagged.

The samples under tests/resources/senders are hand-written for these tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from channel_manager.domain.money import Money, minor_units, spread
from channel_manager.domain.reservation import FlagCode, Reservation

SENDERS = Path(__file__).resolve().parents[2] / "resources" / "senders"
CONNECTION = uuid.UUID("00000000-0000-4000-8000-00000000000d")


def sender_sample(name: str) -> bytes:
    """One of our hand-written sender samples."""
    return (SENDERS / name).read_bytes()


def stored(body: bytes) -> Reservation:
    """The one reservation of ``body`` as the domain keeps it."""
    message = decode_res_notif_rq(body)
    (ota,) = message.reservations
    return to_channel_reservation(
        ota, message, "k", connection_id=CONNECTION, now=lambda: datetime(2026, 1, 1, tzinfo=UTC)
    ).reservation


def night_amounts(reservation: Reservation, room: int) -> list[tuple[date, Decimal]]:
    stay = reservation.room_stays[room]
    return [(price.night, price.amount.amount) for price in stay.nightly_prices]


def test_a_span_total_is_spread_over_its_nights_not_copied_onto_each() -> None:
    reservation = stored(sender_sample("span_total_and_rates_past_stay.xml"))
    nights = night_amounts(reservation, 0)
    assert nights == [
        (date(2026, 4, 1), Decimal("225.00")),
        (date(2026, 4, 2), Decimal("225.00")),
        (date(2026, 4, 3), Decimal("225.00")),
        (date(2026, 4, 4), Decimal("225.00")),
        (date(2026, 4, 5), Decimal("500.00")),
    ]
    assert sum(amount for _night, amount in nights) == Decimal("1400.00")
    assert reservation.room_stays[0].total == Money.of("1400.00", "EUR")
    assert not [f for f in reservation.flags if f.code is FlagCode.PRICE_MISMATCH]


def test_rates_running_past_the_stay_are_stored_inside_it_and_flagged() -> None:
    reservation = stored(sender_sample("span_total_and_rates_past_stay.xml"))
    single = reservation.room_stays[1]
    assert (single.arrival, single.departure) == (date(2026, 4, 1), date(2026, 4, 3))
    # Base is per night (100.00), not the span's Total (300.00) copied onto each night.
    assert night_amounts(reservation, 1) == [
        (date(2026, 4, 1), Decimal("100.00")),
        (date(2026, 4, 2), Decimal("100.00")),
    ]
    [outside] = [f for f in reservation.flags if f.code is FlagCode.RATES_OUTSIDE_STAY]
    assert outside.room == 2
    assert dict(outside.figures) == {
        "stay": "2026-04-01..2026-04-03",
        "outside": "2026-04-03: 100.00 EUR",
    }
    assert [f.code for f in reservation.flags] == [FlagCode.RATES_OUTSIDE_STAY]


def test_base_per_night_plus_additional_guests_adds_up_to_the_stay_before_tax() -> None:
    reservation = stored(sender_sample("expedia_style_soap.xml"))
    assert night_amounts(reservation, 0) == [
        (date(2026, 5, 1), Decimal("214.90")),
        (date(2026, 5, 2), Decimal("214.90")),
        (date(2026, 5, 3), Decimal("214.00")),
    ]
    (stay,) = reservation.room_stays
    assert sum(p.amount.amount for p in stay.nightly_prices) == Decimal("643.80")
    assert stay.total == Money.of("734.93", "USD")  # after tax, as the stay states it
    assert stay.taxes == Money.of("91.13", "USD")  # kept apart, not folded into the nights
    assert reservation.flags == ()


def test_the_reservation_total_comes_from_its_stays_when_only_they_carry_one() -> None:
    reservation = stored(sender_sample("expedia_style_soap.xml"))
    assert reservation.totals.amount_after_tax == Money.of("734.93", "USD")
    assert reservation.totals.amount_before_tax == Money.of("643.80", "USD")
    assert reservation.totals.taxes == Money.of("91.13", "USD")


def _room(rates: str, stay_total: str | None, span: tuple[str, str]) -> bytes:
    total = ""
    if stay_total is not None:
        total = f'<Total AmountAfterTax="{stay_total}" CurrencyCode="EUR"/>'
    return f"""<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.0">
<HotelReservations><HotelReservation><UniqueID Type="14" ID="R-1"/><RoomStays><RoomStay>
<RoomTypes><RoomType RoomTypeCode="DBL"/></RoomTypes>
<RoomRates><RoomRate><Rates>{rates}</Rates></RoomRate></RoomRates>
<TimeSpan Start="{span[0]}" End="{span[1]}"/>{total}
<BasicPropertyInfo HotelCode="H"/></RoomStay></RoomStays></HotelReservation></HotelReservations>
</OTA_HotelResNotifRQ>""".encode()


def test_nights_that_do_not_add_up_to_the_room_total_are_flagged_with_both_figures() -> None:
    rates = (
        '<Rate EffectiveDate="2026-04-01" ExpireDate="2026-04-03">'
        '<Total AmountAfterTax="200.00" CurrencyCode="EUR"/></Rate>'
    )
    reservation = stored(_room(rates, "260.00", ("2026-04-01", "2026-04-03")))
    [flag] = reservation.flags
    assert flag.code is FlagCode.PRICE_MISMATCH
    assert dict(flag.figures) == {
        "nights": "200.00 EUR",
        "room total": "260.00 EUR",
        "basis": "after tax",
    }


def test_one_minor_unit_apart_is_not_a_mismatch() -> None:
    rates = (
        '<Rate EffectiveDate="2026-04-01" ExpireDate="2026-04-03">'
        '<Total AmountAfterTax="200.00" CurrencyCode="EUR"/></Rate>'
    )
    reservation = stored(_room(rates, "200.01", ("2026-04-01", "2026-04-03")))
    assert reservation.flags == ()


def test_nights_left_without_a_price_are_flagged_not_refused() -> None:
    rates = (
        '<Rate EffectiveDate="2026-04-01" ExpireDate="2026-04-02">'
        '<Total AmountAfterTax="90.00" CurrencyCode="EUR"/></Rate>'
        '<Rate EffectiveDate="2026-04-03" ExpireDate="2026-04-04">'
        '<Total AmountAfterTax="90.00" CurrencyCode="EUR"/></Rate>'
    )
    reservation = stored(_room(rates, None, ("2026-04-01", "2026-04-04")))
    [flag] = reservation.flags
    assert flag.code is FlagCode.NIGHTS_WITHOUT_PRICE
    assert dict(flag.figures) == {"nights": "2026-04-02"}


def test_a_stay_dated_only_by_its_rates_keeps_its_gap_as_a_flag() -> None:
    rates = (
        '<Rate EffectiveDate="2026-04-01" ExpireDate="2026-04-02">'
        '<Total AmountAfterTax="90.00" CurrencyCode="EUR"/></Rate>'
        '<Rate EffectiveDate="2026-04-03" ExpireDate="2026-04-04">'
        '<Total AmountAfterTax="90.00" CurrencyCode="EUR"/></Rate>'
    )
    body = _room(rates, None, ("x", "y")).replace(b'<TimeSpan Start="x" End="y"/>', b"")
    reservation = stored(body)
    assert (reservation.arrival, reservation.departure) == (date(2026, 4, 1), date(2026, 4, 4))
    assert [f.code for f in reservation.flags] == [FlagCode.NIGHTS_WITHOUT_PRICE]


@given(
    amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    parts=st.integers(min_value=1, max_value=400),
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_spread_shares_always_add_up_to_the_total(
    amount: Decimal, parts: int, currency: str
) -> None:
    total = Money(amount, currency)
    shares = spread(total, parts)
    assert len(shares) == parts
    assert sum((share.amount for share in shares), Decimal(0)) == total.amount
    quantum = Decimal(1).scaleb(-minor_units(currency))
    assert all(share.amount >= 0 for share in shares)
    assert all(shares[0].amount == share.amount for share in shares[:-1])
    assert 0 <= shares[-1].amount - shares[0].amount < quantum * parts


#: One generated span: nights (1..30) and its Total in cents (EUR).
_SPANS = st.lists(
    st.tuples(st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=10**8)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(spans=_SPANS, after_tax=st.booleans())
def test_decoded_nights_always_add_up_to_the_span_totals(
    spans: list[tuple[int, int]], after_tax: bool
) -> None:
    """For any consecutive Rate spans, each with its own Total, the stored nights of each span
    add up to that span's Total to the cent, and the stay to the sum of them (no flag)."""
    side = "AmountAfterTax" if after_tax else "AmountBeforeTax"
    start = date(2026, 1, 1)
    rates = []
    bounds = []
    for nights, cents in spans:
        end = start + timedelta(days=nights)
        amount = Decimal(cents).scaleb(-2)
        rates.append(
            f'<Rate EffectiveDate="{start}" ExpireDate="{end}">'
            f'<Total {side}="{amount}" CurrencyCode="EUR"/></Rate>'
        )
        bounds.append((start, end, amount))
        start = end
    stay_total = sum((amount for *_dates, amount in bounds), Decimal(0))
    body = _room("".join(rates), None, (str(bounds[0][0]), str(start))).replace(
        b"<BasicPropertyInfo",
        f'<Total {side}="{stay_total}" CurrencyCode="EUR"/><BasicPropertyInfo'.encode(),
    )
    reservation = stored(body)
    (stay,) = reservation.room_stays
    for first, end, amount in bounds:
        inside = [p.amount.amount for p in stay.nightly_prices if first <= p.night < end]
        assert len(inside) == (end - first).days
        assert sum(inside, Decimal(0)) == amount
        assert max(inside) - min(inside) <= Decimal("0.01") * len(inside)
    assert len(stay.nightly_prices) == stay.departure.toordinal() - stay.arrival.toordinal()
    assert reservation.flags == ()


def test_fees_are_kept_apart_from_the_nightly_prices() -> None:
    rates = (
        '<Rate EffectiveDate="2026-04-01" ExpireDate="2026-04-03">'
        '<Base AmountAfterTax="100.00" CurrencyCode="EUR"/>'
        '<Fees><Fee Code="3" Amount="4.20" CurrencyCode="EUR"/></Fees></Rate>'
    )
    reservation = stored(_room(rates, "200.00", ("2026-04-01", "2026-04-03")))
    (stay,) = reservation.room_stays
    assert [p.amount for p in stay.nightly_prices] == [Money.of("100.00", "EUR")] * 2
    assert stay.fees == Money.of("4.20", "EUR")
    assert reservation.flags == ()
