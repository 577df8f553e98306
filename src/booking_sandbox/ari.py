"""Applies OTA_HotelAvailNotifRQ and OTA_HotelRateAmountNotifRQ to the state, Booking-style.

Request-level refusals (HTTP 400/403, nothing applied): not the expected message, no or several
hotels, a hotel the caller may not update, dates spanning more than one calendar month (every
date must lie before the first date plus one month). Item-level problems (unknown room or rate:
Code 402; bad dates, limits, amounts or currency: Code 320; missing attributes: Code 321) reject
only that item: if every item failed the answer is HTTP 400 with Errors, if some succeeded it is
HTTP 200 with Success and one Warning (Status NotProcessed) per failed item.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Collection

from attrs import define, field
from lxml import etree

from booking_sandbox.ari_items import ItemError, avail_changes, rate_changes
from booking_sandbox.model import Hotel
from booking_sandbox.ota_responses import (
    TYPE_AUTHORIZATION,
    TYPE_BIZ_RULE,
    TYPE_REQUIRED_FIELD,
    TYPE_UNKNOWN,
    Issue,
)
from booking_sandbox.state import SandboxState
from booking_sandbox.xml import child, children, local

Change = Callable[[], None]


class AriRequestError(Exception):
    """The whole request is refused; nothing was applied."""

    def __init__(self, status: int, issue: Issue) -> None:
        super().__init__(issue.text)
        self.status = status
        self.issue = issue


@define
class AriResult:
    """Outcome of one ARI request, ready to render."""

    status: int = 200
    errors: list[Issue] = field(factory=list)
    warnings: list[Issue] = field(factory=list)
    applied: int = 0


def add_one_month(day: dt.date) -> dt.date:
    """Same day next month, clamped to the month's last day (Jan 31 -> Feb 28/29)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def apply_avail_notif(
    state: SandboxState, root: etree._Element, visible: Collection[str]
) -> AriResult:
    """OTA_HotelAvailNotifRQ: availability (BookingLimit), LOS and open/close restrictions."""
    hotel, items = _envelope(
        state, root, "OTA_HotelAvailNotifRQ", "AvailStatusMessages", "AvailStatusMessage", visible
    )
    return _apply(state, hotel, items, avail_changes)


def apply_rate_amount_notif(
    state: SandboxState, root: etree._Element, visible: Collection[str]
) -> AriResult:
    """OTA_HotelRateAmountNotifRQ: prices per room, rate plan and date range."""
    hotel, items = _envelope(
        state,
        root,
        "OTA_HotelRateAmountNotifRQ",
        "RateAmountMessages",
        "RateAmountMessage",
        visible,
    )
    return _apply(state, hotel, items, rate_changes)


def _envelope(
    state: SandboxState,
    root: etree._Element,
    root_name: str,
    container_name: str,
    item_name: str,
    visible: Collection[str],
) -> tuple[Hotel, list[etree._Element]]:
    if local(root) != root_name:
        raise AriRequestError(
            400, Issue(TYPE_UNKNOWN, "367", f"expected {root_name}, got {local(root)}")
        )
    containers = children(root, container_name)
    codes = {c.get("HotelCode") for c in containers}
    if not containers or None in codes or "" in codes:
        raise AriRequestError(
            400, Issue(TYPE_REQUIRED_FIELD, "321", f"{container_name}/@HotelCode is required")
        )
    if len(codes) > 1:
        raise AriRequestError(
            400, Issue(TYPE_BIZ_RULE, "320", "only one hotel per request is allowed")
        )
    code = str(codes.pop())
    hotel = state.hotel(code)
    if hotel is None:
        raise AriRequestError(400, Issue(TYPE_BIZ_RULE, "392", f"unknown HotelCode '{code}'"))
    if code not in visible:
        raise AriRequestError(
            403, Issue(TYPE_AUTHORIZATION, "497", f"not authorised for hotel {code}")
        )
    items = [item for c in containers for item in children(c, item_name)]
    if not items:
        raise AriRequestError(400, Issue(TYPE_REQUIRED_FIELD, "321", f"no {item_name}"))
    _check_span(items)
    return hotel, items


def _check_span(items: list[etree._Element]) -> None:
    """At most one month of dates per request (unparseable dates are left to item checks)."""
    starts, ends = [], []
    for item in items:
        control = child(item, "StatusApplicationControl")
        if control is None:
            continue
        try:
            starts.append(dt.date.fromisoformat(control.get("Start", "")))
            ends.append(dt.date.fromisoformat(control.get("End", "")))
        except ValueError:
            continue
    if starts and ends and max(ends) >= add_one_month(min(starts)):
        raise AriRequestError(
            400,
            Issue(
                TYPE_BIZ_RULE,
                "320",
                f"dates {min(starts)}..{max(ends)} span more than one month; split the request",
            ),
        )


def _apply(
    state: SandboxState,
    hotel: Hotel,
    items: list[etree._Element],
    changes_for: Callable[..., tuple[list[Change], list[str]]],
) -> AriResult:
    result = AriResult()
    failed: list[Issue] = []
    with state.lock:
        for rph, item in enumerate(items, start=1):
            try:
                changes, notes = changes_for(state, hotel, item)
            except ItemError as exc:
                failed.append(Issue(exc.type, exc.code, exc.text, rph=rph))
                continue
            for change in changes:
                change()
            result.applied += 1
            result.warnings.extend(
                Issue(TYPE_BIZ_RULE, "450", note, rph=rph, status="Ignored") for note in notes
            )
    if failed and result.applied == 0:
        result.status = 400
        result.errors = failed
    else:
        result.warnings = failed + result.warnings
    return result
