"""R2: rates, availability and restrictions pushed while the sandbox fails 30% of ARI calls
(5xx, 429 with Retry-After, timeouts).

Rounds of changes over many rooms and days go in through the REST API, later rounds
overwriting earlier ones on the same room and day; the worker runs until the outbound queue
has settled. Then every push is delivered (with the channel's RUID) or visibly failed in the
REST API; the sandbox holds, field by field, the value of the newest delivered push, which is
the newest value submitted wherever nothing failed; and the sandbox's own request record shows
no earlier value arriving after a later one for any room and day.

Every round writes values that name it (availability ``round + 1``, rate ``100 + round`` plus
cents), so a value read back from a recorded request tells which round it came from.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.e2e.flows import Tenant, connect_oauth2, map_hotel, ok, push_view, sandbox_ari
from tests.e2e.harness import RunningService
from tests.e2e.inventory import outbound_settled
from tests.support.clock import shifted_today

from .conftest import proof_size, proof_timeout

HOTELS = ("1000001", "1000002")
AVAIL_PATH = "/hotels/ota/OTA_HotelAvailNotif"
RATE_PATH = "/hotels/ota/OTA_HotelRateAmountNotif"
ROUNDS = proof_size(ci=4, full=30)
CHANGES_PER_ROUND = proof_size(ci=6, full=40)  # per hotel
#: Few rooms and a short window, so that later rounds overwrite earlier ones often.
ROOMS_PER_HOTEL = proof_size(ci=3, full=10)
WINDOW_DAYS = proof_size(ci=30, full=120)
#: Share of ARI calls the sandbox fails, split evenly between the three kinds.
FAULT_SHARE = 0.3
#: How long the worker may take to settle every push, injected timeouts and retries included.
DRAIN = proof_size(ci=240, full=1800)
OTA = "{http://www.opentravel.org/OTA/2003/05}"

#: A field of one sellable cell: (hotel, room, rate plan or "", ISO date, field name).
Field = tuple[str, str, str, str, str]
RESTRICTIONS = ("min_los", "max_los", "closed", "closed_to_arrival", "closed_to_departure")


@pytest.fixture
def service_settings_extra() -> Mapping[str, str]:
    """A short HTTP timeout, so an injected timeout costs two seconds, not thirty; still long
    enough that a loaded machine does not turn a slow answer into a timeout whose request
    the sandbox applies after our retry (an ordering hazard no client can rule out)."""
    return {"CM_HTTP_TIMEOUT": "2s"}


def inject_faults(sandbox_http: httpx.Client) -> None:
    """30% of calls to each ARI endpoint fail: a third 5xx, a third 429, a third timeouts.

    The sandbox checks the newest rule first and draws once per rule, so the fractions are
    conditional: 0.1, then 0.1 / 0.9, then 0.1 / 0.8 of what is left is 0.1 each.
    """
    share = FAULT_SHARE / 3
    kinds = [
        {"kind": "timeout", "delay": 5},
        {"kind": "429", "retry_after": 1},
        {"kind": "5xx", "status": 503},
    ]
    for path in (AVAIL_PATH, RATE_PATH):
        left = 1.0
        for rule in kinds:
            fraction = share / left
            ok(
                sandbox_http.post(
                    "/_sandbox/faults", json={"endpoint": path, **rule, "fraction": fraction}
                ),
                201,
            )
            left -= share


def active_rate_plans(sandbox_http: httpx.Client, hotel: str) -> dict[str, tuple[str, ...]]:
    """Room -> the rate plans it is sold on at the sandbox."""
    hotels = ok(sandbox_http.get("/_sandbox/hotels"))["hotels"]
    [found] = [h for h in hotels if h["code"] == hotel]
    return {room["id"]: tuple(room["rate_plan_ids"]) for room in found["rooms"]}


def window_start() -> dt.date:
    """Two weeks before the first day of the month after next: every window crosses a month
    boundary, so changes are split into one request per month."""
    today = shifted_today()
    month_after_next = (
        (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1) + dt.timedelta(days=32)
    ).replace(day=1)
    return month_after_next - dt.timedelta(days=14)


def make_rounds(
    rooms: Mapping[str, Mapping[str, tuple[str, ...]]], first_day: dt.date, rng: random.Random
) -> list[list[dict[str, Any]]]:
    """``ROUNDS`` submissions of ARI changes; round ``r`` writes values that name it."""
    rounds = []
    for number in range(ROUNDS):
        changes = []
        for hotel, plans_by_room in rooms.items():
            chosen = sorted(plans_by_room)[:ROOMS_PER_HOTEL]
            for _ in range(CHANGES_PER_ROUND):
                room = rng.choice(chosen)
                start = first_day + dt.timedelta(days=rng.randrange(WINDOW_DAYS))
                length = rng.randint(1, 14)
                end = min(start + dt.timedelta(days=length - 1), last_day(first_day))
                base = {"hotel_code": hotel, "room_type_code": room}
                dates = {"start": start.isoformat(), "end": end.isoformat()}
                if rng.random() < 0.4:
                    changes.append({**base, **dates, "availability": number + 1})
                    continue
                min_los = 1 + number % 7
                changes.append(
                    {
                        **base,
                        **dates,
                        "rate_plan_code": rng.choice(plans_by_room[room]),
                        "rate": f"{100 + number}.{rng.randrange(100):02d}",
                        "min_los": min_los,
                        "max_los": min(31, min_los + rng.randrange(14)),
                        "stop_sell": rng.random() < 0.2,
                        "closed_to_arrival": rng.random() < 0.2,
                        "closed_to_departure": rng.random() < 0.2,
                    }
                )
        rounds.append(changes)
    return rounds


def last_day(first_day: dt.date) -> dt.date:
    return first_day + dt.timedelta(days=WINDOW_DAYS - 1)


def days(start: str, end: str) -> Iterable[str]:
    day, stop = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    while day <= stop:
        yield day.isoformat()
        day += dt.timedelta(days=1)


def fields_of_range(
    hotel: str, item: Mapping[str, Any], plans_by_room: Mapping[str, tuple[str, ...]]
) -> dict[Field, Any]:
    """The sandbox fields one pushed range sets (as ``GET /pushes/{id}`` shows it).

    Availability is per room; restrictions of a range without a rate plan apply to every plan
    of the room, as at Booking.com.
    """
    room, plan = item["room_type_code"], item["rate_plan_code"] or ""
    plans = (plan,) if plan else plans_by_room[room]
    values: dict[Field, Any] = {}
    for day in days(item["start"], item["end"]):
        if item["booking_limit"] is not None:
            values[hotel, room, "", day, "availability"] = item["booking_limit"]
        if item["rate"] is not None:
            values[hotel, room, plan, day, "rate"] = Decimal(item["rate"])
        restrictions = {
            "min_los": item["min_los"],
            "max_los": item["max_los"],
            "closed": item["stop_sell"],
            "closed_to_arrival": item["closed_to_arrival"],
            "closed_to_departure": item["closed_to_departure"],
        }
        for name, value in restrictions.items():
            if value is not None:
                for each in plans:
                    values[hotel, room, each, day, name] = value
    return values


def fields_of_change(change: Mapping[str, Any]) -> dict[Field, Any]:
    """The sandbox fields one submitted change means to set."""
    hotel, room = change["hotel_code"], change["room_type_code"]
    plan = change.get("rate_plan_code") or ""
    values: dict[Field, Any] = {}
    for day in days(change["start"], change["end"]):
        if "availability" in change:
            values[hotel, room, "", day, "availability"] = change["availability"]
        if "rate" in change:
            values[hotel, room, plan, day, "rate"] = Decimal(change["rate"])
            values[hotel, room, plan, day, "min_los"] = change["min_los"]
            values[hotel, room, plan, day, "max_los"] = change["max_los"]
            values[hotel, room, plan, day, "closed"] = change["stop_sell"]
            values[hotel, room, plan, day, "closed_to_arrival"] = change["closed_to_arrival"]
            values[hotel, room, plan, day, "closed_to_departure"] = change["closed_to_departure"]
    return values


def sandbox_fields(sandbox_url: str, hotels: Iterable[str], first_day: dt.date) -> dict[Field, Any]:
    """Every field the sandbox holds for the window, in the same shape."""
    held: dict[Field, Any] = {}
    for hotel in hotels:
        rows = sandbox_ari(sandbox_url, hotel, first_day, last_day(first_day))
        for (room, plan, day), row in rows.items():
            held[hotel, room, "", day, "availability"] = row["availability"]
            held[hotel, room, plan, day, "rate"] = (
                None if row["rate"] is None else Decimal(row["rate"])
            )
            for name in RESTRICTIONS:
                held[hotel, room, plan, day, name] = row[name]
    return held


def recorded_versions(sandbox_url: str) -> dict[tuple[str, str, str, str, str], list[int]]:
    """For each (hotel, room, plan, day, availability|rate): the rounds whose value the sandbox
    received, in the order it received them (every attempt, failed or not)."""
    seen: dict[tuple[str, str, str, str, str], list[int]] = defaultdict(list)
    for path in (AVAIL_PATH, RATE_PATH):
        response = httpx.get(f"{sandbox_url}/_sandbox/requests", params={"path": path}, timeout=30)
        for request in ok(response)["requests"]:
            root = etree.fromstring(request["body"].encode())
            for container in root.iter(f"{OTA}AvailStatusMessages", f"{OTA}RateAmountMessages"):
                hotel = container.get("HotelCode", "")
                for item in container:
                    control = item.find(f"{OTA}StatusApplicationControl")
                    if control is None:
                        continue
                    room, plan = control.get("InvTypeCode", ""), control.get("RatePlanCode", "")
                    for day in days(control.get("Start", ""), control.get("End", "")):
                        if (limit := item.get("BookingLimit")) is not None:
                            seen[hotel, room, "", day, "availability"].append(int(limit) - 1)
                        for amount in item.iter(f"{OTA}BaseByGuestAmt"):
                            value = Decimal(amount.get("AmountAfterTax", "0")).scaleb(
                                -int(amount.get("DecimalPlaces", "0"))
                            )
                            seen[hotel, room, plan, day, "rate"].append(int(value) - 100)
    return seen


def queue_drained(tenant: Tenant) -> bool:
    """No push of the organisation is pending or in flight."""
    return not any(
        ok(tenant.api.get("/api/v1/pushes", params={"state": state, "limit": 1}))
        for state in ("pending", "in_flight")
    )


@pytest.mark.timeout(proof_timeout(DRAIN))
def test_ari_under_30_percent_faults_arrives_complete_and_in_order(
    service: RunningService, tenant: Tenant, sandbox_http: httpx.Client
) -> None:
    connection_id = connect_oauth2(tenant, HOTELS)
    for hotel in HOTELS:
        map_hotel(tenant, connection_id, hotel)
    service.tick_until(lambda: outbound_settled(tenant), timeout=60)
    rooms = {hotel: active_rate_plans(sandbox_http, hotel) for hotel in HOTELS}
    first_day = window_start()
    before = sandbox_fields(str(sandbox_http.base_url), HOTELS, first_day)
    assert sandbox_http.delete("/_sandbox/requests").status_code == 204
    inject_faults(sandbox_http)

    rounds = make_rounds(rooms, first_day, random.Random(7))
    submitted: list[list[str]] = []
    for changes in rounds:
        answer = tenant.api.post(
            f"/api/v1/connections/{connection_id}/ari", json={"changes": changes}
        )
        submitted.append([str(push_id) for push_id in ok(answer, 202)["push_ids"]])
    service.tick_until(lambda: queue_drained(tenant), timeout=DRAIN, pause=0.02)
    # A round's change may be merged into a push an earlier round queued (issue 18): the same
    # id is then answered again, and counted once.
    unique_ids = dict.fromkeys(push_id for ids in submitted for push_id in ids)
    pushes = [push_view(tenant, push_id) for push_id in unique_ids]
    assert sandbox_http.delete("/_sandbox/faults").status_code == 204

    by_id = {p["id"]: p for p in pushes}
    # Delivered with the channel's confirmation, or failed with the reason in the API.
    failed = [p for p in pushes if p["state"] == "failed"]
    for push in pushes:
        if push["state"] == "delivered":
            assert "RUID" in (push["confirmation"] or ""), push
        else:
            assert push["last_error"], push
    listed_failed = ok(tenant.api.get("/api/v1/pushes", params={"state": "failed", "limit": 500}))
    assert {p["id"] for p in failed} <= {p["id"] for p in listed_failed}
    health = ok(tenant.api.get(f"/api/v1/connections/{connection_id}"))
    assert health["failed_pushes"] == len(failed)

    # What was queued is what was submitted: no change lost before it reached the outbox.
    intended: dict[Field, Any] = {}
    queued: dict[Field, Any] = {}
    expected = dict(before)
    for changes, ids in zip(rounds, submitted, strict=True):
        for change in changes:
            intended.update(fields_of_change(change))
        for push_id in ids:
            push = by_id[push_id]
            for item in push["ranges"]:
                values = fields_of_range(push["hotel_code"], item, rooms[push["hotel_code"]])
                queued.update(values)
                if push["state"] == "delivered":
                    expected.update(values)
    assert queued == intended

    # The sandbox holds the newest delivered value of every field: nothing silently lost.
    held = sandbox_fields(str(sandbox_http.base_url), HOTELS, first_day)
    wrong = {key: (held[key], expected[key]) for key in expected if held.get(key) != expected[key]}
    assert wrong == {}, f"{len(wrong)} fields differ (held, expected): {list(wrong.items())[:10]}"
    if not failed:
        assert all(held[key] == value for key, value in intended.items())

    # No earlier value overtook a later one: per field, the rounds arrive in order.
    attempts = sum(p["attempts"] for p in pushes)
    versions = recorded_versions(str(sandbox_http.base_url))
    out_of_order = {key: seen for key, seen in versions.items() if seen != sorted(seen)}
    assert out_of_order == {}
    recorded = sum(
        len(ok(sandbox_http.get("/_sandbox/requests", params={"path": path}))["requests"])
        for path in (AVAIL_PATH, RATE_PATH)
    )
    # Every attempt we counted reached the sandbox, and it saw no attempt we did not count.
    assert recorded == attempts
    # And the faults really happened: more attempts than pushes.
    assert attempts > len(pushes)
