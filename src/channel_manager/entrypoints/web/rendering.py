"""Jinja2 rendering for the web UI: one environment, page responses, formatting filters."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.template.base import csrf_token
from lxml import etree

from channel_manager.domain.money import Money, minor_units
from channel_manager.entrypoints.rest.auth import SESSION_ORGANIZATION

#: Where an action leaves a one-shot message for the page it redirects to.
NOTICE_KEY = "notice"

#: Sent with every page: no framing, no sniffing, only our own scripts and styles, and no
#: referrer leaving the site (the one-click sign-in link carries a key in its query).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def format_datetime(value: datetime | None) -> str:
    """``2025-01-31 14:05 UTC`` (the UI shows UTC everywhere, as the API does)."""
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def format_age(value: datetime | None, now: datetime) -> str:
    """How long ago ``value`` was, in the largest whole unit (``3 min ago``)."""
    if value is None:
        return "—"
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return "just now" if seconds < 5 else f"{seconds} s ago"
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"  # pragma: no cover - the loop always returns for >= 60


def format_amount(amount: Decimal | str | None, currency: str) -> str:
    """``amount`` with the currency's decimals and thousands separators (``1,234.50``;
    ``15,000`` for JPY, which has no minor unit); empty for ``None``.

    The UI is in English, so amounts are written the English way whatever the currency; the
    ISO code (not a symbol: ``$`` is several currencies) follows, as in :class:`Money`'s text
    that the flags and the API use.
    """
    if amount is None:
        return ""
    places = minor_units(currency)
    try:
        exact = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except ArithmeticError:  # not a finite amount, or more digits than Decimal holds
        return str(amount)
    return f"{exact:,.{places}f}"


def format_money(value: Money | None) -> str:
    """``1,234.50 EUR``, ``15,000 JPY``; an em dash when the channel sent no amount."""
    if value is None:
        return "—"
    return f"{format_amount(value.amount, value.currency)} {value.currency}"


def format_value(value: object) -> str:
    """A calendar or form value: empty for ``None``, yes/no for flags, an amount with its
    currency's decimals and separators (no code: the grid says the currency once)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Money):
        return format_amount(value.amount, value.currency)
    return str(value)


_XML_DECLARATION = re.compile(r"\s*<\?xml[^>]*\?>")
#: Parses logged bodies for display only: no entities, no network, no huge trees.
_XML_PARSER = etree.XMLParser(
    remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False
)


def format_xml(body: str) -> str:
    """A logged message body indented for reading when it is XML; any other text as it is.

    Display only: the stored body (already redacted) keeps its exact bytes.
    """
    if not body.lstrip().startswith("<"):
        return body
    # The body is already text: drop the declaration, whose encoding no longer applies.
    declaration = _XML_DECLARATION.match(body)
    try:
        root = etree.fromstring(body[declaration.end() if declaration else 0 :], _XML_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return body
    return str(etree.tostring(root, encoding="unicode", pretty_print=True))


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("channel_manager.entrypoints.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["dt"] = format_datetime
    environment.filters["money"] = format_money
    environment.filters["amount"] = format_amount
    environment.filters["value"] = format_value
    environment.filters["xml"] = format_xml
    environment.globals["age"] = format_age
    return environment


_ENVIRONMENT = _environment()


def render_html(template: str, context: dict[str, Any]) -> str:
    """Render ``template`` with ``context`` (autoescaped)."""
    return _ENVIRONMENT.get_template(template).render(context)


def page(
    request: Request[Any, Any, Any],
    template: str,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    """A full HTML page: the template with the request, CSRF token and signed-in state."""
    session = request.scope.get("session")
    session = session if isinstance(session, dict) else {}
    context.setdefault("signed_in", SESSION_ORGANIZATION in session)
    context.setdefault("nav", "")
    # A one-shot notice set by the action that redirected here (see ``common.flash``).
    context.setdefault("notice", session.pop(NOTICE_KEY, None))
    html = render_html(
        template,
        {"request": request, "csrf_token": csrf_token({"request": request}), **context},
    )
    return Response(
        content=html,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=SECURITY_HEADERS,
    )
