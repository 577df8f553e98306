"""Calendar feeds over HTTP: connecting one (``POST /api/v1/connections``), the connection
views with ``export_url`` and ``feed``, rotating, overbookings, and the public export with
its ETag; the import URL never comes back whole, another organisation's ids are 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest
from litestar.testing import TestClient

from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.feed_world import AIRBNB_URL, PUBLIC_URL, FeedWorld, feed_world, parse_ranges

#: What of the import URL must never be shown (its path and query are the secret).
SECRET_PARTS = ("12345", "0123456789abcdef")


@attrs.define
class Api:
    """The app over a :class:`FeedWorld`, with a key of the organisation and one of another."""

    world: FeedWorld
    client: TestClient[Any]
    headers: dict[str, str]
    other_headers: dict[str, str]

    def connect(self, **changes: Any) -> Any:
        body = {
            "channel": "ical",
            "name": "Airbnb - Loft",
            "unit_id": str(self.world.loft.id),
            "import_url": AIRBNB_URL,
        } | changes
        return self.client.post("/api/v1/connections", json=body, headers=self.headers)

    def export_path(self, answer: Any) -> str:
        url: str = answer["export_url"]
        assert url.startswith(PUBLIC_URL + "/ical/")
        return url.removeprefix(PUBLIC_URL)


@pytest.fixture
def api() -> Iterator[Api]:
    world = feed_world()
    keys = world.container.api_keys()
    other = world.container.inventory().ensure_organization("Someone Else")
    with TestClient(build_asgi_app(world.container)) as client:
        yield Api(
            world,
            client,
            {"Authorization": f"Bearer {keys.issue(world.organization.id, 'tests').plaintext}"},
            {"Authorization": f"Bearer {keys.issue(other.id, 'tests').plaintext}"},
        )
    world.container.unwire()


def _no_secret(text: str) -> None:
    for part in SECRET_PARTS:
        assert part not in text


def test_connecting_answers_the_connection_with_its_export_url(api: Api) -> None:
    answer = api.connect()
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["channel"], body["auth_mode"], body["status"]) == ("ical", "feed-url", "active")
    assert body["feed"]["import_url_masked"] == "https://www.airbnb.com/…"
    assert body["feed"]["name"] == "Airbnb - Loft"
    assert body["feed"]["unit_id"] == str(api.world.loft.id)
    assert body["feed"]["unit_name"] == "Loft"
    assert body["feed"]["suspect"] is False
    assert body["feed"]["last_fetch_at"] is None
    _no_secret(answer.text)
    one = api.client.get(f"/api/v1/connections/{body['id']}", headers=api.headers)
    assert one.status_code == 200
    assert one.json()["export_url"] == body["export_url"]
    assert one.json()["feed"] == body["feed"]
    _no_secret(one.text)
    listed = api.client.get("/api/v1/connections", headers=api.headers)
    by_id = {c["id"]: c for c in listed.json()}
    assert by_id[body["id"]]["export_url"] == body["export_url"]
    assert by_id[str(api.world.booking.id)]["export_url"] is None
    assert by_id[str(api.world.booking.id)]["feed"] is None
    _no_secret(listed.text)


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"name": ""}, 422, "name"),
        ({"name": "x" * 201}, 422, "name"),
        ({"import_url": "ftp://example.com/x.ics"}, 422, "https://"),
        ({"import_url": "http://169.254.169.254/latest"}, 422, "not allowed"),
        ({"channel": "booking"}, 422, "calendar URL"),
        ({"channel": "nowhere"}, 422, "calendar URL"),
        ({"unit_id": "not-a-uuid"}, 400, ""),
        ({"surprise": True}, 400, ""),
        ({"import_url": "https://x.example/" + "a" * 2100}, 400, ""),
    ],
)
def test_bad_input_is_a_clear_4xx(
    api: Api, changes: dict[str, Any], status: int, words: str
) -> None:
    answer = api.connect(**changes)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]["message"]
    listed = api.client.get("/api/v1/connections", headers=api.headers).json()
    assert [c["channel"] for c in listed] == ["booking"]


def test_a_name_is_required(api: Api) -> None:
    body = {"channel": "ical", "unit_id": str(api.world.loft.id), "import_url": AIRBNB_URL}
    answer = api.client.post("/api/v1/connections", json=body, headers=api.headers)
    assert answer.status_code == 400
    assert "name" in answer.json()["error"]["message"]


def test_other_organisations_are_kept_apart(api: Api) -> None:
    made = api.connect().json()
    theirs = api.client.post(
        "/api/v1/connections",
        json={
            "channel": "ical",
            "name": "Mine now",
            "unit_id": str(api.world.loft.id),
            "import_url": AIRBNB_URL,
        },
        headers=api.other_headers,
    )
    assert theirs.status_code == 404
    for method, path in (
        ("GET", f"/api/v1/connections/{made['id']}"),
        ("POST", f"/api/v1/connections/{made['id']}/export-token"),
        ("GET", f"/api/v1/overbookings?unit_id={api.world.loft.id}"),
    ):
        answer = api.client.request(method, path, headers=api.other_headers)
        assert answer.status_code == 404, (path, answer.text)
    assert api.client.get("/api/v1/overbookings", headers=api.other_headers).json() == []
    anonymous = api.client.post("/api/v1/connections", json={})
    assert anonymous.status_code == 401


def test_the_export_is_public_with_an_etag(api: Api) -> None:
    made = api.connect().json()
    world = api.world
    world.book(world.booking.id, world.loft, world.first, 2, "B1")
    served = api.client.get(api.export_path(made))
    assert served.status_code == 200
    assert served.headers["content-type"] == "text/calendar; charset=utf-8"
    assert served.headers["cache-control"] == "private, no-cache"
    assert "set-cookie" not in served.headers  # a feed fetcher is no browser session
    etag = served.headers["etag"]
    assert [(s, e) for _, s, e, _ in parse_ranges(served.content)] == [
        (world.first, world.first + timedelta(days=2))
    ]
    again = api.client.get(api.export_path(made), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = api.client.get(api.export_path(made), headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    world.book(world.booking.id, world.loft, world.first + timedelta(days=5), 1, "B2")
    changed = api.client.get(api.export_path(made), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


@pytest.mark.parametrize(
    "path",
    [
        "/ical/" + "A" * 43 + ".ics",  # well formed, unknown
        "/ical/short.ics",
        "/ical/" + "A" * 43,
        "/ical/" + "A" * 40 + "%2F..ics",
        "/ical/" + "A" * 200 + ".ics",
    ],
)
def test_an_unknown_export_is_a_bare_404(api: Api, path: str) -> None:
    answer = api.client.get(path)
    assert answer.status_code == 404
    # Nothing said about calendars or tokens (a path of two segments is no route at all).
    assert answer.content in (
        b"Not Found",
        b'{"error":{"status":404,"type":"http_error","message":"Not Found"}}',
    )


def test_stale_urls_never_lock_a_consumer_out(api: Api) -> None:
    made = api.connect().json()
    for _ in range(30):  # a consumer that keeps fetching a URL rotated away, say
        assert api.client.get("/ical/" + "B" * 43 + ".ics").status_code == 404
    assert api.client.get(api.export_path(made)).status_code == 200


def test_rotating_retires_the_old_export_url(api: Api) -> None:
    made = api.connect().json()
    rotated = api.client.post(f"/api/v1/connections/{made['id']}/export-token", headers=api.headers)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["export_url"] != made["export_url"]
    _no_secret(rotated.text)
    assert api.client.get(api.export_path(made)).status_code == 404
    assert api.client.get(api.export_path(rotated.json())).status_code == 200


def test_overbookings_list_both_clashing_reservations(api: Api) -> None:
    made = api.connect().json()
    world = api.world
    world.book(world.booking.id, world.loft, world.first, 2, "B1")
    [connection] = world.feeds.list(world.organization.id)
    assert str(connection.connection.id) == made["id"]
    world.book(connection.connection.id, world.loft, world.first, 1, "HM1")
    answer = api.client.get("/api/v1/overbookings", headers=api.headers)
    assert answer.status_code == 200
    [alert] = answer.json()
    assert (alert["start"], alert["end"]) == (
        world.first.isoformat(),
        (world.first + timedelta(days=1)).isoformat(),
    )
    assert (alert["rooms"], alert["booked"]) == (1, 2)
    assert sorted(r["external_id"] for r in alert["reservations"]) == ["B1", "HM1"]
    later = api.client.get(
        "/api/v1/overbookings",
        params={
            "unit_id": str(world.loft.id),
            "start": (world.first + timedelta(days=1)).isoformat(),
        },
        headers=api.headers,
    )
    assert later.json() == []
    bad = api.client.get("/api/v1/overbookings?start=tomorrow", headers=api.headers)
    assert bad.status_code == 400


def test_the_export_is_documented_as_public(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    [operation] = document["paths"]["/ical/{filename}"].values()
    assert operation.get("security", []) == []  # no key: the URL is the secret
    assert {"200", "304", "404"} <= set(operation["responses"])
    assert "text/calendar" in operation["responses"]["200"]["content"]
    created = document["paths"]["/api/v1/connections"]["post"]
    assert "201" in created["responses"]
    assert "/api/v1/overbookings" in document["paths"]
