"""The OpenAPI document tells the truth about what the API answers (found by R6, schemathesis).

Before: error statuses (401, 404, 409, 413, 422, 502, 503) were undocumented, 400 was documented
in Litestar's default shape instead of ours, no security scheme was declared, the wizard's
first hop was documented as 200 (it answers 302), and the push endpoint as JSON without
credentials (it takes OTA XML behind HTTP Basic).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.containers import app_container


@pytest.fixture(scope="module")
def document() -> Iterator[dict[str, Any]]:
    with TestClient(build_asgi_app(app_container())) as client:
        yield client.get("/openapi.json").json()


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][path][method]
    return operation


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def test_every_api_operation_needs_the_api_key_and_documents_401(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "type": "http", "scheme": "bearer"}
    for path, item in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            assert operation["security"] == [{"ApiKey": []}], (method, path)
            assert "401" in operation["responses"], (method, path)


def test_errors_are_documented_in_the_shape_they_are_answered_in(
    document: dict[str, Any],
) -> None:
    operation = _operation(document, "post", "/api/v1/connections/{connection_id}/ari")
    assert {"400", "401", "404", "409", "413", "422"} <= set(operation["responses"])
    for status in ("400", "404", "422"):
        content = operation["responses"][status]["content"]["application/json"]
        body = _resolve(document, content["schema"])
        assert body["required"] == ["error"], status
        detail = _resolve(document, body["properties"]["error"])
        assert set(detail["properties"]) == {"status", "type", "message"}


def test_operations_on_one_object_document_404(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        if "{" in path:
            for method, operation in item.items():
                assert "404" in operation["responses"], (method, path)


def test_the_wizard_and_the_push_endpoint_are_documented_as_they_answer(
    document: dict[str, Any],
) -> None:
    connect = _operation(document, "get", "/connect/booking")
    assert "302" in connect["responses"]
    assert "200" not in connect["responses"]
    assert connect["security"] == [{"ApiKey": []}]

    push = _operation(document, "post", "/ota/booking/reservations")
    assert push["security"] == [{"PushBasic": []}]
    assert set(push["requestBody"]["content"]) == {"application/xml", "text/xml"}
    assert {"200", "400", "401", "403", "413"} <= set(push["responses"])
    assert set(push["responses"]["401"]["content"]) == {"application/xml", "text/xml"}
    assert document["components"]["securitySchemes"]["PushBasic"]["scheme"] == "basic"
