"""A value PostgreSQL cannot hold is the caller's error (422), not ours (500). Found by R6.

Before: a NUL character in any text (a property or unit name, a time zone, the wizard's
``hotel_id``, the OAuth callback's ``state``) reached psycopg, which refuses it with a
``DataError``, and every one of those requests answered 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.container import build_container
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.contract.conftest import temporary_postgres_database
from tests.support.containers import make_settings

pytestmark = pytest.mark.postgres

Client = tuple[TestClient[Any], dict[str, str]]


@pytest.fixture(scope="module")
def client(postgres_server_url: str) -> Iterator[Client]:
    """The API over a PostgreSQL database of its own."""
    with temporary_postgres_database(postgres_server_url) as url:
        upgrade(url)
        container = build_container(make_settings({"CM_DATABASE_URL": url}))
        organization = container.inventory().ensure_organization("Canal Hotels")
        key = container.api_keys().issue(organization.id, "tests").plaintext
        with TestClient(build_asgi_app(container)) as test_client:
            yield test_client, {"Authorization": f"Bearer {key}"}
        container.engine().dispose()


def _refused(response: Any, *, says: str = "NUL") -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_value"
    assert says in error["message"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"name": "Canal\x00House", "currency": "EUR"}, "NUL"),
        # No time zone has a NUL in its name: refused as an unknown zone before storing.
        (
            {"name": "Canal House", "currency": "EUR", "timezone": "Europe/Amsterdam\x00"},
            "not an IANA time zone",
        ),
    ],
)
def test_nul_in_a_new_property_is_a_422_and_nothing_is_stored(
    client: Client, body: Any, says: str
) -> None:
    api, auth = client
    before = api.get("/api/v1/properties", headers=auth).json()

    _refused(api.post("/api/v1/properties", json=body, headers=auth), says=says)

    assert api.get("/api/v1/properties", headers=auth).json() == before


def test_nul_in_a_unit_name_is_a_422(client: Client) -> None:
    api, auth = client
    prop = api.post(
        "/api/v1/properties", json={"name": "Canal House", "currency": "EUR"}, headers=auth
    ).json()["id"]

    _refused(
        api.post(f"/api/v1/properties/{prop}/units", json={"name": "Dou\x00ble"}, headers=auth)
    )
    assert api.get(f"/api/v1/properties/{prop}/units", headers=auth).json() == []


def test_nul_in_the_wizard_and_its_callback_is_a_422(client: Client) -> None:
    api, auth = client
    started = api.get(
        "/connect/booking", params={"hotel_id": "1000002\x00"}, headers=auth, follow_redirects=False
    )
    _refused(started)
    # A lookup, not a write: the state is searched for before anything is stored.
    _refused(
        api.get(
            "/oauth/booking/callback",
            params={"state": "abc\x00", "code": "x"},
            headers={"Accept": "application/json"},
        )
    )
