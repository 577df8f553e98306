"""Bugs the robustness tests found, each pinned by the smallest request that showed it.

Numbers refer to the bug list the fuzzing produced (B1 ...). Each test asserts the behaviour
the project's rule asks for: bad input gets a clear 4xx and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.domain.reservation import FlagCode
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE
from tests.unit.fuzz.api_world import (
    ApiWorld,
    api_world,
    assert_json_error,
    assert_robust_answer,
    store_snapshot,
)
from tests.unit.fuzz.ota_mutations import seeds
from tests.unit.fuzz.push_world import PushWorld, assert_ota_answer, push_world, send_push


@pytest.fixture
def world() -> Iterator[ApiWorld]:
    with api_world() as built:
        yield built


@pytest.fixture
def pushed() -> Iterator[PushWorld]:
    with push_world() as built:
        yield built


def _refused(world: ApiWorld, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """Send, and check the answer is a 4xx in the error shape that changed nothing."""
    before = store_snapshot(world.container)
    response = world.client.request(method, url, headers=world.auth(), **kwargs)
    assert_robust_answer(response, before, store_snapshot(world.container))
    assert 400 <= response.status_code < 500, response.text
    return dict(assert_json_error(response))


def _ari(world: ApiWorld, **change: object) -> dict[str, Any]:
    body = {
        "changes": [
            {
                "hotel_code": HOTEL,
                "room_type_code": ROOM_DOUBLE,
                "rate_plan_code": RATE_STANDARD,
                "start": "2027-01-01",
                "end": "2027-01-02",
                **change,
            }
        ]
    }
    return _refused(world, "POST", f"/api/v1/connections/{world.connection_id}/ari", json=body)


@pytest.mark.parametrize("unit", [{"name": "x", "count": -1}, {"name": "x", "max_occupancy": 0}])
def test_b1_a_unit_out_of_range_is_a_422(world: ApiWorld, unit: dict[str, object]) -> None:
    error = _refused(world, "POST", f"/api/v1/properties/{world.property_id}/units", json=unit)
    assert error["status"] == 422


def test_b1_a_negative_unit_count_in_a_mapping_is_a_422(world: ApiWorld) -> None:
    hotel = {
        "external_property_id": HOTEL,
        "internal_property_id": world.property_id,
        "units": [{"external_room_type_id": ROOM_DOUBLE, "create_unit": True, "unit_count": -3}],
    }
    url = f"/api/v1/connections/{world.connection_id}/mappings"
    assert _refused(world, "PUT", url, json={"hotels": [hotel]})["status"] == 422


@pytest.mark.parametrize("field", ["availability", "min_los", "max_los"])
def test_b1_negative_ari_values_are_a_422(world: ApiWorld, field: str) -> None:
    assert _ari(world, **{field: -1})["status"] == 422


def test_b2_the_last_date_of_the_calendar_is_a_422(world: ApiWorld) -> None:
    error = _ari(world, start="9999-12-31", end="9999-12-31", availability=1)
    assert error["status"] == 422


def test_b3_a_century_of_ari_is_refused(world: ApiWorld) -> None:
    assert _ari(world, start="2027-01-01", end="2126-12-31", availability=1)["status"] == 422


@pytest.mark.parametrize(
    "params",
    [{"offset": "-5"}, {"limit": "-1"}, {"limit": "0"}],
)
def test_b4_negative_paging_is_a_400(world: ApiWorld, params: dict[str, str]) -> None:
    for url in (
        "/api/v1/reservations",
        f"/api/v1/connections/{world.connection_id}/messages",
    ):
        assert _refused(world, "GET", url, params=params)["status"] == 400


@pytest.mark.parametrize("rate", ["-5", "0.001", "1e400"])
def test_b5_rates_that_can_never_be_sent_are_a_422(world: ApiWorld, rate: str) -> None:
    assert _ari(world, rate=rate)["status"] == 422


def _seed_with(*changes: tuple[str, str, str]) -> bytes:
    """The Booking.com multi-room example with the first ``tag/@attribute`` of each change set."""
    root = etree.fromstring(seeds()[0].body)
    for tag, attribute, value in changes:
        element = next(root.iter(f"{{{OTA_NS}}}{tag}"))
        element.set(attribute, value)
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert isinstance(body, bytes)
    return body


def _push_refused(world: PushWorld, body: bytes) -> httpx.Response:
    before = store_snapshot(world.container)
    response = send_push(world, body, soap=False)
    assert_ota_answer(response, before, store_snapshot(world.container))
    assert 400 <= response.status_code < 500, response.text
    return response


@pytest.mark.parametrize(
    "change",
    [
        ("Total", "AmountAfterTax", "-13350"),
        ("Total", "AmountBeforeTax", "-5"),
        ("CommissionPayableAmount", "Amount", "-4005"),
    ],
)
def test_b6_a_negative_amount_is_refused(pushed: PushWorld, change: tuple[str, str, str]) -> None:
    _push_refused(pushed, _seed_with(change))


@pytest.mark.parametrize(
    "change",
    [
        ("GuestCount", "Count", "99999999999999999999"),
        ("GuestCount", "Count", "-1"),
        ("Total", "AmountAfterTax", "99999999999999999999999999"),
    ],
)
def test_b7_absurd_numbers_are_refused_not_stored(
    pushed: PushWorld, change: tuple[str, str, str]
) -> None:
    _push_refused(pushed, _seed_with(change))


@pytest.mark.parametrize("currency", ["USD", "XX", "eur"])
def test_b8_a_price_in_another_currency_is_refused(pushed: PushWorld, currency: str) -> None:
    response = _push_refused(pushed, _seed_with(("Total", "CurrencyCode", currency)))
    assert currency in response.text


def test_b9_a_night_price_outside_the_stay_is_stored_inside_it_and_flagged(
    pushed: PushWorld,
) -> None:
    """B9 was once pinned as a refusal; OTA_RESERVATIONS.md says a refused booking is a lost
    booking: the price outside the stay (its TimeSpan) is left out and the reservation flagged
    with it."""
    root = etree.fromstring(seeds()[0].body)
    stay = next(root.iter(f"{{{OTA_NS}}}RoomStay"))
    guests = stay.find(f"{{{OTA_NS}}}GuestCounts")
    assert guests is not None
    guests.addnext(etree.Element(f"{{{OTA_NS}}}TimeSpan", Start="2025-06-10", End="2025-06-12"))
    response = send_push(pushed, etree.tostring(root), soap=False)
    assert response.status_code == 200, response.text
    with pushed.container.uow_factory()() as uow:
        [stored] = uow.reservations.find_by_external_id("4105326478")
    [outside] = [flag for flag in stored.flags if flag.code is FlagCode.RATES_OUTSIDE_STAY]
    assert dict(outside.figures)["outside"] == "2025-06-12: 140.00 EUR"
    first = stored.room_stays[0]
    assert (first.arrival, first.departure) == (date(2025, 6, 10), date(2025, 6, 12))
    assert [price.night for price in first.nightly_prices] == [date(2025, 6, 10), date(2025, 6, 11)]


def test_b9_a_stay_dated_by_rates_decades_apart_is_refused_as_corrupt(pushed: PushWorld) -> None:
    response = _push_refused(pushed, _seed_with(("RoomRate", "EffectiveDate", "1990-01-01")))
    assert "1990-01-01" in response.text
