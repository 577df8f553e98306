"""Derived rate plans on the rates page: shown as "Non-refundable: Standard Rate -10%" with
read-only rate cells that follow the parent, added and their modifier changed with a small
form; bad values are refused with a reason, another organisation's plan is not found."""

from __future__ import annotations

import html
from typing import Any
from uuid import UUID, uuid4

from litestar.testing import TestClient

from channel_manager.application.calendar import CalendarChangeInput
from channel_manager.domain.mapping import RatePlanMapping
from tests.support.clock import next_year
from tests.support.markup import elements, html_page
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.test_rates_form import _post, connected
from tests.unit.web.world import HOTEL_CODE, World, other_organization_key

__all__ = ["connected"]  # the fixture, shared with the rates form's tests

NIGHT = next_year(2, 1)


def _standard(world: World) -> Any:
    plans = world.container.rate_plans().list(world.organization_id, world.property_id)
    [plain] = [view.plan for view in plans if not view.plan.is_derived]
    return plain


def _add(client: TestClient[Any], world: World, connection_id: str, **fields: str) -> Any:
    page = client.get("/rates")
    form = {
        "_csrf_token": csrf_from(page.text),
        "connection_id": connection_id,
        "hotel": HOTEL_CODE,
        "property_id": str(world.property_id),
        "name": "Non-refundable",
        "parent_rate_plan_id": str(_standard(world).id),
        "kind": "percent",
        "value": "-10",
        "inherit_restrictions": "on",
        **fields,
    }
    return client.post("/rates/rate-plans", data=form, follow_redirects=False)


def _month(client: TestClient[Any], connection_id: str) -> str:
    return client.get(f"/rates?connection_id={connection_id}&month={NIGHT:%Y-%m}").text


def test_a_derived_plan_is_added_shown_read_only_and_follows_its_parent(
    client: TestClient[Any], world: World, connected: str
) -> None:
    world.container.calendar().change(
        world.organization_id,
        [
            CalendarChangeInput(
                unit_id=world.double_unit_id,
                rate_plan_id=_standard(world).id,
                start=NIGHT,
                end=NIGHT,
                rate="120.00",
            )
        ],
    )

    added = _add(client, world, connected)

    assert added.status_code == 303, added.text
    assert "#rate-plans" in added.headers["location"]
    page = _month(client, connected)
    assert "Rate plan added: Non-refundable: Standard Rate -10%" in page
    tree = html_page(page)
    [label] = elements(tree, "//*[@data-testid='derived-from']")
    assert " ".join(label.text_content().split()) == ": Standard Rate \N{MINUS SIGN}10%"
    derived_cells = elements(tree, "//td[@data-read-only]")
    assert derived_cells, "the derived plan's cells are read-only"
    assert "follows Standard Rate" in str(derived_cells[0].get("title"))
    first = next(c for c in derived_cells if c.get("data-night") == NIGHT.isoformat())
    assert "108.00" in first.text_content()

    [edit] = elements(tree, "//form[@aria-label='Modifier of Non-refundable']")
    saved = client.post(
        str(edit.get("action")),
        data={
            "_csrf_token": csrf_from(page),
            "connection_id": connected,
            "hotel": HOTEL_CODE,
            "kind": "amount",
            "value": "-20.00",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = _month(client, connected)
    assert "Rate plan saved: Non-refundable: Standard Rate -20.00" in page
    [value] = elements(
        html_page(page), "//form[@aria-label='Modifier of Non-refundable']//input[@name='value']"
    )
    assert value.get("value") == "-20.00"
    first = next(
        c
        for c in elements(html_page(page), "//td[@data-read-only]")
        if c.get("data-night") == NIGHT.isoformat()
    )
    assert "100.00" in first.text_content()


def test_bad_derived_plans_are_refused_with_a_reason(
    client: TestClient[Any], world: World, connected: str
) -> None:
    for fields, words in (
        ({"value": "ten"}, "not a number"),
        ({"value": ""}, "needs a value"),
        ({"kind": "factor"}, "percent or an amount"),
        ({"value": "-100"}, "-99"),
        ({"name": " "}, "needs a name"),
        ({"parent_rate_plan_id": "nope"}, "Parent rate plan must be chosen"),
    ):
        answer = _add(client, world, connected, **fields)
        assert answer.status_code == 422, (fields, answer.status_code)
        assert words in answer.text, (fields, answer.text[-2000:])
    assert len(world.container.rate_plans().list(world.organization_id, world.property_id)) == 1


def test_another_organisations_plan_is_not_found(
    client: TestClient[Any], world: World, connected: str
) -> None:
    assert _add(client, world, connected).status_code == 303
    [derived] = [
        v.plan
        for v in world.container.rate_plans().list(world.organization_id, world.property_id)
        if v.plan.is_derived
    ]
    sign_in(client, other_organization_key(world))
    page = client.get("/rates")
    answer = client.post(
        f"/rates/rate-plans/{derived.id}",
        data={"_csrf_token": csrf_from(page.text), "kind": "percent", "value": "50"},
        follow_redirects=False,
    )
    assert answer.status_code == 404
    refused = _add(client, world, connected)
    assert refused.status_code == 404
    with world.container.uow_factory()() as uow:
        assert uow.rate_plans.get(derived.id) == derived


def test_the_change_form_refuses_a_rate_on_a_derived_plan_before_its_preview(
    client: TestClient[Any], world: World, connected: str
) -> None:
    assert _add(client, world, connected).status_code == 303
    [derived] = [
        v.plan
        for v in world.container.rate_plans().list(world.organization_id, world.property_id)
        if v.plan.is_derived
    ]
    with world.container.uow_factory()() as uow:
        [hotel] = uow.property_mappings.list_by_connection(UUID(connected))
        uow.rate_plan_mappings.add(
            RatePlanMapping(
                id=uuid4(),
                property_mapping_id=hotel.id,
                internal_rate_plan_id=derived.id,
                external_rate_plan_id="NREF",
                created_at=world.container.clock().now(),
            )
        )
        uow.commit()
    page = client.get(f"/rates?connection_id={connected}").text
    [option] = elements(html_page(page), "//select[@id='f-plan']/option[@value='NREF']")
    assert "follows Non-refundable: Standard Rate -10%" in option.text_content()
    queued = world.container.dispatcher().list(world.organization_id)

    for action in ("preview", "push"):
        answer = _post(client, connected, action, rate_plan_code="NREF", rate="100.00")
        assert answer.status_code == 422, (action, answer.status_code)
        assert "derived from 'Standard Rate' (-10%): its rate follows" in html.unescape(answer.text)
        assert "would be sent" not in answer.text
    # Its own restrictions it may not set either while it inherits them; rooms it may.
    assert (
        _post(client, connected, "preview", rate_plan_code="NREF", min_los="2").status_code == 422
    )
    assert world.container.dispatcher().list(world.organization_id) == queued
