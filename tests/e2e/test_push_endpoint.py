"""Push mode: the sandbox delivers Commit, Modify and Cancel to ``POST /ota/booking/reservations``;
refused senders and hostile bodies get an OTA error and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy.tables.operations import message_log

from .flows import Tenant, connect_and_map, ok
from .harness import PUSH_PASSWORD, PUSH_USERNAME, RunningService
from .inventory import assert_same_reservation, our_reservations

pytestmark = pytest.mark.e2e

HOTEL = "1000001"
PUSH_PATH = "/ota/booking/reservations"
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="2.001">
&lol5;</OTA_HotelResNotifRQ>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="2.001">
<HotelReservations><HotelReservation ResStatus="Commit"><ResGlobalInfo><HotelReservationIDs>
<HotelReservationID ResID_Value="&secret;"/></HotelReservationIDs></ResGlobalInfo>
</HotelReservation></HotelReservations></OTA_HotelResNotifRQ>"""


@pytest.fixture
def connection_id(tenant: Tenant) -> str:
    """Hotel 1000001 connected and mapped (the push endpoint routes by its HotelCode)."""
    return connect_and_map(tenant, HOTEL)


@pytest.fixture
def push_target(
    service: RunningService, sandbox_http: httpx.Client, connection_id: str
) -> Iterator[dict[str, str]]:
    """Point the sandbox's push delivery at our endpoint (the test may change the password)."""
    target = {
        "url": f"{service.base_url}{PUSH_PATH}",
        "username": PUSH_USERNAME,
        "password": PUSH_PASSWORD,
    }
    ok(sandbox_http.post("/_sandbox/push-target", json=target))
    yield target
    sandbox_http.delete("/_sandbox/push-target")


def push_log_rows(service: RunningService) -> int:
    """Message-log rows written for the push endpoint (attached to a connection or not)."""
    with service.container.engine().connect() as connection:
        query = (
            sa.select(sa.func.count())
            .select_from(message_log)
            .where(message_log.c.endpoint.contains(PUSH_PATH))
        )
        return int(connection.execute(query).scalar_one())


def generate(sandbox_http: httpx.Client, **body: Any) -> dict[str, Any]:
    """Make a reservation event in the sandbox; its push is delivered before this returns."""
    return dict(ok(sandbox_http.post("/_sandbox/reservations/generate", json=body), 201))


def test_commit_modify_and_cancel_are_pushed_and_followed(
    service: RunningService,
    tenant: Tenant,
    sandbox: SandboxServer,
    sandbox_http: httpx.Client,
    push_target: dict[str, str],
) -> None:
    made = generate(sandbox_http, kind="new", hotel_code=HOTEL)
    booking_id = made["reservation"]["id"]
    assert (made["push"]["outcome"], made["push"]["status_code"]) == ("delivered", 200)
    assert "<Success/>" in made["push"]["response"]
    assert booking_id in made["push"]["response"]
    service.apply_pushes()  # stored and acknowledged; the worker applies it at once
    [stored] = our_reservations(tenant)
    assert stored["status"] == "confirmed"
    assert_same_reservation(stored, sandbox.state.reservations[booking_id])

    ok(sandbox_http.post("/_sandbox/clock", json={"seconds": 60}))
    modified = generate(sandbox_http, kind="modify", reservation_id=booking_id)
    assert modified["push"]["outcome"] == "delivered"
    service.apply_pushes()
    [stored] = our_reservations(tenant)
    assert stored["status"] == "modified"
    assert_same_reservation(stored, sandbox.state.reservations[booking_id])

    attempts = ok(sandbox_http.get("/_sandbox/push-log"))["attempts"]
    assert [(a["kind"], a["outcome"], a["attempt"]) for a in attempts] == [
        ("new", "delivered", 1),
        ("modify", "delivered", 1),
    ]


def test_a_pushed_cancel_of_a_known_reservation_is_applied(
    service: RunningService,
    tenant: Tenant,
    sandbox_http: httpx.Client,
    push_target: dict[str, str],
) -> None:
    """The sandbox's Cancel carries no RoomStays, hence no BasicPropertyInfo/@HotelCode; the
    reservation it cancels is known, so it must still be routed and applied.
    """
    booking_id = generate(sandbox_http, kind="new", hotel_code=HOTEL)["reservation"]["id"]
    service.apply_pushes()
    ok(sandbox_http.post("/_sandbox/clock", json={"seconds": 60}))

    cancelled = generate(sandbox_http, kind="cancel", reservation_id=booking_id)

    assert cancelled["push"]["outcome"] == "delivered", cancelled["push"]["response"]
    service.apply_pushes()
    [stored] = our_reservations(tenant)
    assert stored["status"] == "cancelled"


def test_wrong_credentials_are_refused_and_nothing_is_stored(
    service: RunningService, tenant: Tenant, sandbox_http: httpx.Client, push_target: dict[str, str]
) -> None:
    ok(sandbox_http.post("/_sandbox/push-target", json={**push_target, "password": "guess"}))

    made = generate(sandbox_http, kind="new", hotel_code=HOTEL)

    assert (made["push"]["outcome"], made["push"]["status_code"]) == ("rejected", 401)
    assert "<Errors>" in made["push"]["response"]
    assert our_reservations(tenant) == []
    assert push_log_rows(service) == 0


@pytest.mark.parametrize("service_settings_extra", [{"CM_PUSH_ALLOWED_IPS": "203.0.113.0/24"}])
def test_a_sender_outside_the_allow_list_is_refused(
    service: RunningService, tenant: Tenant, sandbox_http: httpx.Client, push_target: dict[str, str]
) -> None:
    made = generate(sandbox_http, kind="new", hotel_code=HOTEL)

    assert (made["push"]["outcome"], made["push"]["status_code"]) == ("rejected", 403)
    assert "<Errors>" in made["push"]["response"]
    assert our_reservations(tenant) == []
    assert push_log_rows(service) == 0


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["xml-bomb", "external-entity"]
)
def test_hostile_xml_gets_an_ota_error_and_stores_nothing(
    service: RunningService, tenant: Tenant, connection_id: str, body: bytes
) -> None:
    answer = httpx.post(
        f"{service.base_url}{PUSH_PATH}",
        content=body,
        headers={"Content-Type": "application/xml"},
        auth=(PUSH_USERNAME, PUSH_PASSWORD),
        timeout=20,
    )

    assert answer.status_code == 400, answer.text
    assert "OTA_HotelResNotifRS" in answer.text
    assert "<Errors>" in answer.text
    assert "root:" not in answer.text
    assert "lollollol" not in answer.text
    assert our_reservations(tenant) == []
    assert push_log_rows(service) == 0
