"""The OpenAPI pages load nothing from a CDN and carry the pages' security headers
(issue 12 §5).

The attack surface: Litestar's default Swagger UI, ReDoc, Elements and RapiDoc pages at
``/schema/*`` loaded scripts and styles from jsdelivr and unpkg on our origin (a CDN
compromise runs in a signed-in user's session) and had no Content-Security-Policy. Now only
the JSON document is served, with the same headers as every page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from channel_manager.entrypoints.web.rendering import SECURITY_HEADERS
from tests.unit.web.world import build_world, web_app

#: Every page Litestar can render for OpenAPI, and the documents.
OPENAPI_PATHS = [
    "/schema",
    "/schema/swagger",
    "/schema/redoc",
    "/schema/elements",
    "/schema/rapidoc",
    "/schema/scalar",
    "/schema/stoplight",
    "/schema/openapi.json",
    "/schema/openapi.yaml",
    "/schema/openapi.yml",
    "/openapi.json",
]
_EXTERNAL = re.compile(r"(?:https?:)?//(?!testserver)[a-z0-9.-]+\.[a-z]{2,}/", re.IGNORECASE)


@pytest.fixture(scope="module")
def client() -> Any:
    with TestClient(web_app(build_world())) as test_client:
        yield test_client


@pytest.mark.parametrize("path", OPENAPI_PATHS)
def test_no_openapi_page_loads_anything_from_elsewhere(client: TestClient[Any], path: str) -> None:
    answer = client.get(path)
    assert answer.status_code in (200, 404), answer.text
    if answer.status_code == 200:
        assert answer.headers["content-type"].startswith(
            ("application/json", "application/vnd.oai")
        )
        answer.json()
    else:
        assert "<script" not in answer.text.lower()
        assert _EXTERNAL.findall(answer.text) == []


@pytest.mark.parametrize("path", OPENAPI_PATHS)
def test_openapi_answers_carry_the_pages_security_headers(
    client: TestClient[Any], path: str
) -> None:
    answer = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, (path, name)


def test_the_schema_root_is_the_same_document_as_openapi_json(client: TestClient[Any]) -> None:
    assert client.get("/schema").json() == client.get("/openapi.json").json()
    assert client.get("/schema/openapi.json").json() == client.get("/openapi.json").json()
