"""Deeply nested JSON is refused with a 400 before anything parses it (issue 12 §5).

The attack: a body of a few thousand ``[`` made msgspec raise ``RecursionError``, answered with
a 500 on every JSON route, before the API key was even checked.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient

from channel_manager.entrypoints.rest.json_depth import (
    MAX_JSON_DEPTH,
    JsonDepthCounter,
    JsonTooDeep,
)
from tests.unit.web.world import build_world, web_app

#: Deep enough to have blown msgspec's recursion limit (it did at 1000).
ATTACK_DEPTH = 100_000
NOBODY = "00000000-0000-0000-0000-000000000000"


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\u00e9'),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), children, max_size=3)
    ),
    max_leaves=20,
)


@given(value=json_values, cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_the_counter_measures_the_real_depth_however_the_body_is_cut(
    value: Any, cuts: list[int]
) -> None:
    """Brackets inside strings and escaped quotes do not count, across chunk boundaries too."""
    text = json.dumps(value).encode()
    depth = _depth(value)
    bounds = sorted({0, *(c % (len(text) + 1) for c in cuts), len(text)})
    chunks = [text[start:end] for start, end in itertools.pairwise(bounds)]
    assert _feed(JsonDepthCounter(limit=depth), chunks) == 0
    if depth > 0:
        with pytest.raises(JsonTooDeep):
            _feed(JsonDepthCounter(limit=depth - 1), chunks)


def _feed(counter: JsonDepthCounter, chunks: list[bytes]) -> int:
    for chunk in chunks:
        counter.feed(chunk)
    return counter.depth


def test_an_escaped_quote_split_from_its_backslash_stays_inside_the_string() -> None:
    counter = JsonDepthCounter(limit=1)
    for chunk in (b'["a\\', b'"[[[[', b'"]'):
        counter.feed(chunk)
    assert counter.depth == 0


@pytest.fixture
def client() -> TestClient[Any]:
    return TestClient(web_app(build_world()))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", f"/api/v1/connections/{NOBODY}/mappings"),
        ("POST", f"/api/v1/connections/{NOBODY}/ari"),
        ("POST", "/api/v1/properties"),
    ],
)
@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_a_deeply_nested_body_is_a_400_before_authentication(
    client: TestClient[Any], method: str, path: str, content_type: str | None
) -> None:
    body = "[" * ATTACK_DEPTH + "]" * ATTACK_DEPTH
    headers = {"content-type": content_type} if content_type else {}
    with client:
        answer = client.request(method, path, content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"] == (
        f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels"
    )


def test_a_body_at_the_limit_still_reaches_the_handler() -> None:
    world = build_world()
    nested: Any = "x"
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    with TestClient(web_app(world)) as client:
        answer = client.post(
            "/api/v1/properties",
            json={"name": nested},
            headers={"authorization": f"Bearer {world.api_key}"},
        )
    # Counted and let through: refused by the handler's own validation, not by the guard.
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["type"] == "validation_error"
