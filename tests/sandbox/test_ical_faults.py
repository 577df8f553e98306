"""Faults of a listing's iCal feed, and the sandbox fetching an imported feed like Airbnb."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import httpx
import icalendar
import pytest

from booking_sandbox.ical_fetch import USER_AGENT, busy_ranges, fetch_all
from booking_sandbox.state import SandboxState

from .ical_helpers import AGENT, CONTROLS, add_event, feed_path, fetch_feed, new_listing, vevents


def fault(client: httpx.Client, listing: dict[str, Any], kind: str, **extra: Any) -> None:
    response = client.post(
        f"{CONTROLS}/{listing['listing_id']}/faults", json={"kind": kind, "times": 1, **extra}
    )
    assert response.status_code == 201, response.text


@pytest.fixture
def listing(client: httpx.Client, state: SandboxState) -> dict[str, Any]:
    """An Airbnb listing with one future stay."""
    made = new_listing(client, "airbnb")
    add_event(client, made["listing_id"], "stay", state.clock.today() + dt.timedelta(days=3), 2)
    return made


def get(client: httpx.Client, listing: dict[str, Any], **headers: str) -> httpx.Response:
    return client.get(feed_path(listing), headers={**AGENT, **headers})


def test_slow_answers_after_the_delay(client: httpx.Client, listing: dict[str, Any]) -> None:
    fault(client, listing, "slow", seconds=0.3)

    started = time.monotonic()
    response = get(client, listing)

    assert time.monotonic() - started >= 0.3
    assert len(vevents(icalendar.Calendar.from_ical(response.content))) == 1


def test_server_error_fires_the_given_times(client: httpx.Client, listing: dict[str, Any]) -> None:
    fault(client, listing, "server_error", times=2)

    assert [get(client, listing).status_code for _ in range(3)] == [500, 500, 200]


def test_not_modified_answers_304_without_validators(
    client: httpx.Client, listing: dict[str, Any]
) -> None:
    fault(client, listing, "not_modified")

    response = get(client, listing)

    assert (response.status_code, response.content) == (304, b"")


def test_malformed_does_not_parse(client: httpx.Client, listing: dict[str, Any]) -> None:
    fault(client, listing, "malformed")

    response = get(client, listing)

    assert response.status_code == 200
    with pytest.raises(ValueError, match="components"):
        icalendar.Calendar.from_ical(response.content)


def test_huge_streams_more_than_ten_megabytes(
    client: httpx.Client, listing: dict[str, Any]
) -> None:
    fault(client, listing, "huge")

    with client.stream("GET", feed_path(listing), headers=AGENT) as response:
        assert "content-length" not in response.headers
        size = sum(len(chunk) for chunk in response.iter_bytes())

    assert size > 10 * 1024 * 1024


def test_redirect_loop_sends_the_client_back_to_the_same_url(
    client: httpx.Client, listing: dict[str, Any]
) -> None:
    response = client.post(
        f"{CONTROLS}/{listing['listing_id']}/faults", json={"kind": "redirect_loop"}
    )
    assert response.status_code == 201

    first = get(client, listing)
    assert first.status_code == 302
    assert first.headers["location"] == f"{client.base_url}{feed_path(listing)}"
    with pytest.raises(httpx.TooManyRedirects):
        client.get(feed_path(listing), headers=AGENT, follow_redirects=True)
    assert client.delete(f"{CONTROLS}/{listing['listing_id']}/faults").status_code == 204
    assert get(client, listing).status_code == 200


def test_empty_is_a_valid_calendar_without_events(
    client: httpx.Client, listing: dict[str, Any]
) -> None:
    last_modified = fetch_feed(client, listing)[0].headers["last-modified"]
    fault(client, listing, "empty")

    answer = get(client, listing, **{"If-Modified-Since": last_modified})
    empty = icalendar.Calendar.from_ical(answer.content)

    assert str(empty["prodid"]) == "-//Airbnb Inc//Hosting Calendar 1.0//EN"
    assert vevents(empty) == []
    assert len(vevents(fetch_feed(client, listing)[1])) == 1  # once only


def test_faults_are_listed_and_bad_ones_refused(
    client: httpx.Client, listing: dict[str, Any]
) -> None:
    faults_url = f"{CONTROLS}/{listing['listing_id']}/faults"
    fault(client, listing, "slow")

    assert client.get(faults_url).json()["faults"][0]["kind"] == "slow"
    assert client.post(faults_url, json={"kind": "meteor"}).status_code == 400
    assert client.post(faults_url, json={"kind": "empty", "times": 0}).status_code == 400
    assert client.post(faults_url, json={"kind": "empty", "color": 1}).status_code == 400
    assert client.post(f"{CONTROLS}/999/faults", json={"kind": "empty"}).status_code == 404


def recorded_feed_requests(client: httpx.Client, path: str) -> list[dict[str, str]]:
    rows = client.get("/_sandbox/requests", params={"path": path}).json()["requests"]
    return [row["headers"] for row in rows]


def test_an_import_is_fetched_conditionally_like_airbnb_does(
    client: httpx.Client, state: SandboxState
) -> None:
    today = state.clock.today()
    source = new_listing(client, "vrbo")  # stands in for our export
    stay = add_event(client, source["listing_id"], "stay", today + dt.timedelta(days=1), 2, "Ada")
    importer = new_listing(client, "airbnb")
    imports = f"{CONTROLS}/{importer['listing_id']}/imports"
    registered = client.post(imports, json={"url": source["feed_url"]})
    assert registered.status_code == 201
    assert registered.json()["fetched_at"] is None

    first = client.post(f"{imports}/fetch")

    assert first.status_code == 200, first.text
    assert first.json()["status"] == 200
    expected = {
        "uid": stay["uid"],
        "start": str(today + dt.timedelta(days=1)),
        "end": str(today + dt.timedelta(days=3)),
        "summary": "Reserved - Ada",
    }
    assert first.json()["ranges"] == [expected]
    again = client.post(f"{imports}/fetch").json()
    assert (again["status"], again["ranges"]) == (304, [expected])
    headers = recorded_feed_requests(client, feed_path(source))
    assert [h["user-agent"] for h in headers] == [USER_AGENT, USER_AGENT]
    assert "if-none-match" not in headers[0]
    assert headers[1]["if-none-match"] == first.json()["etag"]
    shown = client.get(imports).json()
    assert shown["ranges"] == [expected]
    assert dt.datetime.fromisoformat(shown["fetched_at"]) <= state.clock.now()

    client.delete(f"{CONTROLS}/{source['listing_id']}/events/{stay['event_id']}")
    emptied = client.post(f"{imports}/fetch").json()
    assert (emptied["status"], emptied["ranges"]) == (200, [])


def test_a_failed_import_fetch_answers_502_and_keeps_the_last_ranges(
    client: httpx.Client, state: SandboxState
) -> None:
    source = new_listing(client, "booking")
    add_event(client, source["listing_id"], "block", state.clock.today(), 3)
    importer = new_listing(client, "airbnb")
    imports = f"{CONTROLS}/{importer['listing_id']}/imports"
    client.post(imports, json={"url": source["feed_url"]})
    good = client.post(f"{imports}/fetch").json()["ranges"]
    client.post(
        f"{CONTROLS}/{source['listing_id']}/events",
        json={"kind": "block", "start": str(state.clock.today()), "end": "2999-01-01"},
    )

    for kind, error in (("server_error", "HTTP 500"), ("malformed", "not an iCalendar feed")):
        fault(client, source, kind)
        failed = client.post(f"{imports}/fetch")
        assert failed.status_code == 502
        assert error in failed.json()["error"]
        assert failed.json()["ranges"] == good
    fault(client, source, "huge")
    assert "larger than" in client.post(f"{imports}/fetch").json()["error"]
    assert len(client.post(f"{imports}/fetch").json()["ranges"]) == 2


def test_imports_refuse_bad_urls_and_listings_without_one(client: httpx.Client) -> None:
    listing = new_listing(client, "airbnb")
    imports = f"{CONTROLS}/{listing['listing_id']}/imports"

    assert client.post(imports, json={"url": "file:///etc/passwd"}).status_code == 400
    assert client.get(imports).status_code == 404
    assert client.post(f"{imports}/fetch").status_code == 404
    client.post(imports, json={"url": "http://127.0.0.1:9/x.ics"})
    assert client.delete(imports).status_code == 204
    assert client.get(imports).status_code == 404


def test_busy_ranges_read_timed_events_as_dates_and_a_missing_end_as_one_night() -> None:
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        b"BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20310105T150000Z\r\nDTEND:20310107T100000Z\r\n"
        b"SUMMARY:Busy\\, really\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20310110\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )

    ranges = busy_ranges(body)

    assert [(r.uid, r.start, r.end, r.summary) for r in ranges] == [
        ("a", dt.date(2031, 1, 5), dt.date(2031, 1, 7), "Busy, really"),
        ("b", dt.date(2031, 1, 10), dt.date(2031, 1, 11), ""),
    ]


def test_the_background_importer_fetches_every_listing_s_import(
    client: httpx.Client, state: SandboxState
) -> None:
    source = new_listing(client, "vrbo")
    add_event(client, source["listing_id"], "block", state.clock.today(), 2)
    importer = new_listing(client, "airbnb")
    new_listing(client, "booking")  # imports nothing: skipped
    imports = f"{CONTROLS}/{importer['listing_id']}/imports"
    client.post(imports, json={"url": source["feed_url"]})

    asyncio.run(fetch_all(state.ical))  # one round of the SandboxConfig.ical_fetch_every loop

    shown = client.get(imports).json()
    assert shown["status"] == 200
    assert [r["summary"] for r in shown["ranges"]] == ["Blocked"]
