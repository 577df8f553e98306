"""The sandbox books in the forms other senders use too (Rate spans with a span Total or Base
per night, children with ages, meal plans, priced extras, modifications as
OTA_HotelResModifyNotifRQ), and our decoder reads every one back as the sandbox booked it."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from booking_sandbox.model import MessageKind, Reservation
from booking_sandbox.ota_reservations import res_modify_notif_rq, res_notif_rq
from booking_sandbox.state import SandboxState
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from channel_manager.domain.reservation import Reservation as Stored

CONNECTION = uuid.UUID("00000000-0000-4000-8000-0000000000f0")
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _read(body: bytes) -> Stored:
    message = decode_res_notif_rq(body)
    (ota,) = message.reservations
    return to_channel_reservation(
        ota, message, "k", connection_id=CONNECTION, now=lambda: NOW
    ).reservation


def _same(stored: Stored, booked: Reservation) -> None:
    for stay, room in zip(stored.room_stays, booked.stays, strict=True):
        assert [(p.night, p.amount.amount) for p in stay.nightly_prices] == list(
            zip(room.nights, room.nightly_prices, strict=True)
        )
        assert (stay.adults, stay.child_ages) == (room.adults, room.child_ages)
        assert stay.meal_plan == room.meal_plan
    assert [
        (s.code, s.quantity, s.amount.amount if s.amount else None, s.room) for s in stored.services
    ] == [(e.code, e.quantity, e.price, e.room_index) for e in booked.extras]
    after = stored.totals.amount_after_tax or stored.totals.amount_before_tax
    assert after is not None
    assert after.amount == booked.total
    assert stored.flags == ()


def test_generated_bookings_use_every_form_and_read_back_exactly(state: SandboxState) -> None:
    made = [state.generate("new", "1000002") for _ in range(40)]
    forms = {stay.rate_form for r in made for stay in r.stays}
    assert forms == {"night", "span", "base"}
    assert any(stay.child_ages for r in made for stay in r.stays)
    assert any(r.extras for r in made)
    assert len({stay.meal_plan for r in made for stay in r.stays}) >= 3
    for booked in made:
        _same(_read(res_notif_rq([(MessageKind.NEW, booked)], state.hotels, NOW)), booked)


def test_a_span_rate_carries_the_whole_span_and_base_the_night(state: SandboxState) -> None:
    made = [state.generate("new", "1000002") for _ in range(40)]
    spans = [
        (r, s)
        for r in made
        for s in r.stays
        if s.rate_form != "night" and len(set(s.nightly_prices)) < len(s.nights)
    ]
    assert spans  # a run of equal nights priced by one Rate
    booked, stay = spans[0]
    body = res_notif_rq([(MessageKind.NEW, booked)], state.hotels, NOW)
    assert b"ExpireDate" in body
    assert f'ExpireDate="{stay.departure.isoformat()}"'.encode() in body
    _same(_read(body), booked)


def test_modifications_read_back_from_a_res_modify_notif(state: SandboxState) -> None:
    booked = state.generate("new", "1000002")
    changed = state.generate("modify", reservation_id=booked.id)
    body = res_modify_notif_rq([(MessageKind.MODIFY, changed)], state.hotels, NOW)
    assert b"OTA_HotelResModifyNotifRQ" in body
    stored = _read(body)
    _same(stored, changed)
    assert sum((s.total.amount for s in stored.room_stays if s.total), Decimal(0)) <= changed.total
