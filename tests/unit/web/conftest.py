"""Fixtures for the web UI tests: a seeded world and a test client over the full app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from tests.support.markup import elements, html_page
from tests.unit.web.world import World, build_world, web_app

_CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(web_app(world), base_url="http://testserver.local") as test_client:
        yield test_client


def csrf_from(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = _CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, key: str) -> None:
    """Sign in through the form, as a person would."""
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"api_key": key, "_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of a page's first POST form (the confirm button's form)."""
    form = elements(html_page(html), "//form[@method='post']")[-1]
    return {
        str(field.get("name")): str(field.get("value") or "")
        for field in elements(form, ".//input[@type='hidden']")
    }


def signin_link(world: World) -> str:
    """A fresh one-time sign-in link of the world's organisation (path and query)."""
    issued = world.container.signin_links().issue(world.organization_id)
    return issued.url("")
