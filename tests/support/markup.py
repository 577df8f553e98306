"""Reading HTML and XML in tests with the types the test expects, checked as it reads.

lxml's ``xpath()`` answers with any of a node list, strings, a number or a boolean, so what a
test reads from a page is typed loosely. :func:`elements` and :func:`texts` say which of these
the test expects and fail with the path when the page answers otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar, cast

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

Node = TypeVar("Node", bound=etree._Element)


def html_page(text: str | bytes) -> HtmlElement:
    """The root element of an HTML page or fragment."""
    root = lxml.html.fromstring(text)
    assert isinstance(root, HtmlElement), f"not HTML: {text[:200]!r}"
    return root


def elements(node: Node, path: str, namespaces: Mapping[str, str] | None = None) -> list[Node]:
    """The elements ``path`` selects below ``node`` (HTML elements in an HTML page)."""
    found = node.xpath(path, namespaces=namespaces)
    assert isinstance(found, list), f"{path!r} selects {found!r}, not elements"
    selected = [item for item in found if isinstance(item, etree._Element)]
    assert len(selected) == len(found), f"{path!r} selects more than elements: {found!r}"
    # An element's descendants are of its kind: lxml.html's parser makes every one an HtmlElement.
    return cast("list[Node]", selected)


def texts(
    node: etree._Element, path: str, namespaces: Mapping[str, str] | None = None
) -> list[str]:
    """The strings (``text()``, ``@attribute``) ``path`` selects below ``node``."""
    found = node.xpath(path, namespaces=namespaces)
    assert isinstance(found, list), f"{path!r} selects {found!r}, not strings"
    selected = [str(item) for item in found if isinstance(item, str)]
    assert len(selected) == len(found), f"{path!r} selects more than strings: {found!r}"
    return selected


def string(node: etree._Element, path: str) -> str:
    """XPath's ``string(path)``: the text of the first node ``path`` selects, "" if none."""
    found = node.xpath(f"string({path})")
    assert isinstance(found, str), f"string({path}) gave {found!r}"
    return str(found)
