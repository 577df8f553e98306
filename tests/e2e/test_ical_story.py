"""The iCal story over real HTTP, on SQLite and on PostgreSQL.

An Airbnb-style calendar (a sandbox listing) is connected to one of our units that is also
sold on Booking.com (the sandbox hotel):

1. a stay on the Airbnb calendar is fetched and lowers the unit's availability, and that
   reaches Booking.com by itself;
2. a Booking.com booking of the same unit shows in our export feed, which the sandbox fetches
   the way Airbnb does; the Airbnb stay itself is not echoed back;
3. the stay removed from the Airbnb calendar (an empty feed: held as suspect until the next
   fetch confirms it) is a cancellation, and the nights are on sale
   at Booking.com again.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import upgrade
from tests.contract.conftest import temporary_postgres_database

from .flows import Tenant, connect_oauth2, map_hotel, ok
from .harness import RunningService
from .inventory import nights, our_reservations, outbound_settled, sandbox_availability

pytestmark = pytest.mark.e2e

HOTEL = "1000002"  # Grand Lodge London: 16 room types
ROOM = "100000203"  # the room type whose unit the Airbnb calendar also fills


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, migrated_sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """The service's database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "channel-manager.db"
        shutil.copyfile(migrated_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server_url = request.getfixturevalue("postgres_server_url")
    with temporary_postgres_database(server_url) as url:
        upgrade(url)
        yield url


@pytest.fixture
def service_settings_extra() -> dict[str, str]:
    """The sandbox's feeds are on loopback: allowed here as the demo allows them. Calendars
    are fetched every 2 s, so a held suspect feed is confirmed a second later."""
    return {"CM_FETCH_ALLOWED_NETWORKS": "127.0.0.1/32", "CM_ICAL_INTERVAL": "2s"}


def _sandbox_today(sandbox: SandboxServer) -> dt.date:
    return sandbox.state.clock.today()


def _feed_reservations(tenant: Tenant, connection_id: str) -> list[dict[str, Any]]:
    return [r for r in our_reservations(tenant) if r["connection_id"] == connection_id]


def _available(sandbox: SandboxServer, first: dt.date, last: dt.date) -> list[int]:
    return [
        sandbox_availability(sandbox.state, ROOM, night)
        for night in nights(first.isoformat(), last.isoformat())
    ]


def test_airbnb_stay_booking_booking_export_and_cancellation(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer, sandbox_http: httpx.Client
) -> None:
    # Our unit on Booking.com, one room of it, with its opening calendar delivered.
    booking_id = connect_oauth2(tenant, [HOTEL])
    hotel = map_hotel(tenant, booking_id, HOTEL, new_unit_count=1)
    [unit_id] = [r["mapped_unit_id"] for r in hotel["room_types"] if r["code"] == ROOM]
    service.tick_until(lambda: outbound_settled(tenant))
    today = _sandbox_today(sandbox)
    stay_in, stay_out = today + dt.timedelta(days=10), today + dt.timedelta(days=13)
    assert _available(sandbox, stay_in, stay_out) == [1, 1, 1]

    # An Airbnb calendar with one stay, connected to that unit.
    listing = ok(
        sandbox_http.post("/_sandbox/ical/listings", json={"style": "airbnb", "name": "Loft"}),
        201,
    )
    listing_id = listing["listing_id"]
    event = ok(
        sandbox_http.post(
            f"/_sandbox/ical/listings/{listing_id}/events",
            json={"kind": "stay", "start": stay_in.isoformat(), "end": stay_out.isoformat()},
        ),
        201,
    )
    connection = ok(
        tenant.api.post(
            "/api/v1/connections",
            json={
                "channel": "ical",
                "name": "Airbnb - Loft",
                "unit_id": unit_id,
                "import_url": listing["feed_url"],
            },
        ),
        201,
    )
    ical_id = connection["id"]
    assert listing["feed_url"] not in str(connection)  # the import URL is a secret

    # 1. The stay is imported and Booking.com's availability drops on its nights.
    [stay] = service.tick_until(
        lambda: (
            found
            if (found := _feed_reservations(tenant, ical_id))
            and outbound_settled(tenant)
            and _available(sandbox, stay_in, stay_out) == [0, 0, 0]
            else None
        )
    )
    assert (stay["arrival"], stay["departure"]) == (stay_in.isoformat(), stay_out.isoformat())
    assert stay["external_id"] == event["confirmation_code"]
    assert stay["status"] == "confirmed"

    # 2. A Booking.com booking of the unit shows in our export, fetched as Airbnb would.
    booked_in, booked_out = today + dt.timedelta(days=20), today + dt.timedelta(days=22)
    ok(sandbox_http.post("/_sandbox/clock", json={"seconds": 60}))
    generated = ok(
        sandbox_http.post(
            "/_sandbox/reservations/generate",
            json={
                "kind": "new",
                "hotel_code": HOTEL,
                "room_id": ROOM,
                "arrival": booked_in.isoformat(),
                "departure": booked_out.isoformat(),
            },
        ),
        201,
    )
    service.tick_until(
        lambda: (
            any(
                r["external_id"] == generated["reservation"]["id"] for r in our_reservations(tenant)
            )
            and outbound_settled(tenant)
        )
    )
    ok(
        sandbox_http.post(
            f"/_sandbox/ical/listings/{listing_id}/imports", json={"url": connection["export_url"]}
        ),
        201,
    )
    fetched = ok(sandbox_http.post(f"/_sandbox/ical/listings/{listing_id}/imports/fetch"))
    ranges = {(r["start"], r["end"]) for r in fetched["ranges"]}
    assert (booked_in.isoformat(), booked_out.isoformat()) in ranges, fetched
    assert not any(r["start"] < stay_out.isoformat() < r["end"] for r in fetched["ranges"]), (
        "the Airbnb stay was echoed back to Airbnb"
    )
    assert all("Loft" not in r["summary"] for r in fetched["ranges"])

    # 3. The stay vanishes from the Airbnb calendar. The feed is empty now, which is held as
    #    suspect (one empty answer must not wipe a calendar) until a later fetch confirms it;
    #    then it is a cancellation, and the nights are on sale again.
    deleted = sandbox_http.delete(
        f"/_sandbox/ical/listings/{listing_id}/events/{event['event_id']}"
    )
    assert deleted.status_code == 204
    ok(tenant.api.post(f"/api/v1/connections/{ical_id}/sync"), 202)  # "Sync now"
    held = service.tick_until(
        lambda: (
            (view := ok(tenant.api.get(f"/api/v1/connections/{ical_id}")))["feed"]["suspect"]
            and view
        )
    )
    assert held["feed"]["suspect_reason"], held
    assert [r["status"] for r in _feed_reservations(tenant, ical_id)] == ["confirmed"]
    assert _available(sandbox, stay_in, stay_out) == [0, 0, 0]

    # The worker's next fetch after the hold (half the 2 s interval) confirms it.
    service.tick_until(
        lambda: (
            [r["status"] for r in _feed_reservations(tenant, ical_id)] == ["cancelled"]
            and outbound_settled(tenant)
            and _available(sandbox, stay_in, stay_out) == [1, 1, 1]
        )
    )
    view = ok(tenant.api.get(f"/api/v1/connections/{ical_id}"))
    assert view["feed"]["last_error"] is None, view
    assert not view["feed"]["suspect"], view
    assert view["feed"]["stays"] == 0, view
