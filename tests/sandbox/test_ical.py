"""iCal feeds of vacation-rental listings: each platform's shape, the controls that change them,
conditional GETs, Airbnb's User-Agent rule and future-only export, and a restart."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import httpx
import icalendar

from booking_sandbox.server import SandboxServer
from booking_sandbox.state import SandboxState

from .ical_helpers import (
    AGENT,
    CONTROLS,
    add_event,
    by_summary,
    feed_path,
    fetch_feed,
    new_listing,
    nights,
    vevents,
)
from .test_persistence import sandbox_at

AIRBNB_UID = re.compile(r"^[0-9a-f]{12}-[0-9a-f]{32}@airbnb\.com$")
AIRBNB_DESCRIPTION = re.compile(
    r"^Reservation URL: https://www\.airbnb\.com/hosting/reservations/details/(HM[A-Z0-9]{8})\n"
    r"Phone Number \(Last 4 Digits\): (\d{4})$"
)


def test_an_airbnb_feed_has_airbnb_s_shape(client: httpx.Client, state: SandboxState) -> None:
    today = state.clock.today()
    listing = new_listing(client, "airbnb")
    stay = add_event(client, listing["listing_id"], "stay", today + dt.timedelta(days=5), 3, "Zoë")
    block = add_event(client, listing["listing_id"], "block", today + dt.timedelta(days=10), 2)

    response, calendar = fetch_feed(client, listing)

    assert response.headers["content-type"].startswith("text/calendar")
    assert response.content.count(b"\r\n") == response.content.count(b"\n")  # CRLF only
    assert b"\r\n " in response.content  # the long DESCRIPTION is folded
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    assert str(calendar["prodid"]) == "-//Airbnb Inc//Hosting Calendar 1.0//EN"
    assert str(calendar["version"]) == "2.0"
    found = by_summary(calendar)
    assert set(found) == {"Reserved", "Airbnb (Not available)"}
    (reserved,) = found["Reserved"]
    assert nights(reserved) == (dt.date.fromisoformat(stay["start"]), today + dt.timedelta(days=8))
    assert AIRBNB_UID.match(str(reserved["uid"]))
    assert str(reserved["uid"]) == stay["uid"]
    description = AIRBNB_DESCRIPTION.match(str(reserved["description"]))
    assert description is not None, reserved["description"]
    assert description.groups() == (stay["confirmation_code"], stay["phone_last4"])
    assert "Zoë" not in response.text  # Airbnb exports no guest names
    (blocked,) = found["Airbnb (Not available)"]
    assert nights(blocked)[0] == today + dt.timedelta(days=10)
    assert "description" not in blocked
    assert str(blocked["uid"]) == block["uid"]
    assert block["confirmation_code"] is None


def test_a_vrbo_feed_names_guests_and_a_date_change_gives_a_new_uid(
    client: httpx.Client, state: SandboxState
) -> None:
    today = state.clock.today()
    listing = new_listing(client, "vrbo")
    stay = add_event(
        client, listing["listing_id"], "stay", today + dt.timedelta(days=2), 4, "Łucja"
    )
    add_event(client, listing["listing_id"], "block", today + dt.timedelta(days=9), 1)

    _, calendar = fetch_feed(client, listing)

    assert str(calendar["prodid"]) == "-//HomeAway.com, Inc.//EN"
    found = by_summary(calendar)
    assert set(found) == {"Reserved - Łucja", "Blocked"}
    assert all("description" not in event for event in vevents(calendar))
    moved = client.patch(
        f"{CONTROLS}/{listing['listing_id']}/events/{stay['event_id']}",
        json={"start": str(today + dt.timedelta(days=3)), "end": str(today + dt.timedelta(days=6))},
    ).json()
    assert moved["uid"] != stay["uid"]
    _, after = fetch_feed(client, listing)
    (reserved,) = by_summary(after)["Reserved - Łucja"]
    assert str(reserved["uid"]) == moved["uid"]
    assert nights(reserved) == (today + dt.timedelta(days=3), today + dt.timedelta(days=6))
    assert stay["uid"] not in after.to_ical().decode()


def test_a_booking_feed_says_closed_for_stays_and_blocks(
    client: httpx.Client, state: SandboxState
) -> None:
    today = state.clock.today()
    listing = new_listing(client, "booking")
    add_event(client, listing["listing_id"], "stay", today + dt.timedelta(days=1), 2, "Ana")
    add_event(client, listing["listing_id"], "block", today + dt.timedelta(days=4), 2)

    response, calendar = fetch_feed(client, listing)

    assert [str(e["summary"]) for e in vevents(calendar)] == ["CLOSED - Not available"] * 2
    assert all(str(e["uid"]).endswith("@booking.com") for e in vevents(calendar))
    assert "Ana" not in response.text


def test_add_move_and_remove_show_in_the_feed_and_airbnb_keeps_the_uid(
    client: httpx.Client, state: SandboxState
) -> None:
    today = state.clock.today()
    listing = new_listing(client, "airbnb")
    events_url = f"{CONTROLS}/{listing['listing_id']}/events"
    stay = add_event(client, listing["listing_id"], "stay", today + dt.timedelta(days=4), 2)
    first = today + dt.timedelta(days=6)

    moved = client.patch(
        f"{events_url}/{stay['event_id']}",
        json={"start": str(first), "end": str(first + dt.timedelta(days=5))},
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["uid"] == stay["uid"]
    (event,) = vevents(fetch_feed(client, listing)[1])
    assert (str(event["uid"]), nights(event)) == (stay["uid"], (first, today + dt.timedelta(11)))
    assert [e["event_id"] for e in client.get(events_url).json()["events"]] == [stay["event_id"]]
    assert client.delete(f"{events_url}/{stay['event_id']}").status_code == 204
    assert vevents(fetch_feed(client, listing)[1]) == []
    assert client.get(events_url).json()["events"] == []
    assert client.delete(f"{events_url}/{stay['event_id']}").status_code == 404


def test_airbnb_exports_the_future_only_and_reissues_a_running_block(
    client: httpx.Client, state: SandboxState
) -> None:
    today = state.clock.today()
    listing = new_listing(client, "airbnb")
    add_event(client, listing["listing_id"], "stay", today - dt.timedelta(days=5), 3)  # ended
    leaving = add_event(client, listing["listing_id"], "stay", today - dt.timedelta(days=2), 3)
    block = add_event(client, listing["listing_id"], "block", today - dt.timedelta(days=1), 4)

    _, calendar = fetch_feed(client, listing)

    found = by_summary(calendar)
    assert [str(e["uid"]) for e in found["Reserved"]] == [leaving["uid"]]
    (running,) = found["Airbnb (Not available)"]
    assert nights(running) == (today, today + dt.timedelta(days=3))
    assert str(running["uid"]) != block["uid"]  # re-issued with today's UID
    assert client.post("/_sandbox/clock", json={"seconds": 86_400}).status_code == 200
    _, tomorrow = fetch_feed(client, listing)
    assert "Reserved" not in by_summary(tomorrow)  # checked out today: gone
    (again,) = by_summary(tomorrow)["Airbnb (Not available)"]
    assert nights(again)[0] == today + dt.timedelta(days=1)
    assert str(again["uid"]) not in {block["uid"], str(running["uid"])}


def test_airbnb_refuses_a_request_without_a_user_agent(server: SandboxServer) -> None:
    with httpx.Client(base_url=server.base_url) as bare:
        bare.headers.pop("User-Agent")
        airbnb, vrbo = new_listing(bare, "airbnb"), new_listing(bare, "vrbo")

        assert bare.get(feed_path(airbnb)).status_code == 403
        assert bare.get(feed_path(airbnb), headers={"User-Agent": ""}).status_code == 403
        assert bare.get(feed_path(airbnb), headers=AGENT).status_code == 200
        assert bare.get(feed_path(vrbo)).status_code == 200


def test_an_unchanged_feed_answers_304_to_its_etag_or_date(
    client: httpx.Client, state: SandboxState
) -> None:
    listing = new_listing(client, "vrbo")
    add_event(client, listing["listing_id"], "stay", state.clock.today(), 2, "Ola")
    first, _ = fetch_feed(client, listing)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]

    by_tag = client.get(feed_path(listing), headers={**AGENT, "If-None-Match": etag})
    by_date = client.get(feed_path(listing), headers={**AGENT, "If-Modified-Since": last_modified})

    assert (by_tag.status_code, by_tag.content, by_tag.headers["etag"]) == (304, b"", etag)
    assert by_date.status_code == 304
    add_event(client, listing["listing_id"], "block", state.clock.today(), 1)
    changed = client.get(feed_path(listing), headers={**AGENT, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    stale = client.get(feed_path(listing), headers={**AGENT, "If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_bad_requests_and_unknown_listings_are_refused(client: httpx.Client) -> None:
    listing = new_listing(client, "airbnb")
    events_url = f"{CONTROLS}/{listing['listing_id']}/events"

    assert client.post(CONTROLS, json={"style": "expedia"}).status_code == 400
    backwards = {"kind": "stay", "start": "2031-01-05", "end": "2031-01-05"}
    assert client.post(events_url, json=backwards).status_code == 400
    assert client.post(events_url, json={**backwards, "kind": "party"}).status_code == 400
    assert client.post(events_url, json={"kind": "stay"}).status_code == 400
    assert client.get(f"{CONTROLS}/999/events").status_code == 404
    assert client.get("/ical/999.ics", headers=AGENT).status_code == 404


def test_the_seeded_airbnb_listing_and_the_alias_controls(
    client: httpx.Client, server: SandboxServer
) -> None:
    listings = client.get("/sandbox/ical/listings").json()["listings"]

    seeded = listings[0]
    assert (seeded["listing_id"], seeded["style"]) == ("7100001", "airbnb")
    assert seeded["feed_url"] == f"{server.base_url}/ical/7100001.ics"
    feed = httpx.get(seeded["feed_url"], headers=AGENT)
    summaries = [str(e["summary"]) for e in vevents(icalendar.Calendar.from_ical(feed.content))]
    assert sorted(summaries) == ["Airbnb (Not available)", "Reserved", "Reserved"]
    assert client.get(f"{CONTROLS}/7100001").json() == seeded


def _without_urls(listing: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in listing.items() if key != "feed_url"}


def test_listings_events_and_imports_survive_a_restart(tmp_path: Path) -> None:
    state_path = tmp_path / "state.json"
    with sandbox_at(state_path) as client:
        today = dt.date.fromisoformat(
            client.post("/_sandbox/clock", json={"seconds": 0}).json()["now"][:10]
        )
        listing = new_listing(client, "vrbo", "Chalet")
        add_event(client, listing["listing_id"], "stay", today + dt.timedelta(days=1), 2, "Ines")
        client.post(
            f"{CONTROLS}/{listing['listing_id']}/imports", json={"url": "http://x.test/a.ics"}
        )
        before = client.get(f"{CONTROLS}/{listing['listing_id']}").json()
        feed_before = fetch_feed(client, listing)[0]

    with sandbox_at(state_path) as client:
        after = client.get(f"{CONTROLS}/{listing['listing_id']}").json()
        feed_after = fetch_feed(client, after)[0]
        later = new_listing(client, "airbnb")
        event = add_event(client, later["listing_id"], "block", today, 1)

    assert _without_urls(after) == _without_urls(before)
    assert after["import"]["url"] == "http://x.test/a.ics"
    assert feed_after.content == feed_before.content
    assert feed_after.headers["etag"] == feed_before.headers["etag"]
    assert int(later["listing_id"]) > int(listing["listing_id"])  # ids go on counting
    assert event["event_id"] not in {e["event_id"] for e in before["events"]}


def test_a_state_file_from_before_the_listings_gets_the_seeded_one(tmp_path: Path) -> None:
    state_path = tmp_path / "state.json"
    with sandbox_at(state_path):
        pass
    data = json.loads(state_path.read_text())
    del data["ical"]
    state_path.write_text(json.dumps(data))

    with sandbox_at(state_path) as client:
        listings = client.get(CONTROLS).json()["listings"]

    assert [(item["listing_id"], len(item["events"])) for item in listings] == [("7100001", 3)]
