"""The ``/api/v1`` operations as the OpenAPI document lists them, and requests generated for them.

Reading the operations from ``/openapi.json`` (not a hand-kept list) means a new endpoint is
fuzzed the day it is documented.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import quote

import attrs
from hypothesis import strategies as st

from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.containers import app_container
from tests.unit.fuzz.api_world import ApiWorld
from tests.unit.fuzz.json_strategies import (
    NASTY_STRINGS,
    JsonSchema,
    body_bytes,
    from_schema,
    json_values,
    mutated,
    weighted,
)

API_PREFIX = "/api/v1/"


@attrs.frozen
class Operation:
    """One documented method and path, with its parameters and JSON body schema."""

    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[tuple[str, JsonSchema], ...]
    body: JsonSchema | None

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


@attrs.frozen
class GeneratedRequest:
    """A request ready for the test client."""

    method: str
    url: str
    params: Mapping[str, str]
    content: bytes | None
    headers: Mapping[str, str]
    foreign: bool  # sent with the other organisation's key


@cache
def openapi_document() -> Mapping[str, Any]:
    """The app's OpenAPI document (built once; the app is not started)."""
    document: Mapping[str, Any] = build_asgi_app(app_container()).openapi_schema.to_schema()
    return document


def components() -> JsonSchema:
    """``#/components/schemas`` of the document."""
    schemas: JsonSchema = openapi_document().get("components", {}).get("schemas", {})
    return schemas


def api_operations() -> list[Operation]:
    """Every operation under ``/api/v1``."""
    found = []
    for path, item in openapi_document()["paths"].items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in item.items():
            parameters = operation.get("parameters", [])
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            found.append(
                Operation(
                    method=method,
                    path=path,
                    path_params=tuple(p["name"] for p in parameters if p["in"] == "path"),
                    query_params=tuple(
                        (p["name"], p.get("schema", {})) for p in parameters if p["in"] == "query"
                    ),
                    body=body["schema"] if body else None,
                )
            )
    return found


def _path_value(name: str, world: ApiWorld) -> st.SearchStrategy[str]:
    # Mostly the id the parameter names, so most requests get past the lookup.
    matching = st.just(world.field_hints.get(name, world.connection_id))
    return weighted(
        (matching, 6),
        (st.sampled_from(world.known_ids), 1),
        (st.uuids().map(str), 1),
        (st.sampled_from(NASTY_STRINGS).map(lambda text: quote(text, safe="")), 1),
    )


def _query_value(schema: JsonSchema, world: ApiWorld) -> st.SearchStrategy[str]:
    shaped = from_schema(schema, components(), ids=world.known_ids, codes=world.known_codes)
    return st.one_of(
        shaped.filter(lambda value: value is not None).map(str),
        st.sampled_from(NASTY_STRINGS),
        st.text(max_size=10),
    )


def _body(schema: JsonSchema, world: ApiWorld) -> st.SearchStrategy[bytes]:
    shaped = from_schema(
        schema, components(), ids=world.known_ids, codes=world.known_codes, hints=world.field_hints
    )
    return weighted(
        (shaped.flatmap(mutated).map(body_bytes), 8),
        (json_values().map(body_bytes), 1),
        (st.binary(max_size=64), 1),
    )


@st.composite
def requests_for(draw: st.DrawFn, operation: Operation, world: ApiWorld) -> GeneratedRequest:
    """A request for ``operation``: real or junk ids, query values and body."""
    url = operation.path
    for name in operation.path_params:
        url = url.replace("{" + name + "}", draw(_path_value(name, world)))
    params = {
        name: draw(_query_value(schema, world))
        for name, schema in operation.query_params
        if draw(st.booleans())
    }
    content = draw(_body(operation.body, world)) if operation.body is not None else None
    foreign = draw(st.sampled_from((False, False, False, False, False, True)))
    headers = world.auth(world.other_key if foreign else None)
    if content is not None:
        headers["Content-Type"] = "application/json"
    return GeneratedRequest(operation.method.upper(), url, params, content, headers, foreign)
