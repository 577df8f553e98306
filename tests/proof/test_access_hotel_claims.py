"""R4: one organisation per Booking.com hotel (issue 12, section 1), over real HTTP against the
running service and the sandbox.

The attack: Booking.com hotel ids are public. An organisation started the booking-connectivity
flow for a hotel another organisation had connected, skipped the Extranet and called the return
URL; the hotel read "connected" for our machine account, which was taken as proof, and the
attacker got an active connection: stop-sell the victim's rooms, poll and acknowledge the
victim's reservations first, and deactivate the hotel for the victim by disconnecting. Each test
below runs one form of it and shows it now fails to do harm:

- the return URL of a held hotel is refused (409 ``hotel_held``) before Booking.com is asked
  anything, naming the way out; the attacker has no connection to act through;
- a hotel that reads connected but nobody holds is refused too (``hotel_already_connected``):
  only a connection request made during the flow is accepted;
- two organisations approving the same hotel through OAuth: the second is refused for it and
  its grant is revoked, not silently shared;
- disconnecting a connection that does not hold the hotel leaves it connected at Booking.com;
- the race no check can settle (the attacker's flow started first and returned first) ends
  with the rightful organisation refused with a clear message, and the operator's logged
  ``connections move-hotel`` gives the hotel back without disconnecting it at Booking.com.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit
from uuid import UUID, uuid4

import httpx

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from tests.e2e.flows import (
    JSON,
    Tenant,
    authorize_oauth2,
    connect_oauth2,
    form_fields,
    machine_headers,
    map_hotel,
    ok,
    push_view,
    sandbox_requests,
    submit_ari,
)
from tests.e2e.harness import RunningService
from tests.e2e.inventory import our_reservations
from tests.support.clock import session_offset

from .access_secrets_support import cli

PRECONNECTED = "1000001"  # seed 1: connected to our provider, held by nobody here
VICTIM_HOTEL = "1000003"  # seed 1: not connected
RACED_HOTEL = "1000004"  # seed 1: not connected


def start_extranet_flow(tenant: Tenant, hotel: str) -> str:
    """``GET /connect/booking`` in booking-connectivity mode; the Extranet page URL."""
    started = tenant.api.get(
        "/connect/booking", params={"mode": "booking-connectivity", "hotel_id": hotel}
    )
    assert started.status_code == 302, started.text
    return str(started.headers["location"])


def request_in_extranet(extranet_url: str) -> str:
    """The property's person requests the connection; the return URL they are sent to."""
    with httpx.Client(timeout=20) as browser:
        page = browser.get(extranet_url)
        action, fields = form_fields(page.text)
        back = browser.post(urljoin(extranet_url, action), data={**fields, "decision": "request"})
    assert back.status_code == 302, back.text
    return str(back.headers["location"])


def skipped_extranet_return(extranet_url: str) -> str:
    """The return URL the attacker calls without going through the Extranet: the state from
    their own start, and the parameters the Extranet would have added."""
    return_url = parse_qs(urlsplit(extranet_url).query)["return_url"][0]
    hotel = parse_qs(urlsplit(extranet_url).query)["hotel_id"][0]
    return str(httpx.URL(return_url).copy_merge_params({"hotel_id": hotel, "outcome": "requested"}))


def finish(tenant: Tenant, callback: str) -> httpx.Response:
    """Call the return URL / OAuth callback as the API client that started the flow (flows
    are bound to their starter) and read the JSON answer."""
    return tenant.api.get(callback, headers=JSON)


def connect_through_extranet(tenant: Tenant, hotel: str) -> str:
    """The whole booking-connectivity wizard; the connection id."""
    answer = ok(finish(tenant, request_in_extranet(start_extranet_flow(tenant, hotel))))
    assert answer["status"] == "active", answer
    return str(answer["connection_id"])


def sandbox_status(sandbox: SandboxServer, hotel: str) -> str:
    answer = httpx.get(
        f"{sandbox.base_url}/connections-api/properties/{hotel}/status",
        headers=machine_headers(sandbox.base_url),
        timeout=10,
    )
    return str(ok(answer)["data"]["status"])


def calls(sandbox: SandboxServer, hotel: str, action: str) -> int:
    """How many accept / deactivate calls the sandbox received for ``hotel``."""
    folder = "requests" if action == "accept" else "properties"
    return len(sandbox_requests(sandbox.base_url, f"/connections-api/{folder}/{hotel}/{action}"))


def assert_refused(answer: httpx.Response, kind: str) -> str:
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["type"] == kind, error
    assert "move-hotel" in error["message"], error  # the way out is named
    return str(error["message"])


def move_hotel_to_owner(service: RunningService, reason: str) -> subprocess.CompletedProcess[str]:
    """The operator runs ``channel-manager connections move-hotel`` for the raced hotel."""
    settings = service.container.settings()
    environ = {
        "CM_DATABASE_URL": settings.database.url,
        "CM_VAULT_KEYS": settings.vault.keys.reveal_text(),
        "CM_LOG_LEVEL": "INFO",
    }
    return cli(
        environ,
        "connections",
        "move-hotel",
        RACED_HOTEL,
        "--to-organization",
        "Rightful Rooms",
        "--reason",
        reason,
    )


def connections_of(tenant: Tenant) -> list[dict[str, object]]:
    return list(ok(tenant.api.get("/api/v1/connections")))


def test_the_return_url_of_a_held_hotel_gives_the_attacker_nothing(
    sandbox: SandboxServer, tenant_factory: Callable[[str], Tenant]
) -> None:
    victim, attacker = tenant_factory("Victim Villas"), tenant_factory("Mallory Ltd")
    victims = connect_through_extranet(victim, VICTIM_HOTEL)
    accepted = calls(sandbox, VICTIM_HOTEL, "accept")

    answer = finish(attacker, skipped_extranet_return(start_extranet_flow(attacker, VICTIM_HOTEL)))

    message = assert_refused(answer, "hotel_held")
    assert "another organisation" in message
    assert connections_of(attacker) == []  # nothing to stop-sell, poll or disconnect with
    assert calls(sandbox, VICTIM_HOTEL, "accept") == accepted  # Booking.com was not asked
    assert calls(sandbox, VICTIM_HOTEL, "deactivate") == 0
    assert sandbox_status(sandbox, VICTIM_HOTEL) == "connected"
    assert ok(victim.api.get(f"/api/v1/connections/{victims}"))["status"] == "active"
    # A browser is sent to the result page with the same explanation.
    again = start_extranet_flow(attacker, VICTIM_HOTEL)
    landing = attacker.api.get(skipped_extranet_return(again), headers={"Accept": "text/html"})
    assert landing.status_code == 303
    query = parse_qs(urlsplit(landing.headers["location"]).query)
    assert query == {"status": ["error"], "code": ["hotel_held"]}
    shown = attacker.api.get(landing.headers["location"], headers={"Accept": "text/html"})
    assert "move-hotel" in shown.text


def test_a_connected_hotel_nobody_holds_cannot_be_claimed_by_naming_it(
    sandbox: SandboxServer, tenant: Tenant
) -> None:
    assert sandbox_status(sandbox, PRECONNECTED) == "connected"

    answer = finish(tenant, skipped_extranet_return(start_extranet_flow(tenant, PRECONNECTED)))

    assert_refused(answer, "hotel_already_connected")
    assert connections_of(tenant) == []
    assert calls(sandbox, PRECONNECTED, "accept") == 0


def test_a_second_organisation_approving_the_same_hotel_by_oauth_is_refused(
    sandbox: SandboxServer, tenant_factory: Callable[[str], Tenant]
) -> None:
    first, second = tenant_factory("First Stays"), tenant_factory("Second Stays")
    firsts = connect_oauth2(first, [PRECONNECTED])
    revocations = len(sandbox_requests(sandbox.base_url, "/oauth2/revoke"))

    answer = finish(second, authorize_oauth2(second, "approve", [PRECONNECTED]))

    message = assert_refused(answer, "hotel_held")
    assert PRECONNECTED in message
    assert connections_of(second) == []
    # The refused grant was given back at once; the first organisation's keeps working.
    assert len(sandbox_requests(sandbox.base_url, "/oauth2/revoke")) == revocations + 1
    hotels = ok(first.api.get(f"/api/v1/connections/{firsts}/properties"))
    assert [h["hotel_code"] for h in hotels] == [PRECONNECTED]


def test_disconnecting_a_leftover_second_connection_leaves_the_hotel_connected(
    sandbox: SandboxServer, service: RunningService, tenant_factory: Callable[[str], Tenant]
) -> None:
    """A second connection for a held hotel, as databases from before claims may hold (the
    upgrade puts it in error): disconnecting it must not deactivate the hotel at Booking.com,
    which would disconnect the holder."""
    victim, attacker = tenant_factory("Victim Villas"), tenant_factory("Mallory Ltd")
    victims = connect_through_extranet(victim, VICTIM_HOTEL)
    leftover_id = uuid4()
    leftover = Connection(
        id=leftover_id,
        organization_id=UUID(attacker.organization_id),
        channel="booking",
        auth_mode=AuthMode.BOOKING_CONNECTIVITY,
        status=ConnectionStatus.ERROR,
        credential_ref=f"connection:{leftover_id}",
        external_account_id=VICTIM_HOTEL,
        error_reason="another connection already holds this hotel",
        created_at=service.container.clock().now(),
    )
    record = json.dumps({"mode": "booking-connectivity", "hotel_id": VICTIM_HOTEL})
    with SqlAlchemyUnitOfWorkFactory(
        service.container.engine(), clock=SystemClock(session_offset())
    )() as uow:
        uow.connections.add(leftover)
        service.container.credentials().put(uow, f"connection:{leftover_id}", record.encode())
        uow.commit()

    answer = attacker.api.delete(f"/api/v1/connections/{leftover.id}")

    assert ok(answer)["status"] == "revoked"
    assert calls(sandbox, VICTIM_HOTEL, "deactivate") == 0
    assert sandbox_status(sandbox, VICTIM_HOTEL) == "connected"
    assert ok(victim.api.get(f"/api/v1/connections/{victims}"))["status"] == "active"


def test_racing_the_owners_return_gives_the_attacker_nothing(
    sandbox: SandboxServer, tenant_factory: Callable[[str], Tenant]
) -> None:
    """The review's race: Mallory keeps a flow open for the owner's (public) hotel id and
    calls her return as soon as the owner has requested the connection in the Extranet.
    Booking.com's request names no flow, so her return used to win. While another
    organisation's flow for the hotel is under way, nobody's return connects it."""
    owner, attacker = tenant_factory("Rightful Rooms"), tenant_factory("Mallory Ltd")
    mallorys = skipped_extranet_return(start_extranet_flow(attacker, RACED_HOTEL))
    owners = request_in_extranet(start_extranet_flow(owner, RACED_HOTEL))
    accepted = calls(sandbox, RACED_HOTEL, "accept")

    refused = finish(attacker, mallorys)

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["type"] == "hotel_contested"
    assert connections_of(attacker) == []
    assert calls(sandbox, RACED_HOTEL, "accept") == accepted  # Booking.com was not asked
    # Mallory's flow is used up; the owner's return, arriving next, connects the hotel.
    mine = ok(finish(owner, owners))
    assert mine["status"] == "active"
    assert [c["status"] for c in connections_of(owner)] == ["active"]


def test_a_hotel_another_organisation_connected_is_refused_and_the_operator_moves_it_back(
    sandbox: SandboxServer, service: RunningService, tenant_factory: Callable[[str], Tenant]
) -> None:
    owner, attacker = tenant_factory("Rightful Rooms"), tenant_factory("Mallory Ltd")
    # Mallory (a former manager, say) requested the connection in the Extranet herself.
    taken = ok(finish(attacker, request_in_extranet(start_extranet_flow(attacker, RACED_HOTEL))))
    assert taken["status"] == "active"

    owners = request_in_extranet(start_extranet_flow(owner, RACED_HOTEL))
    message = assert_refused(finish(owner, owners), "hotel_held")
    assert "another organisation" in message
    assert connections_of(owner) == []

    moved = move_hotel_to_owner(service, "support ticket 1234: the owner showed the Extranet")

    assert moved.returncode == 0, moved.stderr
    assert "WARNING" in moved.stderr  # the move is logged, with who, what and why
    assert "support ticket 1234" in moved.stderr
    assert RACED_HOTEL in moved.stderr
    owned = connections_of(owner)
    assert [(c["status"], c["external_account_id"]) for c in owned] == [("active", RACED_HOTEL)]
    assert [c["status"] for c in connections_of(attacker)] == ["revoked"]
    assert calls(sandbox, RACED_HOTEL, "deactivate") == 0
    assert sandbox_status(sandbox, RACED_HOTEL) == "connected"
    # The attacker's connection can stop-sell nothing any more.
    stop_sell = {
        "hotel_code": RACED_HOTEL,
        "room_type_code": f"{RACED_HOTEL}01",
        "start": "2030-01-01",
        "end": "2030-01-02",
        "stop_sell": True,
    }
    refused = attacker.api.post(
        f"/api/v1/connections/{taken['connection_id']}/ari", json={"changes": [stop_sell]}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["type"] == "connection_not_active"


def test_after_a_move_the_old_holder_can_neither_sync_list_nor_replay(
    sandbox: SandboxServer,
    sandbox_http: httpx.Client,
    service: RunningService,
    tenant_factory: Callable[[str], Tenant],
) -> None:
    """The review's attack on a revoked connection: after ``move-hotel`` the old holder asked
    for a sync (its run fetched and acknowledged the hotel's bookings, which never reached the
    new holder), listed the hotel's catalogue, and replayed a stop-sell that was delivered.
    Now each is a 409 that reaches nothing at Booking.com; its queued stop-sell is given up,
    never sent; the booking is left for, and reaches, the new holder."""
    owner, attacker = tenant_factory("Rightful Rooms"), tenant_factory("Mallory Ltd")
    # Mallory holds the hotel (however it got it: the race above, or the owner's mistake).
    takens = connect_through_extranet(attacker, RACED_HOTEL)
    map_hotel(attacker, takens, RACED_HOTEL)
    today = service.container.clock().now().date()
    stop_sell = {
        "hotel_code": RACED_HOTEL,
        "room_type_code": f"{RACED_HOTEL}01",
        "start": (today + timedelta(days=30)).isoformat(),
        "end": (today + timedelta(days=31)).isoformat(),
        "stop_sell": True,
    }
    queued = submit_ari(attacker, takens, stop_sell)  # queued; the worker has not run yet
    moved = move_hotel_to_owner(service, "support ticket 77: the owner showed the Extranet")
    assert moved.returncode == 0, moved.stderr
    made = ok(
        sandbox_http.post(
            "/_sandbox/reservations/generate", json={"kind": "new", "hotel_code": RACED_HOTEL}
        ),
        201,
    )
    booking_id = made["reservation"]["id"]
    asked_before = len(sandbox.state.requests)

    attempts = [
        attacker.api.post(f"/api/v1/connections/{takens}/sync"),
        attacker.api.get(f"/api/v1/connections/{takens}/properties"),
        *(attacker.api.post(f"/api/v1/pushes/{push}/retry") for push in queued),
    ]

    for answer in attempts:
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["type"] == "connection_not_active"
    assert len(sandbox.state.requests) == asked_before  # Booking.com was asked nothing
    mine = [m for m in sandbox.state.queue.messages if m.hotel_code == RACED_HOTEL]
    assert mine
    assert all(m.pending for m in mine)  # nothing acknowledged
    # The worker delivers none of the old holder's pushes: they are given up, visibly.
    service.tick_until(
        lambda: [r for r in our_reservations(owner) if r["external_id"] == booking_id]
    )
    for push in queued:
        view = push_view(attacker, push)
        assert view["state"] == "failed"
        assert "connection revoked" in str(view["last_error"])
    assert not [r for r in sandbox.state.requests if "AvailNotif" in r.path]
    assert not [r for r in our_reservations(attacker) if r["external_id"] == booking_id]
