"""The icon: every page links the SVG, which is served, and ``/favicon.ico`` leads to it."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from lxml import etree

from tests.support.markup import elements, html_page


def test_favicon_ico_leads_to_the_svg_icon(client: TestClient[Any]) -> None:
    answer = client.get("/favicon.ico", follow_redirects=False)

    assert answer.status_code == 301
    assert answer.headers["location"] == "/static/favicon.svg"
    icon = client.get("/favicon.ico")  # followed, as a browser does
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert etree.fromstring(icon.content).tag == "{http://www.w3.org/2000/svg}svg"


def test_pages_link_the_icon(client: TestClient[Any]) -> None:
    page = client.get("/signin")  # no session needed: the layout is the same for all pages

    (link,) = elements(html_page(page.text), "//head/link[@rel='icon']")
    assert link.get("href") == "/static/favicon.svg"
    assert link.get("type") == "image/svg+xml"
