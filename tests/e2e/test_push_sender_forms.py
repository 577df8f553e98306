"""Other senders' forms pushed through the real endpoint and read back through the API: span
prices, Expedia-style SOAP with extra-guest amounts, three rooms with guests and services, a
ResModifyNotif and an OTA_CancelRQ (our hand-written samples, addressed to a mapped hotel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from .flows import JSON, Tenant, connect_and_map, form_fields, map_hotel, ok
from .harness import PUSH_PASSWORD, PUSH_USERNAME, RunningService

pytestmark = pytest.mark.e2e

HOTEL = "1000001"
PUSH_PATH = "/ota/booking/reservations"
SENDERS = Path(__file__).resolve().parents[1] / "resources" / "senders"
#: The sample's own hotel and room type codes, replaced by the mapped hotel's.
SAMPLE_HOTELS = (b"HTL-SPAN", b"EXP-HTL-9", b"HTL-TRI")
SAMPLE_ROOMS = (b'"DBL"', b'"SGL"', b'"KING"', b'"TWIN"')


@pytest.fixture
def mapped(tenant: Tenant) -> tuple[str, str]:
    """Hotel 1000001 connected and mapped; the connection id and one of its room type codes."""
    connection_id = connect_and_map(tenant, HOTEL)
    hotels = ok(tenant.api.get(f"/api/v1/connections/{connection_id}/properties"))
    room = next(h for h in hotels if h["hotel_code"] == HOTEL)["room_types"][0]["code"]
    return connection_id, str(room)


def send(service: RunningService, sample: str, room: str) -> httpx.Response:
    """Push one sample, addressed to the mapped hotel and room type, as its sender would, and
    let the worker apply it."""
    body = (SENDERS / sample).read_bytes()
    for code in SAMPLE_HOTELS:
        body = body.replace(code, HOTEL.encode())
    for code in SAMPLE_ROOMS:
        body = body.replace(code, f'"{room}"'.encode())
    soap = b"Envelope" in body
    answer = httpx.post(
        f"{service.base_url}{PUSH_PATH}",
        content=body,
        headers={"Content-Type": "text/xml" if soap else "application/xml"},
        auth=(PUSH_USERNAME, PUSH_PASSWORD),
        timeout=20,
    )
    # Stored and acknowledged: apply it as the worker does at once.
    service.apply_pushes()
    return answer


def reservation(tenant: Tenant, external_id: str) -> dict[str, Any]:
    listed = ok(tenant.api.get("/api/v1/reservations"))
    [found] = [r for r in listed if r["external_id"] == external_id]
    return dict(ok(tenant.api.get(f"/api/v1/reservations/{found['id']}")))


def nights(stay: dict[str, Any]) -> list[str]:
    return [price["amount"]["amount"] for price in stay["nightly_prices"]]


def test_span_prices_and_rates_past_the_stay_are_stored_and_flagged(
    service: RunningService, tenant: Tenant, mapped: tuple[str, str]
) -> None:
    answer = send(service, "span_total_and_rates_past_stay.xml", mapped[1])
    assert answer.status_code == 200, answer.text
    stored = reservation(tenant, "SPAN-7001")
    assert nights(stored["room_stays"][0]) == ["225.00", "225.00", "225.00", "225.00", "500.00"]
    assert nights(stored["room_stays"][1]) == ["100.00", "100.00"]
    assert [flag["code"] for flag in stored["flags"]] == ["rates_outside_stay"]
    assert stored["property_id"] is not None


def test_an_expedia_style_booking_modified_then_cancelled_reads_back_through_the_api(
    service: RunningService, tenant: Tenant, mapped: tuple[str, str]
) -> None:
    booked = send(service, "expedia_style_soap.xml", mapped[1])
    assert booked.status_code == 200, booked.text
    assert "soap" in booked.text.lower()
    first = reservation(tenant, "EXP-550011")
    (stay,) = first["room_stays"]
    assert nights(stay) == ["214.90", "214.90", "214.00"]
    assert (stay["adults"], stay["children"], stay["child_ages"]) == (2, 2, [9, 4])
    assert stay["remarks"] == ["1 king bed"]
    assert stay["meal_plan"] == "12"
    assert first["totals"]["amount_after_tax"]["amount"] == "734.93"
    assert first["flags"] == []

    modified = send(service, "modify_notif_more_guests.xml", mapped[1])
    assert modified.status_code == 200, modified.text
    assert "OTA_HotelResModifyNotifRS" in modified.text
    assert reservation(tenant, "EXP-550011")["status"] == "modified"

    cancelled = send(service, "expedia_style_cancel.xml", mapped[1])
    assert cancelled.status_code == 200, cancelled.text
    assert "OTA_CancelRS" in cancelled.text
    assert 'Status="Cancelled"' in cancelled.text
    last = reservation(tenant, "EXP-550011")
    assert last["status"] == "cancelled"
    assert last["cancelled_at"].startswith("2026-03-12T16:00")
    revisions = ok(tenant.api.get(f"/api/v1/reservations/{last['id']}/revisions"))
    assert [r["action"] for r in revisions] == ["created", "modified", "cancelled"]
    changed = {c["field"]: c for c in revisions[1]["changes"]}
    assert changed["dates"]["after"] == "2026-05-01..2026-05-05"
    assert changed["guests"]["before"] == "2 adults, 2 children aged 9, 4 (Maria Lopez)"
    assert changed["guests"]["after"] == "3 adults, 1 child aged 9"

    again = send(service, "expedia_style_cancel.xml", mapped[1])
    assert again.status_code == 200, again.text
    assert reservation(tenant, "EXP-550011") == last


def test_three_rooms_with_guests_services_and_a_booker_read_back_through_the_api(
    service: RunningService, tenant: Tenant, mapped: tuple[str, str]
) -> None:
    answer = send(service, "three_rooms_guests_services.xml", mapped[1])
    assert answer.status_code == 200, answer.text
    stored = reservation(tenant, "TRI-3003")
    assert [s["guest_names"] for s in stored["room_stays"]] == [
        ["Ines Duarte"],
        ["Tomas Duarte"],
        ["Rita Alves"],
    ]
    assert stored["room_stays"][0]["infants"] == 1
    assert stored["booker"]["given_name"] == "Carla"
    services = [
        (s["code"], s["quantity"], s["amount"]["amount"], s["room"]) for s in stored["services"]
    ]
    assert services == [("CRIB", 1, "0.00", 1), ("PARK", 2, "30.00", 3)]
    assert stored["arrival_time"] == "15:30"
    assert stored["promotion_codes"] == ["SUMMER26"]
    assert stored["special_requests"] == ["Late check-out if possible"]


def connect_through_the_extranet(tenant: Tenant, hotel: str) -> str:
    """Connect ``hotel`` in booking-connectivity mode (the connection's account is the hotel);
    map nothing. The connection id."""
    started = tenant.api.get(
        "/connect/booking", params={"mode": "booking-connectivity", "hotel_id": hotel}
    )
    assert started.status_code == 302, started.text
    extranet_url = started.headers["location"]
    with httpx.Client(timeout=10) as browser:
        page = browser.get(extranet_url)
        action, fields = form_fields(page.text)
        back = browser.post(urljoin(extranet_url, action), data={**fields, "decision": "request"})
    assert back.status_code == 302, back.text
    finished = ok(tenant.api.get(back.headers["location"], headers=JSON))  # the starter returns
    assert finished["status"] == "active", finished
    return str(finished["connection_id"])


def test_a_push_for_our_connections_unmapped_hotel_is_kept_and_linked_once_mapped(
    service: RunningService, tenant: Tenant
) -> None:
    hotel = "1000003"  # seeded as not connected: connected here, not mapped
    connection_id = connect_through_the_extranet(tenant, hotel)
    rooms = ok(tenant.api.get(f"/api/v1/connections/{connection_id}/properties"))[0]
    room = str(rooms["room_types"][0]["code"])
    body = (SENDERS / "span_total_and_rates_past_stay.xml").read_bytes()
    body = body.replace(b"HTL-SPAN", hotel.encode())
    for code in SAMPLE_ROOMS:
        body = body.replace(code, f'"{room}"'.encode())
    answer = httpx.post(
        f"{service.base_url}{PUSH_PATH}",
        content=body,
        headers={"Content-Type": "application/xml"},
        auth=(PUSH_USERNAME, PUSH_PASSWORD),
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    service.apply_pushes()
    kept = reservation(tenant, "SPAN-7001")
    assert kept["property_id"] is None
    assert {flag["code"] for flag in kept["flags"]} == {"unmapped_hotel", "rates_outside_stay"}
    [view] = ok(tenant.api.get("/api/v1/connections"))
    assert view["flagged_reservations"] == 1

    map_hotel(tenant, connection_id, hotel)

    linked = reservation(tenant, "SPAN-7001")
    assert linked["property_id"] is not None
    assert all(stay["unit_id"] is not None for stay in linked["room_stays"])
    assert [flag["code"] for flag in linked["flags"]] == ["rates_outside_stay"]
