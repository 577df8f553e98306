"""R6: schemathesis against our own ``/openapi.json``.

Every documented operation is called with generated data (the schema's examples, its coverage
boundaries, then random valid and invalid input) by a client holding a valid API key, against
the running service over a real database and the Booking.com sandbox. Each response must be:
no server error, a documented status code, a documented content type and a body that matches
the documented schema; invalid input must be refused (4xx), and an operation that declares
authentication must refuse a request without it.

Ids are drawn from the prepared organisation as often as at random (see ``openapi_world``), and
half the valid bodies carry its real codes, so the handlers behind "found" are exercised, not
only "not found"; every JSON API read must have answered 2xx at least once. Both backends run,
SQLite and PostgreSQL.

Nothing is excluded: no check is switched off for any operation.

CI runs a few examples per operation; ``CM_PROOF_FULL=1`` runs many more.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import attrs
import hypothesis
import pytest
import schemathesis
from litestar.testing import TestClient
from schemathesis import Case
from schemathesis.core.parameters import ParameterLocation

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.contract.conftest import temporary_postgres_database
from tests.e2e.harness import PUSH_PASSWORD, PUSH_USERNAME, RunningService
from tests.proof.conftest import FULL, proof_size
from tests.proof.openapi_world import (
    PreparedOrganisation,
    prepare_organisation,
    service_over,
    sqlite_database,
)
from tests.support.clock import shifted_today
from tests.support.containers import app_container

#: Generated cases per operation in the fuzzing phase.
EXAMPLES = proof_size(ci=15, full=300)

#: What every response is held to (DESIGN §7, issue 7 R6).
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.ignored_auth,
]

PUSH_PATH = "/ota/booking/reservations"


@attrs.define
class World:
    """The service, the prepared organisation, and the statuses each operation answered."""

    service: RunningService
    prepared: PreparedOrganisation
    answered: dict[str, set[int]] = attrs.field(factory=lambda: defaultdict(set))

    def unreached(self) -> list[str]:
        """JSON API reads that were fuzzed yet never answered 2xx: their ids never hit a real
        object (or every valid request failed), so only the error paths were exercised.
        """
        return sorted(
            label
            for label, statuses in self.answered.items()
            if label.startswith("GET /api/") and not any(200 <= s < 300 for s in statuses)
        )


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def fuzzed_world(
    request: pytest.FixtureRequest,
    migrated_sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    """The service over SQLite or PostgreSQL beside the sandbox, with the prepared organisation.

    Both backends, because what a database refuses differs (PostgreSQL rejects NUL characters
    in text and integers beyond 64 bits, SQLite takes almost anything). Once every operation
    has been fuzzed, each JSON API read must have answered 2xx at least once.
    """
    with ExitStack() as stack:
        if request.param == "postgresql":
            server = request.getfixturevalue("postgres_server_url")
            database_url = stack.enter_context(temporary_postgres_database(server))
            upgrade(database_url)
        else:
            folder = tmp_path_factory.mktemp("openapi")
            database_url = stack.enter_context(sqlite_database(migrated_sqlite_template, folder))
        sandbox = stack.enter_context(SandboxServer(seed=1))
        service = stack.enter_context(service_over(sandbox, database_url))
        prepared = prepare_organisation(service)
        stack.callback(prepared.tenant.api.close)
        world = World(service, prepared)
        yield world
    assert not world.unreached(), f"never answered 2xx: {world.unreached()}"


@pytest.fixture(scope="module", autouse=True)
def openapi_served_document(fuzzed_world: World) -> None:
    """The running service serves the very document the cases were generated from."""
    served = fuzzed_world.prepared.tenant.api.get(f"{fuzzed_world.service.base_url}/openapi.json")
    assert served.status_code == 200
    assert served.json() == DOCUMENT


def _with_real_ids(case: Case, prepared: PreparedOrganisation) -> None:
    """For about half the cases, put the organisation's real ids in place of generated ones.

    Only where the ids were generated valid: a deliberately malformed id stays malformed. The
    choice is a hash of the generated values, so a case is reproducible. ``DELETE`` only ever
    gets the spare connection, so disconnecting leaves the mapped connection active for every
    other operation.
    """
    for location, container in (
        (ParameterLocation.PATH, "path_parameters"),
        (ParameterLocation.QUERY, "query"),
    ):
        component = case.meta.components.get(location) if case.meta else None
        if component is None or not component.mode.is_positive:
            continue
        values: dict[str, Any] = dict(getattr(case, container) or {})
        names = [name for name in values if name in prepared.ids]
        digest = zlib.crc32(repr(sorted(values.items())).encode())
        if not names or digest % 2:
            continue
        for name in names:
            if case.method.upper() == "DELETE":
                values[name] = prepared.spare_connection_id
            else:
                choices = prepared.ids[name]
                values[name] = choices[(digest // 2) % len(choices)]
        setattr(case, container, values)


def _with_real_codes(case: Case, prepared: PreparedOrganisation) -> None:
    """For about half the valid bodies, put the mapped hotel's codes (and our ids they map to)
    in place of generated ones, and dates near today, so ARI and mapping requests get past
    "unknown room type" into the validation and queueing behind it.
    """
    component = case.meta.components.get(ParameterLocation.BODY) if case.meta else None
    if component is None or not component.mode.is_positive or not isinstance(case.body, dict):
        return
    digest = zlib.crc32(repr(case.body).encode())
    if digest % 2:
        return
    case.body = _substitute(case.body, prepared.codes, digest // 2)


def _substitute(value: Any, codes: Mapping[str, tuple[str, ...]], digest: int) -> Any:
    if isinstance(value, list):
        return [_substitute(item, codes, digest + i) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    out = {key: _substitute(item, codes, digest) for key, item in value.items()}
    for key in out.keys() & codes.keys():
        if out[key] is not None:
            out[key] = codes[key][digest % len(codes[key])]
    if isinstance(out.get("start"), str) and isinstance(out.get("end"), str):
        start = shifted_today() + dt.timedelta(days=digest % 90)
        out["start"] = start.isoformat()
        out["end"] = (start + dt.timedelta(days=(digest // 90) % 14)).isoformat()
    return out


def _generated_document() -> dict[str, Any]:
    """``/openapi.json`` as the application serves it, rendered in-process at collection time
    (schemathesis makes one test per operation, so it needs the document before any fixture).
    """
    with TestClient(build_asgi_app(app_container())) as client:
        document: dict[str, Any] = client.get("/openapi.json").raise_for_status().json()
    return document


DOCUMENT = _generated_document()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))  # it edits what it is given


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=not FULL,  # CI: the same cases every run; full size: new ground each time
    database=None,
)
def test_the_api_keeps_its_openapi_contract(case: Case, fuzzed_world: World) -> None:
    _with_real_ids(case, fuzzed_world.prepared)
    _with_real_codes(case, fuzzed_world.prepared)
    headers = _credentials(case, fuzzed_world.prepared)
    base_url = fuzzed_world.service.base_url
    response = case.call(base_url=base_url, headers=headers, timeout=30)
    # By operation: the coverage phase also sends other methods to a path (405 expected).
    fuzzed_world.answered[case.operation.label].add(response.status_code)
    case.validate_response(
        response,
        checks=CHECKS,
        headers=headers,
        transport_kwargs={"base_url": base_url, "headers": headers, "timeout": 30},
    )


def _credentials(case: Case, prepared: PreparedOrganisation) -> dict[str, str] | None:
    """The push endpoint takes the OTA sender's Basic credentials; everything else our key.

    None when the case deliberately leaves out or garbles the credentials (a negative case on
    the security scheme): then it is sent as generated and must be refused.
    """
    if case.operation.schema.is_security_param_negated(case):
        return None
    if case.path == PUSH_PATH:
        token = base64.b64encode(f"{PUSH_USERNAME}:{PUSH_PASSWORD}".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    return {"Authorization": f"Bearer {prepared.api_key}"}
