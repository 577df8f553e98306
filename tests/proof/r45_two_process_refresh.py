"""Reproduction (not a test, so not collected): two ``channel-manager serve`` processes on one
PostgreSQL database, as the README allows ("as many workers as you like"), refreshing the same
``oauth2`` connection's tokens at the same time.

Each process serialises refreshes only within itself (one token set per connection per
process). When both find the access token due, both refresh with the same refresh token; the
authorisation server has already rotated it for the first, so the second is a reuse, which the
sandbox (like OAuth 2.0 refresh-token reuse detection) answers by revoking the whole grant: the
connection is broken until someone connects it again. Access tokens that live 100 s (under our
2-minute refresh margin) make every call a refresh, so it shows within a second; with hourly
tokens it happens whenever two processes touch one connection in the same refresh window.

Run: ``PYTHONPATH=. .venv/bin/python -m tests.proof.r45_two_process_refresh``. Prints the
failures each process logged; a fix (one refresh per connection across processes, e.g. a row
or advisory lock around load-refresh-save) makes both lists empty.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import upgrade
from tests.conftest import DEFAULT_POSTGRES_URL
from tests.contract.conftest import temporary_postgres_database
from tests.e2e.flows import connect_and_map

from .r45_support import ServeProcess
from .test_r5_secrets import (
    OAUTH_HOTEL,
    Secrets,
    Traffic,
    attach,
    environ_for,
    new_tenant,
    sandbox_config,
    trouble_in,
)


def main() -> None:
    """Connect and map once, then drive the connection through both processes for 5 s."""
    known = Secrets()
    logs = Path(tempfile.mkdtemp(prefix="r45-refresh-"))
    with (
        temporary_postgres_database(DEFAULT_POSTGRES_URL) as url,
        SandboxServer(seed=1, config=sandbox_config(known, access_ttl=100)) as sandbox,
    ):
        upgrade(url)
        environ = {**environ_for(sandbox, url, known), "CM_LOG_LEVEL": "INFO"}
        with ServeProcess(environ, logs / "a.log") as first:
            tenant = new_tenant(environ, first, "Two Processes", known)
            connection = connect_and_map(tenant, OAUTH_HOTEL)
            second = ServeProcess(environ, logs / "b.log")
            # ARI through each process's API (mapping lookups use the tokens too), while both
            # workers poll and push.
            with (
                second,
                Traffic(sandbox, tenant, {OAUTH_HOTEL: connection}),
                Traffic(sandbox, attach(tenant, second), {OAUTH_HOTEL: connection}),
            ):
                time.sleep(5)
            statuses = [c["status"] for c in tenant.api.get("/api/v1/connections").json()]
    for name in ("a", "b"):
        trouble = trouble_in((logs / f"{name}.log").read_text())
        print(f"process {name}: {len(trouble)} failure line(s)")
        for line in trouble[:3]:
            print("   ", line[:200])
    print("connection status:", statuses, "logs in", logs)


if __name__ == "__main__":
    main()
