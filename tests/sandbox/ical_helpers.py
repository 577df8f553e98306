"""Builders for the iCal listing tests: listings, events and parsed feeds over real HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import icalendar

CONTROLS = "/_sandbox/ical/listings"
AGENT = {"User-Agent": "calendar-test/1.0"}


def new_listing(client: httpx.Client, style: str, name: str = "Loft") -> dict[str, Any]:
    response = client.post(CONTROLS, json={"style": style, "name": name})
    assert response.status_code == 201, response.text
    listing: dict[str, Any] = response.json()
    return listing


def add_event(
    client: httpx.Client,
    listing_id: str,
    kind: str,
    start: dt.date,
    nights: int,
    guest_name: str | None = None,
) -> dict[str, Any]:
    body = {"kind": kind, "start": str(start), "end": str(start + dt.timedelta(days=nights))}
    if guest_name is not None:
        body["guest_name"] = guest_name
    response = client.post(f"{CONTROLS}/{listing_id}/events", json=body)
    assert response.status_code == 201, response.text
    event: dict[str, Any] = response.json()
    return event


def feed_path(listing: dict[str, Any]) -> str:
    return f"/ical/{listing['listing_id']}.ics"


def fetch_feed(
    client: httpx.Client, listing: dict[str, Any], **headers: str
) -> tuple[httpx.Response, icalendar.Calendar]:
    response = client.get(feed_path(listing), headers={**AGENT, **headers})
    assert response.status_code == 200, response.text
    return response, icalendar.Calendar.from_ical(response.content)


def vevents(calendar: icalendar.Calendar) -> list[icalendar.Component]:
    return list(calendar.walk("VEVENT"))


def by_summary(calendar: icalendar.Calendar) -> dict[str, list[icalendar.Component]]:
    found: dict[str, list[icalendar.Component]] = {}
    for event in vevents(calendar):
        found.setdefault(str(event["summary"]), []).append(event)
    return found


def nights(event: icalendar.Component) -> tuple[dt.date, dt.date]:
    """DTSTART and DTEND, which must be all-day DATEs (not date-times)."""
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert type(start) is dt.date, start
    assert type(end) is dt.date, end
    return start, end
