"""R6's world: our service over a real database and the Booking.com sandbox, with one
organisation that has something behind every kind of id the API takes.

Schemathesis generates ids at random, and a random UUID only ever reaches the "not found"
branch. So the organisation gets a mapped connection with a finished sync, pulled
reservations, queued and delivered pushes, properties and units, and the fuzzer draws these
real ids as often as random ones (:func:`real_ids_strategy`). A second, spare connection is the
one ``DELETE /connections/{id}`` may disconnect, so the others stay active for the rest.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from booking_sandbox.server import SandboxServer
from tests.e2e.flows import (
    Tenant,
    connect_oauth2,
    make_tenant,
    map_hotel,
    ok,
    pushes_in,
    submit_ari,
)
from tests.e2e.harness import RunningService, free_socket, running_service, service_environ
from tests.support.clock import shifted_today

#: Grand Lodge London (GBP, 16 room types, 2 rate plans, 3 reservations in the sandbox).
HOTEL = "1000002"
#: The spare connection's hotel (seed 1 also offers it to our provider).
SPARE_HOTEL = "1000001"


@attrs.frozen(kw_only=True)
class PreparedOrganisation:
    """An organisation with a key and real objects behind each id parameter of the API."""

    tenant: Tenant
    api_key: str
    #: Real ids by parameter name (``connection_id``, ``property_id``, ``push_id`` ...).
    ids: Mapping[str, tuple[str, ...]]
    #: Real values by body field name: the mapped hotel's codes and our ids they map to.
    codes: Mapping[str, tuple[str, ...]]
    #: The connection only ``DELETE /connections/{id}`` uses.
    spare_connection_id: str


@contextmanager
def sqlite_database(template: Path, folder: Path) -> Iterator[str]:
    """A private copy of the migrated SQLite template."""
    path = folder / "r6.db"
    shutil.copyfile(template, path)
    yield f"sqlite:///{path}"


@contextmanager
def service_over(sandbox: SandboxServer, database_url: str) -> Iterator[RunningService]:
    """Our API server (and a worker driven by ``tick``) over ``database_url``."""
    sock = free_socket()
    public_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    environ = service_environ(sandbox.base_url, public_url, database_url)
    with running_service(environ, sock, worker_id="r6-worker") as running:
        yield running


def prepare_organisation(service: RunningService) -> PreparedOrganisation:
    """Connect, map, sync (pulling the sandbox's reservations), push ARI and deliver it."""
    tenant = make_tenant(service, "Schemathesis Hotels")
    key = str(tenant.api.headers["authorization"]).removeprefix("Bearer ")
    connection_id = connect_oauth2(tenant, [HOTEL])
    hotel = map_hotel(tenant, connection_id, HOTEL, new_unit_count=5)
    spare_connection_id = connect_oauth2(tenant, [SPARE_HOTEL])

    run = ok(tenant.api.post(f"/api/v1/connections/{connection_id}/sync"), 202)
    finished = service.tick_until(lambda: _finished(tenant, run["id"]))
    assert finished["status"] == "succeeded", finished
    reservations = ok(tenant.api.get("/api/v1/reservations"))
    assert reservations, "the sync pulled none of the sandbox's reservations"

    room = hotel["room_types"][0]["code"]
    plan = hotel["rate_plans"][0]["code"]
    start = shifted_today() + dt.timedelta(days=30)
    delivered = submit_ari(
        tenant,
        connection_id,
        {
            "hotel_code": HOTEL,
            "room_type_code": room,
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=3)).isoformat(),
            "availability": 2,
        },
    )
    service.tick_until(lambda: pushes_in(tenant, delivered, "delivered"))
    pending = submit_ari(
        tenant,
        connection_id,
        {
            "hotel_code": HOTEL,
            "room_type_code": room,
            "rate_plan_code": plan,
            "start": start.isoformat(),
            "end": start.isoformat(),
            "rate": "99.50",
        },
    )

    property_id = str(hotel["internal_property_id"])
    units = ok(tenant.api.get(f"/api/v1/properties/{property_id}/units"))
    rooms = tuple(str(r["code"]) for r in hotel["room_types"])
    plans = tuple(str(p["code"]) for p in hotel["rate_plans"])
    return PreparedOrganisation(
        tenant=tenant,
        api_key=key,
        ids={
            "connection_id": (connection_id,),
            "property_id": (property_id,),
            "run_id": (str(run["id"]),),
            "push_id": (*delivered, *pending),
            "reservation_id": tuple(str(r["id"]) for r in reservations),
            "unit_id": tuple(str(u["id"]) for u in units),
        },
        codes={
            # properties
            "currency": ("EUR", "GBP", "JPY"),
            "timezone": ("UTC", "Europe/London", "Asia/Tokyo"),
            # ARI changes
            "hotel_code": (HOTEL,),
            "rate": ("120.50", "99", "0.01"),
            "room_type_code": rooms,
            "rate_plan_code": plans,
            # mappings
            "external_property_id": (HOTEL,),
            "external_room_type_id": rooms,
            "external_rate_plan_id": plans,
            "internal_property_id": (property_id,),
            "internal_unit_id": tuple(str(u["id"]) for u in units),
            "internal_rate_plan_id": tuple(
                str(p["mapped_rate_plan_id"]) for p in hotel["rate_plans"]
            ),
        },
        spare_connection_id=spare_connection_id,
    )


def _finished(tenant: Tenant, run_id: str) -> dict[str, Any] | None:
    run: dict[str, Any] = ok(tenant.api.get(f"/api/v1/sync-runs/{run_id}"))
    return run if run["status"] != "running" else None
