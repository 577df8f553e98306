"""``/api/v1/rate-plans``: plain and derived rate plans over the JSON API, scoped to the
caller's organisation, with clear 4xx answers, and documented in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from tests.unit.api.test_calendar_api import NIGHT, Hotel, hotel

__all__ = ["hotel"]  # the fixture, shared with the calendar's API tests


def _create(hotel: Hotel, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return hotel.post("/api/v1/rate-plans", {"property_id": hotel.property_id, **body}, headers)


def _derived(hotel: Hotel, **body: Any) -> Any:
    return _create(
        hotel,
        name="Non-refundable",
        parent_rate_plan_id=hotel.rate_plan_id,
        modifier={"percent": "-10"},
        **body,
    )


def test_a_derived_plan_is_created_listed_and_follows_its_parent(hotel: Hotel) -> None:
    day = NIGHT.isoformat()
    set_parent = hotel.change(
        {"unit_id": hotel.unit_id, "rate_plan_id": hotel.rate_plan_id, "from": day, "to": day,
         "rate": "120.00", "stop_sell": False},
    )  # fmt: skip
    assert set_parent.status_code == 202, set_parent.text

    created = _derived(hotel)

    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["derived"] is True
    assert plan["parent_rate_plan_id"] == hotel.rate_plan_id
    assert plan["modifier"] == {"percent": "-10", "amount": None, "description": "-10%"}
    assert plan["inherit_restrictions"] is True
    assert plan["description"] == "Non-refundable: Standard Rate -10%"
    assert plan["code"] == "NON-REFUNDABLE"
    listed = hotel.client.get(
        "/api/v1/rate-plans", params={"property_id": hotel.property_id}, headers=hotel.headers
    )
    assert listed.status_code == 200, listed.text
    assert [p["name"] for p in listed.json()] == ["Non-refundable", "Standard Rate"]
    read = hotel.read(day, day).json()
    [derived] = [p for p in read["units"][0]["rate_plans"] if p["rate_plan_id"] == plan["id"]]
    assert (derived["parent_name"], derived["modifier"]) == ("Standard Rate", "-10%")
    assert derived["nights"][0]["rate"] == "108.00"
    assert derived["nights"][0]["stop_sell"] is False

    refused = hotel.change(
        {"unit_id": hotel.unit_id, "rate_plan_id": plan["id"], "from": day, "to": day,
         "rate": "50.00"},
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert "derived from 'Standard Rate'" in refused.json()["error"]["message"]

    patched = hotel.client.patch(
        f"/api/v1/rate-plans/{plan['id']}",
        json={"modifier": {"amount": "-20.00"}, "name": "Advance"},
        headers=hotel.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "Advance: Standard Rate -20.00"
    read = hotel.read(day, day).json()
    [derived] = [p for p in read["units"][0]["rate_plans"] if p["rate_plan_id"] == plan["id"]]
    assert derived["nights"][0]["rate"] == "100.00"


def test_bad_rate_plans_are_answered_with_a_reason(hotel: Hotel) -> None:
    derived = _derived(hotel).json()
    for body, status, words in (
        ({"name": "x", "parent_rate_plan_id": hotel.rate_plan_id}, 422, "both"),
        ({"name": "x", "modifier": {"percent": "5"}}, 422, "both"),
        ({"name": "x", "parent_rate_plan_id": hotel.rate_plan_id,
          "modifier": {"percent": "-10", "amount": "5"}}, 422, "exactly one"),
        ({"name": "x", "parent_rate_plan_id": hotel.rate_plan_id, "modifier": {}}, 422,
         "exactly one"),
        ({"name": "x", "parent_rate_plan_id": hotel.rate_plan_id,
          "modifier": {"percent": "-100"}}, 422, "-99"),
        ({"name": "x", "parent_rate_plan_id": hotel.rate_plan_id,
          "modifier": {"percent": "ten"}}, 422, "not a number"),
        ({"name": "x", "parent_rate_plan_id": hotel.rate_plan_id,
          "modifier": {"percent": -10}}, 400, "percent"),
        ({"name": "x", "parent_rate_plan_id": derived["id"],
          "modifier": {"percent": "-5"}}, 422, "itself derived"),
        ({"name": "  "}, 422, "needs a name"),
        ({"name": "Again", "code": derived["code"]}, 422, "already used"),
        ({"name": "x", "bogus": 1}, 400, "bogus"),
    ):  # fmt: skip
        answer = _create(hotel, **body)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.json()["error"]["message"], (body, answer.text)
    plain = hotel.client.patch(
        f"/api/v1/rate-plans/{hotel.rate_plan_id}",
        json={"modifier": {"percent": "5"}},
        headers=hotel.headers,
    )
    assert plain.status_code == 422
    assert "not derived" in plain.json()["error"]["message"]
    missing = hotel.client.get("/api/v1/rate-plans", headers=hotel.headers)
    assert missing.status_code == 400


def test_another_organisations_ids_are_not_found(hotel: Hotel) -> None:
    theirs = _derived(hotel).json()["id"]
    for answer in (
        _create(hotel, hotel.other_headers, name="Mine"),
        hotel.client.get(
            "/api/v1/rate-plans",
            params={"property_id": hotel.property_id},
            headers=hotel.other_headers,
        ),
        hotel.client.patch(
            f"/api/v1/rate-plans/{theirs}", json={"name": "Mine"}, headers=hotel.other_headers
        ),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["type"] == "not_found"
    own = hotel.post(
        "/api/v1/properties", {"name": "Theirs", "currency": "EUR"}, hotel.other_headers
    ).json()["id"]
    # Their property with our plan as the parent: the plan is not theirs to derive from.
    mixed = hotel.post(
        "/api/v1/rate-plans",
        {"property_id": own, "name": "x", "parent_rate_plan_id": hotel.rate_plan_id,
         "modifier": {"percent": "-5"}},
        hotel.other_headers,
    )  # fmt: skip
    assert mixed.status_code == 404, mixed.text


def test_rate_plans_are_documented(hotel: Hotel) -> None:
    document = hotel.client.get("/openapi.json").json()
    paths = document["paths"]
    assert {"201", "404", "422"} <= set(paths["/api/v1/rate-plans"]["post"]["responses"])
    assert "get" in paths["/api/v1/rate-plans"]
    assert {"200", "404", "422"} <= set(
        paths["/api/v1/rate-plans/{rate_plan_id}"]["patch"]["responses"]
    )
    schemas = document["components"]["schemas"]
    assert {"property_id", "name", "parent_rate_plan_id", "modifier"} <= set(
        schemas["RatePlanBody"]["properties"]
    )
    assert set(schemas["ModifierBody"]["properties"]) == {"percent", "amount"}
