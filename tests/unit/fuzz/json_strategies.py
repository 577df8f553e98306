"""Hypothesis strategies for JSON bodies, query values and path ids, guided by OpenAPI schemas.

Schema-shaped values come first (so a request gets past parsing into the use case), then
mutations push one field at a time to values people and programs really send by mistake: empty
and overlong strings, NUL bytes, huge and negative numbers, impossible dates, wrong types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from hypothesis import strategies as st

JsonSchema = Mapping[str, Any]

NASTY_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 300,  # past the VARCHAR(255) columns
    "null",
    "-1",
    "1e400",
    "NaN",
    "Infinity",
    "0.001",
    "9999-12-31",
    "0001-01-01",
    "2027-02-30",
    "2027-01-01T00:00:00",
    "../../etc/passwd",
    "<x>&amp;</x>",
    "' OR 1=1 --",
    "\u202eevil",
    "\U0001f600",
    "00000000-0000-0000-0000-000000000000",
)
NASTY_INTS: tuple[int, ...] = (0, -1, 1, 254, 255, 256, 2**31, 2**63, -(2**63) - 1, 10**30)


def weighted(*choices: tuple[st.SearchStrategy[Any], int]) -> st.SearchStrategy[Any]:
    """Draw from one of ``choices`` with the given relative weights (``one_of`` is even)."""
    pool = [strategy for strategy, weight in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


def json_scalars() -> st.SearchStrategy[Any]:
    """Any JSON scalar, weighted towards the values that break validators."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(NASTY_INTS),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(NASTY_STRINGS),
        st.text(max_size=20),
    )


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON document (small), scalars and nested containers."""
    return st.recursive(
        json_scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def resolve(schema: JsonSchema, components: JsonSchema) -> JsonSchema:
    """Follow a ``$ref`` into ``#/components/schemas``."""
    while "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        schema = components[name]
    return schema


def from_schema(
    schema: JsonSchema,
    components: JsonSchema,
    *,
    ids: Sequence[str],
    codes: Sequence[str],
    hints: Mapping[str, str] | None = None,
) -> st.SearchStrategy[Any]:
    """Values that fit ``schema`` (the subset Litestar emits), favouring the world's ids and
    codes so lookups succeed and the request goes deep.

    ``hints`` names the value that passes the lookups for a property name (``hotel_code``:
    the mapped hotel); such properties get it two times in three.
    """
    hints = hints or {}
    schema = resolve(schema, components)

    def field(name: str, sub: JsonSchema) -> st.SearchStrategy[Any]:
        shaped = from_schema(sub, components, ids=ids, codes=codes, hints=hints)
        if name not in hints:
            return shaped
        return weighted((st.just(hints[name]), 3), (shaped, 1))

    if "oneOf" in schema or "anyOf" in schema:
        options = schema.get("oneOf", schema.get("anyOf", []))
        return st.one_of(
            [
                from_schema(option, components, ids=ids, codes=codes, hints=hints)
                for option in options
            ]
        )
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {name: field(name, sub) for name, sub in properties.items() if name in required},
            optional={
                name: field(name, sub) for name, sub in properties.items() if name not in required
            },
        )
    if kind == "array":
        items = from_schema(schema.get("items", {}), components, ids=ids, codes=codes, hints=hints)
        return st.lists(items, min_size=1, max_size=3)
    if kind == "integer":
        return st.one_of(st.integers(min_value=0, max_value=10), st.sampled_from(NASTY_INTS))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "string":
        return _string_for(schema.get("format"), ids=ids, codes=codes)
    return json_values()


def _string_for(
    string_format: str | None, *, ids: Sequence[str], codes: Sequence[str]
) -> st.SearchStrategy[str]:
    if string_format == "uuid":
        return st.one_of(st.sampled_from(list(ids)), st.uuids().map(str))
    if string_format == "date":
        near = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))
        return st.one_of(near.map(date.isoformat), st.sampled_from(["9999-12-31", "0001-01-01"]))
    return st.one_of(
        st.sampled_from(list(codes)),
        st.sampled_from(["EUR", "120.50", "UTC", "Double"]),
        st.text(max_size=12),
    )


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document, the root included."""
    found: list[tuple[Any, ...]] = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copied = json.loads(json.dumps(document))
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copied


def _without(document: Any, path: tuple[Any, ...]) -> Any:
    copied = json.loads(json.dumps(document))
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return copied


def _nasty_like(value: Any) -> st.SearchStrategy[Any]:
    """A value of the same JSON type that validators tend to miss (so parsing still passes)."""
    if isinstance(value, bool) or value is None:
        return json_scalars()
    if isinstance(value, int):
        return st.one_of(st.sampled_from(NASTY_INTS), st.integers())
    if isinstance(value, str):
        return st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=300))
    return json_values()


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with up to three fields replaced (mostly by a nasty value of the same type),
    retyped or removed; a third of the time left as it is."""
    document = base
    for _ in range(draw(st.sampled_from((1, 0, 1, 2, 0, 3)))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths[1:] or paths))  # a field first, the whole body last
        current: Any = document
        for step in path:
            current = current[step]
        action = draw(st.sampled_from(("same type", "same type", "any type", "remove")))
        if action == "remove" and path:
            document = _without(document, path)
        elif action == "same type":
            document = _replaced(document, path, draw(_nasty_like(current)))
        else:
            document = _replaced(document, path, draw(json_values()))
    return document


def body_bytes(document: Any) -> bytes:
    """``document`` as JSON text; Python's encoder also writes NaN and Infinity (not JSON),
    which a server must refuse as readily as any other malformed body."""
    return json.dumps(document).encode()
