"""The "Channel rules" page of a connection: linked from its card, shows the stored rules,
saves a markup, a cap and stop-sell (sending the year again), refuses bad input with the
form as typed, and is another organisation's 404."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from tests.support.markup import elements, html_page
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.world import World, connect, other_organization_key


@pytest.fixture
def browser(client: TestClient, world: World) -> TestClient:
    sign_in(client, world.api_key)
    return client


def _save(browser: TestClient, connection_id: object, **fields: str):
    form = browser.get(f"/connections/{connection_id}/rules")
    data = {"_csrf_token": csrf_from(form.text), **fields}
    return browser.post(f"/connections/{connection_id}/rules", data=data, follow_redirects=False)


def test_the_card_links_to_the_rules_and_they_are_saved(browser: TestClient, world: World) -> None:
    connection_id = connect(world)
    cards = browser.get("/integrations").text
    [link] = elements(html_page(cards), f"//a[@href='/connections/{connection_id}/rules']")
    assert link.text_content().strip() == "Channel rules"

    shown = browser.get(f"/connections/{connection_id}/rules")
    assert shown.status_code == 200, shown.text
    tree = html_page(shown.text)
    [none] = elements(tree, "//input[@name='kind'][@value='none']")
    assert none.get("checked") is not None

    saved = _save(browser, connection_id, kind="percent", value="15", cap="3", stop_sell="yes")
    assert saved.status_code == 303, saved.text
    again = browser.get(saved.headers["location"])
    assert "Rules saved." in again.text
    tree = html_page(again.text)
    [percent] = elements(tree, "//input[@name='kind'][@value='percent']")
    assert percent.get("checked") is not None
    [value] = elements(tree, "//input[@name='value']")
    [cap] = elements(tree, "//input[@name='cap']")
    [stop] = elements(tree, "//input[@name='stop_sell']")
    assert (value.get("value"), cap.get("value"), stop.get("checked")) == ("15", "3", "checked")
    rules = world.container.connection_rules().show(world.organization_id, connection_id)
    assert rules.price_modifier is not None
    assert (str(rules.price_modifier.percent), rules.availability_cap, rules.stop_sell) == (
        "15",
        3,
        True,
    )


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"kind": "percent", "value": ""}, "needs a value"),
        ({"kind": "percent", "value": "lots"}, "not a number"),
        ({"kind": "amount", "value": "5", "cap": "three"}, "whole number of rooms"),
        ({"kind": "bonus", "value": "5"}, "not a valid choice"),
    ],
)
def test_bad_input_comes_back_with_the_form_as_typed(
    browser: TestClient, world: World, fields: dict[str, str], words: str
) -> None:
    connection_id = connect(world)
    refused = _save(browser, connection_id, **fields)
    assert refused.status_code == 422, refused.text
    [error] = elements(html_page(refused.text), "//*[@data-testid='form-error']")
    assert words in error.text_content()
    rules = world.container.connection_rules().show(world.organization_id, connection_id)
    assert rules.is_neutral


def test_another_organisations_connection_is_not_found(client: TestClient, world: World) -> None:
    connection_id = connect(world)
    sign_in(client, other_organization_key(world))
    assert client.get(f"/connections/{connection_id}/rules").status_code == 404
    refused = _save_as_other(client, connection_id)
    assert refused.status_code in (403, 404)
    rules = world.container.connection_rules().show(world.organization_id, connection_id)
    assert rules.is_neutral


def _save_as_other(client: TestClient, connection_id: object):
    page = client.get("/integrations")
    data = {"_csrf_token": csrf_from(page.text), "stop_sell": "yes"}
    return client.post(f"/connections/{connection_id}/rules", data=data, follow_redirects=False)
