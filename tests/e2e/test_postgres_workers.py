"""The flow on PostgreSQL with two worker processes' worth of workers sharing one outbound queue:
every ARI change delivered, at most once, and in order for the hotel (a change merged into a
push not sent yet replaces the older value there: issue 18).

PostgreSQL is required: when ``CM_TEST_POSTGRES_URL`` cannot be reached this test fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator, Mapping

import pytest
from lxml import etree

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.container import build_container
from channel_manager.entrypoints.worker import build_worker
from channel_manager.settings import Settings
from tests.contract.conftest import temporary_postgres_database
from tests.support.clock import shifted_today
from tests.support.waiting import wait_until

from .flows import Tenant, connect_and_map, make_tenant, pushes_in, sandbox_requests, submit_ari
from .harness import free_socket, running_service, service_environ

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

HOTEL = "1000002"
ROOM = "100000203"  # not booked by the seeded reservations, so no derived pushes touch it
CHANGES = 24
UNITS = 9  # rooms of the unit mapped to ROOM: what the opening calendar sends
OTA = "http://www.opentravel.org/OTA/2003/05"


class WorkerThread:
    """One worker with its own container and event loop, like a separate worker process."""

    def __init__(self, environ: Mapping[str, str], worker_id: str) -> None:
        self.container = build_container(Settings.from_env(environ))
        self.worker = build_worker(self.container, worker_id)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=worker_id, daemon=True)

    def _run(self) -> None:
        self._loop.run_until_complete(self.worker.run())
        self._loop.run_until_complete(self.container.booking().aclose())

    def start(self) -> None:
        """Start looping."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to finish its pass, release claims and end."""
        self._loop.call_soon_threadsafe(self.worker.stopping.set)
        self._thread.join(timeout=20)
        self._loop.close()
        self.container.engine().dispose()


def booking_limits(body: str, room: str) -> list[tuple[str, int]]:
    """(night, BookingLimit) of every night each AvailStatusMessage for ``room`` in an
    AvailNotif body covers."""
    root = etree.fromstring(body.encode())
    found: list[tuple[str, int]] = []
    for message in root.iter(f"{{{OTA}}}AvailStatusMessage"):
        control = message.find(f"{{{OTA}}}StatusApplicationControl")
        if control is not None and control.get("InvTypeCode") == room:
            start = dt.date.fromisoformat(str(control.get("Start")))
            end = dt.date.fromisoformat(str(control.get("End")))
            limit = int(message.get("BookingLimit", "-1"))
            found.extend(
                ((start + dt.timedelta(days=n)).isoformat(), limit)
                for n in range((end - start).days + 1)
            )
    return found


def is_subsequence(values: list[int], of: list[int]) -> bool:
    """True when ``values`` appear in ``of`` in the same order (not necessarily adjacent)."""
    remaining = iter(of)
    return all(value in remaining for value in values)


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A migrated database with a random name, dropped afterwards."""
    with temporary_postgres_database(postgres_server_url) as url:
        upgrade(url)
        yield url


def test_two_workers_on_postgres_deliver_every_change_once_and_in_order(
    sandbox: SandboxServer, postgres_url: str
) -> None:
    sock = free_socket()
    environ = service_environ(
        sandbox.base_url, f"http://127.0.0.1:{sock.getsockname()[1]}", postgres_url
    )
    with running_service(environ, sock) as service:
        tenant: Tenant = make_tenant(service, "Twin Workers Ltd")
        connection_id = connect_and_map(tenant, HOTEL, UNITS)
        workers = [WorkerThread(environ, f"e2e-pg-worker-{n}") for n in (1, 2)]
        for worker in workers:
            worker.start()
        try:
            base = shifted_today() + dt.timedelta(days=30)
            written: list[tuple[str, int]] = []
            push_ids: list[str] = []
            for index in range(CHANGES):
                day, limit = (base + dt.timedelta(days=index % 3)).isoformat(), index + 1
                written.append((day, limit))
                push_ids += submit_ari(
                    tenant,
                    connection_id,
                    {
                        "hotel_code": HOTEL,
                        "room_type_code": ROOM,
                        "start": day,
                        "end": day,
                        "availability": limit,
                    },
                )
            assert len(push_ids) == CHANGES
            done = wait_until(
                lambda: pushes_in(tenant, push_ids, "delivered", "failed"), timeout=40
            )
        finally:
            for worker in workers:
                worker.stop()
        tenant.api.close()

    assert [p["state"] for p in done] == ["delivered"] * CHANGES
    assert all(p["attempts"] == 1 for p in done)
    sent = [
        limit
        for request in sandbox_requests(sandbox.base_url, "/hotels/ota/OTA_HotelAvailNotif")
        for limit in booking_limits(request["body"], ROOM)
    ]
    # Mapping queued the room's whole calendar first (from today)...
    assert min(night for night, _limit in sent) == shifted_today().isoformat()
    # ...then, per night, the values in the order they were written (per-hotel order holds),
    # each once at most: one merged into a push not sent yet replaced the older value there.
    for day in {day for day, _limit in written}:
        received = [limit for night, limit in sent if night == day]
        assert is_subsequence(received, [UNITS] + [lim for d, lim in written if d == day]), day
    last = dict(written)
    with sandbox.state.lock:
        final = {day: sandbox.state.availability[ROOM, dt.date.fromisoformat(day)] for day in last}
    assert final == last
