"""Hostile values in every web form field and filter give a 4xx page, never a 500
(issue 12 §5): huge and exponent rates, NUL bytes, years 1 and 9999, non-ASCII digits.

Each value is put, one at a time, into each field of an otherwise valid submission; the answer
must be below 500 and nothing may be queued.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import TestClient

from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.world import HOTEL_CODE, World, connect

HOSTILE = {
    "huge number": "9" * 400,
    "exponent": "1e999999",
    "negative exponent": "1E-999999",
    "big exponent rate": "1E+30",
    "infinity": "Infinity",
    "not a number": "NaN",
    "nul byte": "12\x00",
    "only a nul": "\x00",
    "year 1": "0001-01-01",
    "year 9999": "9999-12-31",
    "superscript digit": "\N{SUPERSCRIPT TWO}",
    "arabic-indic digits": "\u0661\u0662",
    "fullwidth digits": "\uff11\uff12",
    "negative": "-5",
    "lone surrogate escape": "\udcff",
}

RATES_FIELDS = {
    "hotel": HOTEL_CODE,
    "room_type_code": "DBL",
    "rate_plan_code": "STD",
    "start": "2027-02-01",
    "end": "2027-02-03",
    "rate": "120",
    "availability": "2",
    "min_los": "1",
    "max_los": "3",
    "closed_to_arrival": "no",
    "closed_to_departure": "no",
    "stop_sell": "no",
}

NUMBERS_AND_DATES = {"start", "end", "rate", "availability", "min_los", "max_los"}


@pytest.fixture
def connected(client: TestClient[Any], world: World) -> str:
    connection_id = str(connect(world))
    sign_in(client, world.api_key)
    page = client.get(f"/connections/{connection_id}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    (standard,) = world.container.inventory().list_rate_plans(
        world.organization_id, world.property_id
    )
    fields |= {
        "hotel-0-property": str(world.property_id),
        "hotel-0-sync": "on",
        "hotel-0-room-0": str(world.double_unit_id),
        "hotel-0-rate-0": str(standard.id),
        "_csrf_token": csrf_from(page.text),
    }
    saved = client.post(f"/connections/{connection_id}/mapping", data=fields)
    assert "Mapping saved" in saved.text
    return connection_id


def _encoded(fields: dict[str, str]) -> bytes:
    """The form urlencoded by hand: a lone surrogate cannot go through httpx's encoder."""
    return "&".join(
        f"{quote(k)}={quote(v.encode('utf-8', 'surrogateescape'))}" for k, v in fields.items()
    ).encode()


@pytest.mark.parametrize("action", ["preview", "push"])
def test_the_rates_form_answers_hostile_values_with_a_4xx_page(
    client: TestClient[Any], world: World, connected: str, action: str
) -> None:
    csrf = csrf_from(client.get(f"/rates?connection_id={connected}").text)
    failures = []
    for field in RATES_FIELDS:
        for what, value in HOSTILE.items():
            fields = {**RATES_FIELDS, field: value, "action": action, "_csrf_token": csrf}
            answer = client.post(
                f"/connections/{connected}/rates",
                content=_encoded(fields),
                headers={"content-type": "application/x-www-form-urlencoded"},
                follow_redirects=False,
            )
            if answer.status_code >= 500 or (
                # No hostile number or date is a valid change: it must not be queued.
                answer.status_code == 303 and field in NUMBERS_AND_DATES
            ):
                failures.append((field, what, answer.status_code))
    assert failures == [], "\n".join(map(repr, failures))


def test_page_filters_answer_hostile_values_with_a_4xx_page(
    client: TestClient[Any], connected: str
) -> None:
    pages = {
        "/rates": ["start", "month", "hotel", "connection_id"],
        "/reservations": ["arrival_from", "arrival_to", "status", "property_id", "offset"],
        "/pushes": ["state", "push", "connection_id"],
        "/messages": ["direction", "type", "ruid", "q", "connection_id"],
        "/sync": ["connection_id"],
        "/integrations/booking/result": ["connection_id", "error"],
    }
    failures = []
    for path, names in pages.items():
        for name in names:
            for what, value in HOSTILE.items():
                query = _encoded({name: value, "connection_id": connected})
                answer = client.get(f"{path}?{query.decode()}")
                if answer.status_code >= 500:
                    failures.append((path, name, what, answer.status_code))
    assert failures == [], "\n".join(map(repr, failures))


def test_the_mapping_form_answers_hostile_values_with_a_4xx_page(
    client: TestClient[Any], connected: str
) -> None:
    page = client.get(f"/connections/{connected}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+)" value="([^"]*)"', page.text))
    fields["_csrf_token"] = csrf_from(page.text)
    failures = []
    for name in [n for n in fields if n != "_csrf_token"]:
        for what, value in HOSTILE.items():
            answer = client.post(
                f"/connections/{connected}/mapping",
                content=_encoded({**fields, name: value}),
                headers={"content-type": "application/x-www-form-urlencoded"},
                follow_redirects=False,
            )
            if answer.status_code >= 500:
                failures.append((name, what, answer.status_code))
    assert failures == [], "\n".join(map(repr, failures))


def test_the_signin_form_answers_hostile_values_with_a_4xx_page(
    client: TestClient[Any],
) -> None:
    failures = []
    for name in ("api_key", "next"):
        for what, value in HOSTILE.items():
            csrf = csrf_from(client.get("/signin").text)
            answer = client.post(
                "/signin",
                content=_encoded(
                    {"api_key": "cm_x", "next": "/", name: value, "_csrf_token": csrf}
                ),
                headers={"content-type": "application/x-www-form-urlencoded"},
                follow_redirects=False,
            )
            if answer.status_code >= 500:
                failures.append((name, what, answer.status_code))
    assert failures == [], "\n".join(map(repr, failures))
