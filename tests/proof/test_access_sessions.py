"""R4: sign-in, sessions and connection flows belong to the browser that started them.

Each test replays an attack on a running service and shows it now does no harm:

- login CSRF through the connection wizard: a callback (OAuth ``state``, or the connectivity
  return) started by one browser or organisation and opened in another is refused, and the
  flow stays finishable by the browser that started it (RFC 9700 section 4.7);
- an API key in a URL signs nobody in; a one-time sign-in link signs in only by a POST with
  the browser's own CSRF token, once, within minutes, so a third-party page that loads or
  posts it cannot sign a visitor into the attacker's organisation;
- anonymous requests (``/healthz``, API calls, pages) store no session at all;
- sessions live in the database: with ``serve --processes 2``, and with two ``serve``
  instances on different ports over one PostgreSQL database, a browser signed in on one is
  signed in on the other, and it survives a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import sqlalchemy as sa

from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy.tables import web_sessions
from tests.e2e.flows import (
    JSON,
    Tenant,
    csrf_token,
    form_fields,
    ok,
    web_sign_in,
)
from tests.e2e.harness import RunningService

from .access_secrets_support import ServeProcess, cli
from .test_secrets import Secrets, environ_for, migrated_database, new_tenant

HOTEL = "1000001"
UNCONNECTED_HOTEL = "1000003"


def api_key(tenant: Tenant) -> str:
    """The tenant's API key (its client's bearer header)."""
    return str(tenant.api.headers["authorization"]).removeprefix("Bearer ")


def browser_of(service_url: str, tenant: Tenant | None = None) -> httpx.Client:
    """A cookie-keeping client, signed in to ``tenant``'s organisation when one is given."""
    browser = httpx.Client(base_url=service_url, timeout=20, follow_redirects=False)
    if tenant is not None:
        web_sign_in(browser, api_key(tenant))
    return browser


def consent(start: httpx.Response, decision: str, hotels: Iterable[str]) -> str:
    """Answer the sandbox's consent page the wizard redirected to; the callback URL."""
    assert start.status_code == 302, start.text
    consent_url = start.headers["location"]
    with httpx.Client(timeout=10) as at_booking:
        page = at_booking.get(consent_url)
        action, fields = form_fields(page.text)
        answer = at_booking.post(
            urljoin(consent_url, action),
            data={**fields, "decision": decision, "hotel_id": list(hotels)},
        )
    assert answer.status_code == 302, answer.text
    return str(answer.headers["location"])


def extranet_request(start: httpx.Response) -> str:
    """Ask for the connection on the sandbox's Extranet page; the return URL."""
    assert start.status_code == 302, start.text
    extranet = start.headers["location"]
    with httpx.Client(timeout=10) as at_booking:
        action, fields = form_fields(at_booking.get(extranet).text)
        back = at_booking.post(urljoin(extranet, action), data={**fields, "decision": "request"})
    assert back.status_code == 302, back.text
    return str(back.headers["location"])


def result_of(landing: httpx.Response) -> dict[str, list[str]]:
    """The query of the result page a browser's callback redirected to."""
    assert landing.status_code == 303, landing.text
    target = urlsplit(landing.headers["location"])
    assert target.path == "/integrations/booking/result"
    return parse_qs(target.query)


def signed_in(browser: httpx.Client) -> bool:
    """True when the browser's session opens the Integrations page."""
    return browser.get("/integrations").status_code == 200


def stored_sessions(engine: sa.Engine) -> int:
    """Rows in ``web_sessions``."""
    with engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(web_sessions)).one()[0]
        )


# --- connection flows bound to their browser ---------------------------------------------


def test_a_consent_callback_opened_in_another_browser_connects_nothing(
    service: RunningService, tenant_factory: Callable[[str], Tenant]
) -> None:
    """Mallory starts the wizard in her browser, consents for her hotel at Booking.com, and
    sends Alice the callback link: Alice's browser (signed in to Alice Hotels) would connect
    Mallory's grant to Alice's organisation, or sign Alice's data over to Mallory's.
    """
    alice, mallory = tenant_factory("Alice Hotels"), tenant_factory("Mallory Ltd")
    alices, mallorys = browser_of(service.base_url, alice), browser_of(service.base_url, mallory)
    callback = consent(mallorys.get("/connect/booking"), "approve", [HOTEL])

    landing = alices.get(callback, headers={"Accept": "text/html"})

    assert result_of(landing)["code"] == ["state_foreign"]
    assert "another browser" in alices.get(landing.headers["location"]).text
    for tenant in (alice, mallory):
        assert ok(tenant.api.get("/api/v1/connections")) == [], tenant.name
    # Nor with Alice's API key, nor with no credential at all.
    for caller in (alice.api, httpx.Client(timeout=20)):
        answer = caller.get(callback, headers=JSON)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["type"] == "state_foreign"
    # The refusal spent nothing: Mallory's own browser still finishes her flow, for her.
    assert result_of(mallorys.get(callback, headers={"Accept": "text/html"}))["status"] == [
        "connected"
    ]
    assert ok(alice.api.get("/api/v1/connections")) == []
    assert len(ok(mallory.api.get("/api/v1/connections"))) == 1


def test_a_flow_started_with_an_api_key_finishes_only_with_that_key(
    service: RunningService, tenant_factory: Callable[[str], Tenant]
) -> None:
    alice, mallory = tenant_factory("Alice Hotels"), tenant_factory("Mallory Ltd")
    callback = consent(mallory.api.get("/connect/booking"), "approve", [HOTEL])
    alices = browser_of(service.base_url, alice)
    # Mallory's second key: same organisation, but not the caller that started the flow.
    second_key = cli_key(service, "Mallory Ltd")

    attempts = [
        alices.get(callback, headers=JSON),
        alice.api.get(callback, headers=JSON),
        httpx.get(callback, headers={**JSON, "Authorization": f"Bearer {second_key}"}),
    ]

    for answer in attempts:
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["type"] == "state_foreign"
    assert ok(mallory.api.get(callback, headers=JSON))["status"] == "active"
    assert ok(alice.api.get("/api/v1/connections")) == []


def test_a_connectivity_return_opened_in_another_browser_connects_nothing(
    service: RunningService, tenant_factory: Callable[[str], Tenant]
) -> None:
    alice, mallory = tenant_factory("Alice Hotels"), tenant_factory("Mallory Ltd")
    alices, mallorys = browser_of(service.base_url, alice), browser_of(service.base_url, mallory)
    start = mallorys.get(
        "/connect/booking", params={"mode": "booking-connectivity", "hotel_id": UNCONNECTED_HOTEL}
    )
    back = extranet_request(start)

    landing = alices.get(back, headers={"Accept": "text/html"})

    assert result_of(landing)["code"] == ["state_foreign"]
    for tenant in (alice, mallory):
        assert ok(tenant.api.get("/api/v1/connections")) == [], tenant.name


def cli_key(service: RunningService, organization: str) -> str:
    """A further API key of ``organization``, as ``channel-manager api-keys create`` makes."""
    owner = service.container.inventory().ensure_organization(organization)
    return service.container.api_keys().issue(owner.id, "second").plaintext


# --- sign-in without keys in URLs --------------------------------------------------------


def test_an_api_key_in_a_url_signs_nobody_in(service: RunningService, tenant: Tenant) -> None:
    victim = browser_of(service.base_url)

    answer = victim.get("/signin", params={"key": api_key(tenant)})

    assert answer.status_code == 400
    assert "cm_session" not in answer.headers.get("set-cookie", "")
    assert not signed_in(victim)


def test_a_signin_link_loaded_or_posted_by_a_third_party_page_signs_nobody_in(
    service: RunningService, tenant_factory: Callable[[str], Tenant]
) -> None:
    """Mallory makes a sign-in link for her organisation and has Alice's browser load it
    (an image, a frame, a redirect) or post it (a hidden form): Alice would then work, and
    type her guests' data, in Mallory's organisation.
    """
    tenant_factory("Mallory Ltd")
    environ = {
        "CM_DATABASE_URL": service.container.settings().database.url,
        "CM_VAULT_KEYS": service.container.settings().vault.keys.reveal_text(),
        "CM_PUBLIC_URL": service.base_url,
    }
    issued = cli(environ, "signin-link", "--organization", "Mallory Ltd", "--minutes", "5")
    assert issued.returncode == 0, issued.stderr
    link = issued.stdout.strip()
    assert link.startswith(f"{service.base_url}/signin/link?token=cms_"), link
    token = parse_qs(urlsplit(link).query)["token"][0]
    alice = browser_of(service.base_url)

    loaded = alice.get(link)
    posted = alice.post("/signin/link", data={"token": token})

    assert loaded.status_code == 200
    assert "Mallory Ltd" in loaded.text  # the confirm page says where it signs in
    assert "cm_session" not in loaded.headers.get("set-cookie", "")
    assert posted.status_code == 403  # no CSRF token of Alice's: a cross-site post
    assert not signed_in(alice)
    # Mallory herself confirms it once; nobody can use it again.
    mallory = browser_of(service.base_url)
    confirm = mallory.get(link)
    fields = {"token": token, "next": "/integrations", "_csrf_token": csrf_token(confirm.text)}
    assert mallory.post("/signin/link", data=fields).status_code == 303
    assert signed_in(mallory)
    again = browser_of(service.base_url)
    fields["_csrf_token"] = csrf_token(again.get("/signin").text)
    replay = again.post("/signin/link", data=fields)
    assert replay.status_code == 401
    assert not signed_in(again)


def test_anonymous_requests_store_no_session(service: RunningService, tenant: Tenant) -> None:
    anonymous = httpx.Client(base_url=service.base_url, timeout=20, follow_redirects=False)
    answers = []
    for _ in range(25):
        answers += [
            anonymous.get("/healthz"),
            anonymous.get("/signin"),
            anonymous.get("/integrations"),
            tenant.api.get("/api/v1/connections"),
            httpx.get(f"{service.base_url}/healthz", timeout=20),
        ]

    cookies = [cookie for a in answers for cookie in a.headers.get_list("set-cookie")]
    assert [c for c in cookies if c.startswith("cm_session=")] == []
    assert stored_sessions(service.container.engine()) == 0
    browser = browser_of(service.base_url, tenant)
    assert signed_in(browser)
    assert stored_sessions(service.container.engine()) == 1


# --- sessions shared by processes --------------------------------------------------------


@pytest.fixture
def postgres_url(
    migrated_sqlite_template: Path, tmp_path: Path, postgres_server_url: str
) -> Iterator[str]:
    """A temporary, migrated PostgreSQL database."""
    yield from migrated_database(
        "postgres", migrated_sqlite_template, tmp_path, postgres_server_url
    )


@pytest.mark.postgres
def test_a_browser_signed_in_on_one_process_is_signed_in_on_every_process(
    postgres_url: str, tmp_path: Path
) -> None:
    known = Secrets()
    with SandboxServer(seed=1) as sandbox:
        environ = environ_for(sandbox, postgres_url, known)
        with ServeProcess(environ, tmp_path / "pair.log", "--processes", "2") as pair:
            tenant = new_tenant(environ, pair, "Scale Out", known)
            browser = browser_of(pair.base_url, tenant)
            # Each request may land on either forked process: every one is signed in.
            pages = [browser.get("/integrations").status_code for _ in range(20)]
            assert pages == [200] * 20
            cookie = browser.cookies["cm_session"]
            with ServeProcess(environ, tmp_path / "other.log") as other:
                elsewhere = httpx.Client(base_url=other.base_url, timeout=20)
                elsewhere.cookies.set("cm_session", cookie, domain="127.0.0.1")
                page = elsewhere.get("/integrations", follow_redirects=False)
                assert page.status_code == 200
                # The session's CSRF token is good on the other instance too: sign out there.
                out = elsewhere.post(
                    "/signout", data={"_csrf_token": csrf_token(page.text)}, follow_redirects=False
                )
                assert out.status_code == 303
            # Signed out on the other instance means signed out here.
            assert browser.get("/integrations").status_code == 303
            again = browser_of(pair.base_url, tenant)
            cookie = again.cookies["cm_session"]
        # A restart (a new serve on the same database) keeps the browser signed in.
        with ServeProcess(environ, tmp_path / "restarted.log") as restarted:
            after = httpx.Client(base_url=restarted.base_url, timeout=20)
            after.cookies.set("cm_session", cookie, domain="127.0.0.1")
            assert after.get("/integrations", follow_redirects=False).status_code == 200
