"""R5: one OAuth token refresh per connection, however many processes share the database.

The README allows several workers on PostgreSQL, and ``serve`` beside a separate ``worker``.
Refresh tokens rotate: a second refresh with the token the first one used is a reuse, which the
authorisation server (the sandbox, like OAuth 2.0 reuse detection) answers by revoking the
whole grant, leaving the connection broken until someone connects it again. So a refresh must
be single-flight per connection across processes, and whoever waited must adopt the token set
the refresher saved.

Two proofs:

- two complete service stacks (each its own container, database engine, HTTP client, event
  loop and worker id: a process in all but the PID) on one SQLite file and on one PostgreSQL
  database find the same stored access token expired at the same moment; the sandbox's
  refresh is slowed so the two overlap. Exactly one refresh reaches the sandbox, both answer,
  and the connection stays active.
- two real ``channel-manager serve`` processes on one PostgreSQL database drive one ``oauth2``
  connection whose access tokens are always due (100 s, under our 2-minute margin), so both
  refresh over and over: nothing fails, nothing is revoked, every change is delivered.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.booking.oauth2_tokens import OAuth2TokenSet
from tests.e2e.flows import Tenant, connect_and_map, make_tenant, ok
from tests.e2e.harness import RunningService, free_socket, running_service, service_environ
from tests.support.clock import shifted_now

from .access_secrets_support import ServeProcess
from .conftest import proof_size
from .test_secrets import (
    OAUTH_HOTEL,
    POSTGRES,
    Secrets,
    Traffic,
    assert_settled,
    attach,
    environ_for,
    migrated_database,
    new_tenant,
    sandbox_config,
    trouble_in,
)

#: How long the sandbox takes to answer a refresh: long enough that the other stack's request
#: certainly comes while the first refresh is in flight.
SLOW_REFRESH = 0.3
#: Seconds both serve processes drive the connection.
TRAFFIC_SECONDS = proof_size(3, 10)


class RefreshCounter:
    """Wraps the sandbox's refresh grant: counts answered and refused refreshes, slowly."""

    def __init__(self, sandbox: SandboxServer, delay: float) -> None:
        self._oauth = sandbox.state.oauth
        self._refresh = self._oauth.refresh
        self._delay = delay
        self._lock = threading.Lock()
        self.answered = 0
        self.refused: list[str] = []

    def __call__(self, client_id: str, refresh_token: str) -> dict[str, object]:
        time.sleep(self._delay)
        try:
            answer: dict[str, object] = self._refresh(client_id, refresh_token)
        except Exception as error:
            with self._lock:
                self.refused.append(str(error))
            raise
        with self._lock:
            self.answered += 1
        return answer


@pytest.fixture(params=["sqlite", POSTGRES])
def shared_database_url(
    request: pytest.FixtureRequest,
    migrated_sqlite_template: Path,
    tmp_path: Path,
    postgres_server_url: str,
) -> Iterator[str]:
    """One database for every stack of the test: a SQLite file, or PostgreSQL."""
    yield from migrated_database(
        request.param, migrated_sqlite_template, tmp_path, postgres_server_url
    )


@pytest.fixture
def postgres_database_url(
    migrated_sqlite_template: Path, tmp_path: Path, postgres_server_url: str
) -> Iterator[str]:
    """A temporary, migrated PostgreSQL database (dropped afterwards)."""
    yield from migrated_database(
        "postgres", migrated_sqlite_template, tmp_path, postgres_server_url
    )


def _stack(environ: dict[str, str], worker_id: str) -> Any:
    """A complete service on its own port, sharing ``environ`` (database and vault keys)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    return running_service(
        {**environ, "CM_PUBLIC_URL": f"http://127.0.0.1:{port}"}, sock, worker_id=worker_id
    )


def _client(tenant: Tenant, service: RunningService) -> httpx.Client:
    """The tenant's API key, talking to ``service``."""
    return httpx.Client(
        base_url=service.base_url,
        headers={"Authorization": str(tenant.api.headers["authorization"])},
        timeout=30,
    )


def _expire_stored_tokens(service: RunningService, connection_id: str) -> None:
    """Make the sealed access token of the connection due, as an hour's wait would."""
    with service.container.uow_factory()() as uow:
        ref = uow.connections.get(UUID(connection_id)).credential_ref
    assert ref is not None
    store = service.container.credentials()
    tokens = OAuth2TokenSet.from_secret_text(store.load(ref).decode("utf-8"))
    expired = OAuth2TokenSet(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=shifted_now() - timedelta(minutes=1),
        token_type=tokens.token_type,
        scope=tokens.scope,
    )
    store.save(ref, expired.to_secret_text().encode("utf-8"))


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run ``calls`` in threads released together."""
    start = threading.Barrier(len(calls))

    def released(call: Callable[[], httpx.Response]) -> httpx.Response:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(released, calls))


def test_two_stacks_on_one_database_refresh_an_expired_token_once(
    sandbox: SandboxServer, shared_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = service_environ(sandbox.base_url, "", shared_database_url)
    with _stack(environ, "setup") as setup:
        tenant = make_tenant(setup, "One Refresh Hotels")
        connection = connect_and_map(tenant, OAUTH_HOTEL)
        _expire_stored_tokens(setup, connection)
        tenant.api.close()

    counter = RefreshCounter(sandbox, SLOW_REFRESH)
    monkeypatch.setattr(sandbox.state.oauth, "refresh", counter)
    # Both stacks load the stored (expired) token set on first use, at the same moment.
    with _stack(environ, "worker-a") as first, _stack(environ, "worker-b") as second:
        clients = [_client(tenant, first), _client(tenant, second)]
        path = f"/api/v1/connections/{connection}/properties"
        answers = _at_once([functools.partial(client.get, path) for client in clients])
        statuses = [ok(c.get(f"/api/v1/connections/{connection}"))["status"] for c in clients]
        for client in clients:
            client.close()

    assert [answer.status_code for answer in answers] == [200, 200], [a.text for a in answers]
    for answer in answers:
        assert OAUTH_HOTEL in {hotel["hotel_code"] for hotel in answer.json()}
    assert (counter.answered, counter.refused) == (1, [])
    assert statuses == ["active", "active"]


@pytest.mark.postgres
def test_two_serve_processes_share_rotating_tokens_without_breaking_the_grant(
    postgres_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = Secrets()
    url = postgres_database_url
    with SandboxServer(seed=1, config=sandbox_config(known, access_ttl=100)) as sandbox:
        counter = RefreshCounter(sandbox, 0)
        monkeypatch.setattr(sandbox.state.oauth, "refresh", counter)
        environ = {**environ_for(sandbox, url, known), "CM_LOG_LEVEL": "INFO"}
        with ServeProcess(environ, tmp_path / "a.log") as first:
            tenant = new_tenant(environ, first, "Two Processes", known)
            connection = connect_and_map(tenant, OAUTH_HOTEL)
            with ServeProcess(environ, tmp_path / "b.log") as second:
                other = attach(tenant, second)
                # ARI through each process's API (mapping lookups use the tokens too), while
                # both workers poll and push.
                with (
                    Traffic(sandbox, tenant, {OAUTH_HOTEL: connection}) as through_first,
                    Traffic(sandbox, other, {OAUTH_HOTEL: connection}) as through_second,
                ):
                    time.sleep(TRAFFIC_SECONDS)
                assert (through_first.errors, through_second.errors) == ([], [])
                assert_settled(tenant, through_first)
                assert_settled(other, through_second)
                statuses = [c["status"] for c in ok(tenant.api.get("/api/v1/connections"))]
                other.api.close()
            tenant.api.close()
        outputs = [first.output(), second.output()]

    assert counter.refused == []
    assert counter.answered >= 2  # the always-due tokens really were refreshed, repeatedly
    assert statuses == ["active"]
    assert [trouble_in(output) for output in outputs] == [[], []]
