"""The user journeys the tests repeat: an organisation with an API key, connecting through
the sandbox's consent or Extranet page, mapping a hotel, reading the sandbox's side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

import attrs
import httpx

from tests.support.markup import elements, html_page, texts

from .harness import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, RunningService

JSON = {"Accept": "application/json"}


@attrs.frozen
class Tenant:
    """An organisation and a client that calls our API with its Bearer key."""

    name: str
    organization_id: str
    api: httpx.Client


def make_tenant(service: RunningService, name: str) -> Tenant:
    """Create the organisation and its key the way ``channel-manager api-keys create`` does."""
    organization = service.container.inventory().ensure_organization(name)
    issued = service.container.api_keys().issue(organization.id, f"{name} e2e")
    api = httpx.Client(
        base_url=service.base_url,
        headers={"Authorization": f"Bearer {issued.plaintext}"},
        timeout=20,
    )
    return Tenant(name, str(organization.id), api)


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def form_fields(page: str) -> tuple[str, dict[str, str]]:
    """The first form's action and hidden fields of an HTML page."""
    form = html_page(page).forms[0]
    hidden = {str(i.get("name")): str(i.get("value") or "") for i in elements(form, ".//input")}
    hidden = {
        name: value
        for name, value in hidden.items()
        if elements(form, f".//input[@name='{name}' and @type='hidden']")
    }
    return str(form.action), hidden


def csrf_token(page: str) -> str:
    """The CSRF token a page carries (its ``csrf-token`` meta tag)."""
    found = texts(html_page(page), "//meta[@name='csrf-token']/@content")
    assert found, page
    return str(found[0])


def web_sign_in(browser: httpx.Client, key: str) -> None:
    """Sign a browser-like client in through the sign-in form, as a person would."""
    form = browser.get("/signin")
    answer = browser.post(
        "/signin",
        data={"api_key": key, "_csrf_token": csrf_token(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def authorize_oauth2(tenant: Tenant, decision: str, hotel_codes: Iterable[str]) -> str:
    """Start the wizard, answer the sandbox's consent page; return the callback URL."""
    started = tenant.api.get("/connect/booking")
    assert started.status_code == 302, started.text
    consent_url = started.headers["location"]
    with httpx.Client(timeout=10) as browser:
        page = browser.get(consent_url)
        assert page.status_code == 200, page.text
        action, fields = form_fields(page.text)
        answer = browser.post(
            urljoin(consent_url, action),
            data={**fields, "decision": decision, "hotel_id": list(hotel_codes)},
        )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def connect_oauth2(tenant: Tenant, hotel_codes: Iterable[str]) -> str:
    """The whole oauth2 wizard, approved; the new connection's id."""
    callback = authorize_oauth2(tenant, "approve", hotel_codes)
    body = ok(tenant.api.get(callback, headers=JSON))
    assert body["status"] == "active", body
    return str(body["connection_id"])


def machine_headers(sandbox_url: str) -> dict[str, str]:
    """Bearer headers of the provider's machine account at the sandbox."""
    response = httpx.post(
        f"{sandbox_url}/token-based-authentication/exchange",
        json={"client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET},
        timeout=10,
    )
    return {"Authorization": f"Bearer {ok(response)['jwt']}"}


def create_property(tenant: Tenant, name: str, currency: str, units: dict[str, int]) -> str:
    """A property of ours with units ``{name: count}`` (through the API); its id."""
    prop = ok(tenant.api.post("/api/v1/properties", json={"name": name, "currency": currency}), 201)
    for unit_name, count in units.items():
        body = {"name": unit_name, "count": count, "max_occupancy": 4}
        ok(tenant.api.post(f"/api/v1/properties/{prop['id']}/units", json=body), 201)
    return str(prop["id"])


def map_hotel(
    tenant: Tenant, connection_id: str, hotel_code: str, new_unit_count: int = 9
) -> dict[str, Any]:
    """Map one channel hotel: suggested property and units where offered, new units and rate
    plans for the rest. Returns the saved hotel view.
    """
    hotels = ok(tenant.api.get(f"/api/v1/connections/{connection_id}/properties"))
    hotel = next(h for h in hotels if h["hotel_code"] == hotel_code)
    target: dict[str, Any] = {"external_property_id": hotel_code}
    if hotel["suggested_property_id"]:
        target["internal_property_id"] = hotel["suggested_property_id"]
    else:
        target["create_property"] = True
    target["units"] = [
        {"external_room_type_id": room["code"], "internal_unit_id": room["suggested_unit_id"]}
        if room["suggested_unit_id"]
        else {
            "external_room_type_id": room["code"],
            "create_unit": True,
            "unit_count": new_unit_count,
        }
        for room in hotel["room_types"]
    ]
    target["rate_plans"] = [
        {"external_rate_plan_id": plan["code"], "create_rate_plan": True}
        for plan in hotel["rate_plans"]
    ]
    saved = ok(
        tenant.api.put(f"/api/v1/connections/{connection_id}/mappings", json={"hotels": [target]})
    )
    return next(h for h in saved if h["hotel_code"] == hotel_code)


def sandbox_ari(
    sandbox_url: str, hotel_code: str, start: dt.date, end: dt.date
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The sandbox's ARI per (room, rate plan, ISO date), ``start..end`` inclusive."""
    response = httpx.get(
        f"{sandbox_url}/_sandbox/ari/{hotel_code}",
        params={"from": start.isoformat(), "to": end.isoformat()},
        timeout=10,
    )
    return {(r["room_id"], r["rate_plan_id"], r["date"]): r for r in ok(response)["rows"]}


def sandbox_requests(sandbox_url: str, path: str) -> list[dict[str, Any]]:
    """Requests the sandbox recorded for ``path``, oldest first."""
    response = httpx.get(f"{sandbox_url}/_sandbox/requests", params={"path": path}, timeout=10)
    return list(ok(response)["requests"])


def connect_and_map(tenant: Tenant, hotel_code: str, unit_count: int = 9) -> str:
    """Connect (oauth2) to one hotel and map all of it to a new property; the connection id."""
    connection_id = connect_oauth2(tenant, [hotel_code])
    map_hotel(tenant, connection_id, hotel_code, unit_count)
    return connection_id


def submit_ari(tenant: Tenant, connection_id: str, *changes: dict[str, Any]) -> list[str]:
    """``POST /connections/{id}/ari``; the queued push ids."""
    answer = tenant.api.post(
        f"/api/v1/connections/{connection_id}/ari", json={"changes": list(changes)}
    )
    return [str(push_id) for push_id in ok(answer, 202)["push_ids"]]


def push_view(tenant: Tenant, push_id: str) -> dict[str, Any]:
    """``GET /pushes/{id}``."""
    return dict(ok(tenant.api.get(f"/api/v1/pushes/{push_id}")))


def pushes_in(tenant: Tenant, push_ids: Iterable[str], *states: str) -> list[dict[str, Any]]:
    """The pushes, if every one of them is in one of ``states`` (else an empty list)."""
    views = [push_view(tenant, push_id) for push_id in push_ids]
    return views if all(v["state"] in states for v in views) else []
