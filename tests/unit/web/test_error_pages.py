"""Errors a person can read: a browser gets a page in the site's layout, never raw JSON or a
stack trace; API clients keep their JSON errors."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from litestar.testing import TestClient

from channel_manager.application.connect import ConnectService
from channel_manager.application.errors import InvalidRequest, UnknownAuthState
from channel_manager.domain.connection import ConnectionStatus
from channel_manager.domain.errors import (
    AuthStateExpired,
    AuthStateForeign,
    AuthStateReused,
    ChannelAuthError,
    DomainError,
    HotelAlreadyConnected,
    HotelAlreadyHeld,
    HotelContested,
    InvalidPropertyId,
    PermanentChannelError,
    RetryableChannelError,
)
from channel_manager.entrypoints.rest.connect import result_code
from channel_manager.entrypoints.web.integrations import GENERIC_EXPLANATION, RESULT_EXPLANATIONS
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.world import World, connect

#: What Chromium sends when it opens a page.
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
    "image/webp,*/*;q=0.8"
}
API_CLIENT = {"Accept": "application/json"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def signed_in(client: TestClient[Any], world: World) -> TestClient[Any]:
    sign_in(client, world.api_key)
    return client


def _is_error_page(answer: Any, status: int) -> str:
    """The page's text, after checking it is our layout's error page with ``status``."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html"), answer.headers
    assert 'data-testid="error-page"' in answer.text
    assert '<link rel="stylesheet" href="/static/app.css">' in answer.text  # the site layout
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    return str(answer.text)


def _is_json_error(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    error: dict[str, Any] = answer.json()["error"]
    assert error["status"] == status
    return error


# --- unknown addresses, wrong methods, unreadable parameters ------------------------------


def test_an_unknown_address_is_a_page_for_a_browser_and_json_for_programs(
    signed_in: TestClient[Any],
) -> None:
    text = _is_error_page(signed_in.get("/no/such/page", headers=BROWSER), 404)
    assert "There is no page at this address" in text
    assert '{"error"' not in text

    _is_json_error(signed_in.get("/no/such/page", headers=API_CLIENT), 404)
    _is_json_error(signed_in.get("/no/such/page", headers={"Accept": "*/*"}), 404)
    # Under /api/ a program is asking, whatever it accepts.
    _is_json_error(signed_in.get("/api/v1/no-such-thing", headers=BROWSER), 404)


def test_a_wrong_method_is_a_page_for_a_browser(signed_in: TestClient[Any]) -> None:
    text = _is_error_page(signed_in.put("/integrations", headers=BROWSER), 405)
    assert "cannot be used that way" in text
    assert "Method Not Allowed" not in text
    _is_json_error(signed_in.put("/integrations", headers=API_CLIENT), 405)


def test_an_unreadable_wizard_parameter_names_the_field_in_words(
    signed_in: TestClient[Any],
) -> None:
    answer = signed_in.get("/connect/booking", params={"mode": "bogus"}, headers=BROWSER)

    text = _is_error_page(answer, 400)
    assert "mode" in text
    assert "Validation failed" not in text  # the framework's wording stays for programs
    error = _is_json_error(
        signed_in.get("/connect/booking", params={"mode": "bogus"}, headers=API_CLIENT), 400
    )
    assert error["type"] == "validation_error"


def test_a_browser_without_a_session_starting_the_wizard_is_asked_to_sign_in(
    client: TestClient[Any],
) -> None:
    answer = client.get("/connect/booking", headers=BROWSER, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin?next=%2Fconnect%2Fbooking")
    _is_json_error(client.get("/connect/booking", headers=API_CLIENT), 401)


def test_another_organisations_connection_reads_not_found_without_its_id(
    signed_in: TestClient[Any], world: World
) -> None:
    foreign = connect(world, world.container.inventory().ensure_organization("Someone").id)

    text = _is_error_page(signed_in.get(f"/connections/{foreign}/mapping"), 404)

    assert "Connection not found" in text
    assert str(foreign) not in text.split("<main", 1)[1]


# --- unexpected errors ----------------------------------------------------------------------


def _break(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        message = "KeyError in _secret_internals at line 42"
        raise RuntimeError(message)

    monkeypatch.setattr(world.container.queries(), "connections", broken)
    monkeypatch.setattr(ConnectService, "begin", broken)


def test_an_unexpected_error_is_a_friendly_page_with_a_logged_request_id(
    signed_in: TestClient[Any],
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _break(monkeypatch, world)

    with caplog.at_level(logging.ERROR):
        on_a_page = signed_in.get("/integrations", headers=BROWSER)
        in_the_wizard = signed_in.get("/connect/booking", headers=BROWSER)

    for answer in (on_a_page, in_the_wizard):
        text = _is_error_page(answer, 500)
        request_id = answer.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{12}", request_id)
        assert f'<code data-testid="request-id">{request_id}</code>' in text
        assert "Traceback" not in text
        assert "_secret_internals" not in text
        assert "RuntimeError" not in text
        [logged] = [r for r in caplog.records if request_id in r.getMessage()]
        assert logged.exc_info is not None  # the traceback is in the log, not on the page
    assert on_a_page.headers["x-request-id"] != in_the_wizard.headers["x-request-id"]


def test_an_unexpected_error_stays_json_for_the_api(
    signed_in: TestClient[Any],
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _break(monkeypatch, world)

    with caplog.at_level(logging.ERROR):
        answer = signed_in.get("/api/v1/connections", headers=BROWSER)

    error = _is_json_error(answer, 500)
    assert error["type"] == "internal_error"
    assert answer.headers["x-request-id"] in error["message"]
    assert "_secret_internals" not in answer.text
    assert any(answer.headers["x-request-id"] in r.getMessage() for r in caplog.records)


# --- the connection wizard's result page ----------------------------------------------------


def test_the_result_page_shows_only_the_products_words_for_a_code(
    signed_in: TestClient[Any],
) -> None:
    planted = "Your account is suspended. Call +1 900 555 0100 now"
    for code, expected in (
        ("state_reused", RESULT_EXPLANATIONS["state_reused"]),
        ("hotel_held", "move-hotel"),
        ("no_such_code", GENERIC_EXPLANATION),
        ("<script>alert(1)</script>", GENERIC_EXPLANATION),
    ):
        answer = signed_in.get(
            "/integrations/booking/result",
            params={"status": "error", "code": code, "reason": planted, "type": "x"},
        )
        assert answer.status_code == 200
        assert expected in answer.text, code
        assert "Call +1 900" not in answer.text, code
        assert "<script>alert" not in answer.text, code


def test_an_empty_property_id_from_the_form_lands_on_the_result_page_with_a_code(
    signed_in: TestClient[Any],
) -> None:
    answer = signed_in.get(
        "/connect/booking",
        params={"mode": "booking-connectivity", "hotel_id": ""},
        headers=BROWSER,
        follow_redirects=False,
    )

    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert target.path == "/integrations/booking/result"
    assert parse_qs(target.query) == {"status": ["error"], "code": ["invalid_property_id"]}
    shown = signed_in.get(answer.headers["location"])
    assert RESULT_EXPLANATIONS["invalid_property_id"] in shown.text
    # API clients keep the JSON error, with a type to branch on.
    error = _is_json_error(
        signed_in.get(
            "/connect/booking",
            params={"mode": "booking-connectivity", "hotel_id": ""},
            headers=API_CLIENT,
        ),
        422,
    )
    assert error["type"] == "invalid_property_id"


@pytest.mark.parametrize(
    ("error", "params", "code"),
    [
        (UnknownAuthState(), {}, "unknown_state"),
        (AuthStateExpired("expired"), {}, "state_expired"),
        (AuthStateReused("used"), {}, "state_reused"),
        (AuthStateForeign("foreign"), {}, "state_foreign"),
        (ChannelAuthError("refused: access_denied"), {"error": "access_denied"}, "access_denied"),
        (ChannelAuthError("token refused"), {}, "channel_refused_access"),
        (RetryableChannelError("timeout"), {}, "channel_unavailable"),
        (PermanentChannelError("635", "no request"), {}, "channel_rejected"),
        (InvalidPropertyId("digits only"), {}, "invalid_property_id"),
        (InvalidRequest("mode not configured"), {}, "invalid_request"),
        (HotelAlreadyHeld("booking", "1", same_organization=True), {}, "hotel_held_here"),
        (HotelAlreadyHeld("booking", "1"), {}, "hotel_held"),
        (HotelAlreadyConnected("booking", "1"), {}, "hotel_already_connected"),
        (HotelContested("booking", "1"), {}, "hotel_contested"),
    ],
)
def test_every_wizard_failure_has_its_own_words(
    error: DomainError, params: dict[str, str], code: str
) -> None:
    assert result_code(error, params) == code
    assert code in RESULT_EXPLANATIONS
    assert not _UUID.search(RESULT_EXPLANATIONS[code])


def test_a_connected_result_page_still_names_the_connection(
    signed_in: TestClient[Any], world: World
) -> None:
    connection_id = connect(world)
    connection = world.container.queries().connection(world.organization_id, connection_id)
    assert connection.status is ConnectionStatus.ACTIVE

    text = signed_in.get(
        "/integrations/booking/result",
        params={"status": "connected", "connection_id": str(connection_id)},
    ).text

    assert "Booking.com is connected" in text
    assert f"/connections/{connection_id}/mapping" in text


def test_a_failed_csrf_check_reads_as_an_expired_form(
    signed_in: TestClient[Any], world: World
) -> None:
    connection_id = connect(world)
    page = signed_in.get("/integrations")
    assert csrf_from(page.text)

    answer = signed_in.post(
        f"/integrations/{connection_id}/disconnect", data={"_csrf_token": "forged"}
    )

    text = _is_error_page(answer, 403)
    assert "Reload the page and try again" in text
    assert (
        world.container.queries()
        .connection(world.organization_id, UUID(str(connection_id)))
        .is_active
    )
