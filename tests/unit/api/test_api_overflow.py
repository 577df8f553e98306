"""Numbers too large for the database are refused with a 4xx, not a 500 (found by R6).

Before: ``offset`` had no upper bound, so ``?offset=139666815588392337408`` reached SQLite and
overflowed its 64-bit integers (500); a unit ``count`` of 73767577941565825024 did the same on
insert (and anything above 2**31 - 1 overflows PostgreSQL's INTEGER column).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.containers import app_container


@pytest.fixture
def client() -> Iterator[tuple[TestClient[Any], dict[str, str]]]:
    """The API over a private SQLite file."""
    container = app_container()
    organization = container.inventory().ensure_organization("Canal Hotels")
    key = container.api_keys().issue(organization.id, "tests").plaintext
    with TestClient(build_asgi_app(container)) as test_client:
        yield test_client, {"Authorization": f"Bearer {key}"}


def test_an_offset_beyond_the_databases_integers_is_a_400(
    client: tuple[TestClient[Any], dict[str, str]],
) -> None:
    api, auth = client
    page = api.get("/api/v1/reservations", params={"offset": str(2**67)}, headers=auth)
    assert page.status_code == 400, page.text
    assert page.json()["error"]["type"] == "validation_error"
    last = api.get("/api/v1/reservations", params={"offset": str(2**31 - 1)}, headers=auth)
    assert last.json() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("count", 73767577941565825024), ("count", 2**31), ("max_occupancy", 2**40)],
)
def test_a_unit_figure_beyond_any_real_room_is_a_422(
    client: tuple[TestClient[Any], dict[str, str]], field: str, value: int
) -> None:
    api, auth = client
    prop = api.post(
        "/api/v1/properties", json={"name": "Canal House", "currency": "EUR"}, headers=auth
    ).json()["id"]

    refused = api.post(
        f"/api/v1/properties/{prop}/units", json={"name": "Double", field: value}, headers=auth
    )

    assert refused.status_code == 422, refused.text
    assert field in refused.json()["error"]["message"]
    assert api.get(f"/api/v1/properties/{prop}/units", headers=auth).json() == []
