"""R1: reservation delivery survives duplicates, reordering, database failures and a kill -9.

Two scenarios over real HTTP, both judged against the sandbox (what Booking.com sent), never
against what the product says it did:

- *Push and poll under database failures* (SQLite): every revision of a few hundred (full size:
  thousands of) reservations is posted to the push endpoint by a sender that repeats 30% of its
  deliveries and shuffles them, with four deliveries in flight, while the worker polls the same
  reservations from the sandbox's queues. 5% of the commits of the import path fail, half before
  and half after the real commit. The sender resends what was not answered with ``Success``;
  nothing may be lost, stored twice or left at an older revision.
- *kill -9 mid-import* (PostgreSQL): the worker runs as a real process, polling the sandbox's
  queues; it is killed with SIGKILL while storing, a new one takes over, and more changes arrive
  meanwhile. Every acknowledgement the sandbox received must name reservations we had already
  committed at that revision, and everything must end up stored exactly once, at its newest
  revision, and acknowledged.

``CM_PROOF_FULL=1`` runs the size the issue names (10,000 push deliveries).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

import pytest
import sqlalchemy as sa
from dependency_injector import providers

from booking_sandbox.config import SandboxConfig
from booking_sandbox.model import RecordedRequest
from booking_sandbox.server import SandboxServer
from booking_sandbox.state import SandboxState
from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.adapters.sqlalchemy.tables.channel import connections as connection_rows
from channel_manager.adapters.sqlalchemy.tables.reservations import reservations as reservation_rows
from channel_manager.application.sync import IMPORT_BATCH
from channel_manager.container import Container
from tests.contract.conftest import temporary_postgres_database
from tests.e2e.flows import Tenant, connect_oauth2, map_hotel
from tests.e2e.harness import (
    PUSH_PASSWORD,
    PUSH_USERNAME,
    RunningService,
    free_socket,
    running_service,
    service_environ,
)
from tests.e2e.inventory import ACK_PATHS
from tests.support.clock import shifted_now
from tests.support.waiting import ConditionTimeoutError, describe, wait_until

from .conftest import FULL, proof_size, proof_timeout
from .database_faults import Fault, FaultPlan, FlakyUnitOfWorkFactory
from .delivery_checks import (
    all_reservations,
    assert_newest_revisions,
    inbox_rows,
    newest_queue_kinds,
    not_yet_committed,
    not_yet_stored,
    pending_messages,
    stored_rows,
)
from .delivery_histories import PushSender, book, change, deliveries, make_history

HOTELS = ("1000001", "1000002")  # the sandbox's two connected hotels (EUR and GBP)
PUSH_PATH = "/ota/booking/reservations"
#: Push deliveries, duplicates included (30% of them).
DELIVERIES = proof_size(600, 10_000)
DUPLICATE_SHARE = 0.30
FAILURE_RATE = 0.05
#: Bookings the killed worker is importing when it dies: several of the poll's import
#: transactions, so that the kill lands after one commit and before the last.
KILL_BOOKINGS = proof_size(3 * IMPORT_BATCH, 10 * IMPORT_BATCH)
SEED = 20261124
#: How long the queues may take to drain once everything is sent.
DRAIN = proof_size(120, 900)
#: pytest-timeout's limit per test: the project's 300 s, more at full size on a busy machine.
TIMEOUT = proof_timeout(DRAIN)
_RES_ID = re.compile(r'ResID_Value="([^"]+)"')


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The sandbox with a year of inventory at full size (thousands of bookings fit)."""
    config = SandboxConfig(ari_days=365 if FULL else 120)
    with SandboxServer(seed=1, config=config) as running:
        yield running


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, migrated_sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """A migrated SQLite file, or (``indirect`` param ``"postgresql"``) a PostgreSQL database
    of its own, dropped afterwards; without a reachable server the test fails.
    """
    if getattr(request, "param", "sqlite") == "postgresql":
        server = request.getfixturevalue("postgres_server_url")
        with temporary_postgres_database(server) as url:
            upgrade(url)
            yield url
        return
    path = tmp_path / "channel-manager.db"
    shutil.copyfile(migrated_sqlite_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def fault_plan() -> FaultPlan:
    """5% of the import path's commits fail once armed (seeded)."""
    return FaultPlan(rate=FAILURE_RATE, seed=SEED)


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """The service's socket, bound first so its URL is known to the settings."""
    sock = free_socket()
    yield sock
    sock.close()


@pytest.fixture
def environ(
    sandbox: SandboxServer,
    database_url: str,
    service_settings_extra: Mapping[str, str],
    listening: socket.socket,
) -> dict[str, str]:
    """The service's ``CM_*`` settings (a worker process gets the same)."""
    public_url = f"http://127.0.0.1:{listening.getsockname()[1]}"
    return service_environ(sandbox.base_url, public_url, database_url, service_settings_extra)


@pytest.fixture
def service(
    environ: dict[str, str], listening: socket.socket, fault_plan: FaultPlan
) -> Iterator[RunningService]:
    """Our service with the fault-injecting unit of work in place of the real one."""

    def flaky(container: Container) -> None:
        real = container.uow_factory()
        container.uow_factory.override(providers.Object(FlakyUnitOfWorkFactory(real, fault_plan)))

    with running_service(environ, listening, configure=flaky) as running:
        yield running


def connect_hotels(tenant: Tenant) -> str:
    """One connection to both hotels, every room and rate plan mapped; its id."""
    connection_id = connect_oauth2(tenant, HOTELS)
    for hotel in HOTELS:
        map_hotel(tenant, connection_id, hotel)
    return connection_id


class Ticker:
    """Drives the in-process worker every ``pause`` seconds from a thread, as ``run`` would."""

    def __init__(self, service: RunningService, pause: float = 0.05) -> None:
        self._service = service
        self._pause = pause
        self._stop = threading.Event()
        self.errors: list[BaseException] = []
        self.polls = 0
        self._thread = threading.Thread(target=self._run, name="r1-ticker", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.polls += self._service.tick().polls
            except Exception as error:  # a tick must never fail; the test reports it
                self.errors.append(error)
            self._stop.wait(self._pause)

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


@pytest.mark.timeout(TIMEOUT)
def test_pushed_and_polled_deliveries_survive_duplicates_reordering_and_database_failures(
    service: RunningService, tenant: Tenant, sandbox: SandboxServer, fault_plan: FaultPlan
) -> None:
    connect_hotels(tenant)
    rng = random.Random(SEED)
    # About 2.25 messages per booking (ROUNDS), and 70% of the deliveries are first copies.
    history = make_history(sandbox.state, HOTELS, round(DELIVERIES * 0.7 / 2.25), rng)
    sent = deliveries(history.revisions, DUPLICATE_SHARE, rng)
    # Whatever the endpoint answers Success for must be stored by then: in the push inbox, or
    # applied at that revision (issue 17).
    engine = service.container.engine()
    premature: list[tuple[str, str]] = []
    sender = PushSender(
        f"{service.base_url}{PUSH_PATH}",
        (PUSH_USERNAME, PUSH_PASSWORD),
        on_success=lambda revision: premature.extend(
            not_yet_stored(engine, {revision.reservation_id: revision.stamp})
        ),
    )

    fault_plan.arm()
    with Ticker(service) as ticker:
        report = sender.send(sent)
        # The polled copies may still be waiting: the queues must drain despite the failures.
        wait_until(lambda: not pending_messages(sandbox.state, HOTELS), timeout=DRAIN, interval=0.2)
        # And the pushed messages stored in the inbox are applied (a cancellation that
        # overtook its booking after its backoff).
        wait_until(lambda: inbox_rows(engine) == 0, timeout=DRAIN, interval=0.2)
    fault_plan.disarm()

    assert not report.rejected, [(r.kind, r.reservation_id, s, t) for r, s, t in report.rejected]
    assert not report.gave_up, [(r.kind, r.reservation_id) for r in report.gave_up]
    assert report.delivered == len(sent)
    assert not premature, premature[:20]
    assert not ticker.errors, ticker.errors
    # The faults happened, of both kinds, and the sender saw some of them as failed pushes.
    assert fault_plan.failed.get(Fault.BEFORE_COMMIT, 0) > 0
    assert fault_plan.failed.get(Fault.AFTER_COMMIT, 0) > 0
    assert report.attempts["retry"] > 0
    assert ticker.polls > 0

    # The sandbox's own seeded bookings came through the queues only; every other reservation
    # ends at the kind of its last revision, which the sender pushed even where the queue had
    # turned a change made before the booking's acknowledgement into a new booking.
    expected = newest_queue_kinds(sandbox.state, HOTELS)
    expected.update({rid: revision.kind for rid, revision in history.newest.items()})
    assert_newest_revisions(all_reservations(tenant), sandbox.state, expected)
    rows = stored_rows(engine)
    assert set(rows) == set(expected)
    assert set(rows.values()) == {1}
    failed = {fault.value: count for fault, count in fault_plan.failed.items()}
    print(
        f"\nR1 push+poll: {len(sent)} push deliveries ({len(sent) - len(history.revisions)} "
        f"duplicates) of {len(history.revisions)} revisions of {len(history.newest)} "
        f"reservations; attempts {dict(report.attempts)}; {fault_plan.commits} import commits, "
        f"failed {failed}; "
        f"{ticker.polls} polls; {len(expected)} reservations stored once, at their newest"
    )


class AckWitness:
    """At each acknowledgement the sandbox receives, notes every acknowledged reservation whose
    served revision our database did not hold yet (committed, at that revision or later).
    """

    def __init__(self, state: SandboxState, engine: sa.Engine) -> None:
        self.acknowledged = 0
        self.premature: list[tuple[str, str]] = []
        self.errors: list[Exception] = []
        self._state = state
        self._engine = engine
        original = state.record

        def record(request: RecordedRequest) -> None:
            original(request)
            if request.method == "POST" and request.path in ACK_PATHS:
                try:
                    self._check(_RES_ID.findall(request.body))
                except Exception as error:  # reported by the test, never to the worker
                    self.errors.append(error)

        state.record = record  # type: ignore[method-assign]

    def _check(self, reservation_ids: list[str]) -> None:
        with self._state.lock:
            served = {
                m.reservation_id: m.snapshot.modified_at or m.snapshot.booked_at
                for m in self._state.queue.messages
                if m.pending and m.delivered and m.reservation_id in reservation_ids
            }
        # A reservation acknowledged before and not served since is a harmless repeat.
        self.acknowledged += len(reservation_ids)
        self.premature.extend(not_yet_committed(self._engine, served))


class WorkerProcess:
    """``channel-manager worker`` as a child process, its log in a file."""

    def __init__(self, environ: Mapping[str, str], log: Path) -> None:
        self.log = log
        self._log_file: IO[str] = log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "channel_manager.entrypoints.cli", "worker"],
            env={**os.environ, **environ, "CM_LOG_LEVEL": "INFO"},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        """Still running."""
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup, no release, open transactions die with the connection."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)
        self._log_file.close()

    def stop(self) -> int:
        """SIGTERM and wait; the exit code."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.alive():
                self.process.kill()
            self._log_file.close()


def count_rows(engine: sa.Engine) -> int:
    """Reservations committed in the database."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).select_from(reservation_rows)
            ).scalar_one()
        )


def expire_claim_leases(engine: sa.Engine) -> None:
    """Make every connection's poll due now: the dead worker's two-minute claim lease on it
    runs out (the test does not wait two minutes for what the lease is designed to do).
    """
    with engine.begin() as connection:
        connection.execute(connection_rows.update().values(next_poll_at=shifted_now()))


def wait_watching(
    condition: Callable[[], bool],
    worker: WorkerProcess,
    witness: AckWitness,
    timeout: float,
    pause: float = 0.01,
) -> None:
    """Poll ``condition`` until true; fail at once if the worker died or acknowledged anything
    we had not committed (the log tells why), else when ``timeout`` runs out.
    """

    def watched() -> bool:
        if condition():
            return True
        assert not witness.errors, witness.errors
        assert not witness.premature, f"acknowledged before commit: {witness.premature[:20]}"
        assert worker.alive(), worker.log.read_text()[-5000:]
        return False

    try:
        wait_until(watched, timeout=timeout, interval=pause, what=describe(condition))
    except ConditionTimeoutError as timed_out:
        log = worker.log.read_text()[-5000:]
        raise ConditionTimeoutError(f"{timed_out}; worker log:\n{log}") from None


@pytest.mark.postgres
@pytest.mark.timeout(TIMEOUT)
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_killed_mid_import_loses_nothing_and_acknowledges_only_what_was_committed(
    service: RunningService,
    tenant: Tenant,
    sandbox: SandboxServer,
    environ: dict[str, str],
    tmp_path: Path,
) -> None:
    connect_hotels(tenant)  # the in-process service is never ticked: only the processes work
    engine = service.container.engine()
    witness = AckWitness(sandbox.state, engine)
    rng = random.Random(SEED)
    seeded = len(pending_messages(sandbox.state, HOTELS))
    booked = [r.reservation_id for r in book(sandbox.state, HOTELS, KILL_BOOKINGS)]
    first_import = seeded + len(booked)

    doomed = WorkerProcess(environ, tmp_path / "worker-1.log")
    try:
        wait_watching(lambda: count_rows(engine) > 0, doomed, witness, timeout=60)
        doomed.kill()
    finally:
        if doomed.alive():
            doomed.kill()
    stored_at_kill = count_rows(engine)
    assert 0 < stored_at_kill < first_import, "the kill did not land mid-import"

    expire_claim_leases(engine)
    successor = WorkerProcess(environ, tmp_path / "worker-2.log")
    try:
        # Changes keep arriving while the new worker catches up.
        change(sandbox.state, booked, 0.4, 0.1, rng)
        change(sandbox.state, booked, 0.2, 0.1, rng)
        expected = newest_queue_kinds(sandbox.state, HOTELS)
        wait_watching(
            lambda: (
                not pending_messages(sandbox.state, HOTELS) and count_rows(engine) == len(expected)
            ),
            successor,
            witness,
            timeout=DRAIN,
            pause=0.1,
        )
    finally:
        code = successor.stop()
    assert code == 0, successor.log.read_text()

    assert not witness.errors, witness.errors
    assert not witness.premature, witness.premature[:20]
    assert witness.acknowledged >= len(expected)
    assert_newest_revisions(all_reservations(tenant), sandbox.state, expected)
    assert set(stored_rows(engine).values()) == {1}
    print(
        f"\nR1 kill -9: {stored_at_kill} of {first_import} stored when the worker was killed; "
        f"{len(expected)} reservations stored once at their newest revision, "
        f"{witness.acknowledged} acknowledgements, none before its commit"
    )
