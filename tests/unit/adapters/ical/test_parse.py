"""parse_feed: real exports' shapes, dates in the property's zone, broken and odd events."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from channel_manager.adapters.ical.parse import (
    MAX_EVENT_NIGHTS,
    MAX_EVENTS,
    MAX_OCCURRENCES,
    parse_feed,
)
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.domain.feed import FeedEvent, FeedEventKind
from tests.unit.adapters.ical.samples import AIRBNB, BOOKING, GOOGLE, VRBO, crlf

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2027, 1, 15)


def feed(*events: str, prodid: str = "-//Example//Tool 1.0//EN") -> bytes:
    """A VCALENDAR around ``events`` (each the lines between BEGIN:VEVENT and END:VEVENT)."""
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    return crlf(f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:{prodid}\n{body}END:VCALENDAR\n")


def by_uid(events: tuple[FeedEvent, ...]) -> dict[str | None, FeedEvent]:
    return {event.uid: event for event in events}


def test_airbnb_reserved_is_a_stay_with_code_and_phone_digits_and_not_available_a_block() -> None:
    parsed = parse_feed(AIRBNB, AMSTERDAM, today=TODAY)

    assert parsed.producer == "-//Airbnb Inc//Hosting Calendar 0.8.8//EN"
    assert parsed.problems == ()
    stay, block = parsed.events
    assert stay == FeedEvent(
        uid="1418fb94e984-8a4b6a2c0a9a1b7d3e2f1c0b9a8d7e6f@airbnb.com",
        start=date(2027, 3, 10),
        end=date(2027, 3, 15),
        kind=FeedEventKind.STAY,
        summary="Reserved",
        confirmation_code="HMXK4T2Q9Z",
        phone_last_digits="4821",
    )
    assert block.kind is FeedEventKind.BLOCK
    assert (block.start, block.end, block.summary) == (
        date(2027, 3, 18),
        date(2027, 3, 20),
        "Airbnb (Not available)",
    )
    assert block.confirmation_code is None


def test_airbnb_is_recognised_by_uid_alone_and_keeps_only_four_phone_digits() -> None:
    body = feed(
        "UID:abc@airbnb.com\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270302\n"
        "SUMMARY:Reserved\nDESCRIPTION:Reservation URL: https://www.airbnb.co.uk/hosting/"
        "reservations/details/HMAB12CD34/\\nPhone Number (Last 4 Digits): 0612345678",
        "UID:def@airbnb.com\nDTSTART;VALUE=DATE:20270303\nDTEND;VALUE=DATE:20270304\n"
        "SUMMARY:Booked elsewhere",
    )

    stay, other = parse_feed(body, AMSTERDAM).events

    assert (stay.kind, stay.confirmation_code, stay.phone_last_digits) == (
        FeedEventKind.STAY,
        "HMAB12CD34",
        "5678",
    )
    # Airbnb's own rules: only "Reserved" is a stay there.
    assert other.kind is FeedEventKind.BLOCK


def test_vrbo_reserved_names_the_guest_blocked_is_a_block_and_tentative_a_stay() -> None:
    parsed = parse_feed(VRBO, AMSTERDAM)

    reserved, blocked, tentative = parsed.events
    assert (reserved.kind, reserved.guest_name, reserved.start, reserved.end) == (
        FeedEventKind.STAY,
        "Ana, Luís de Sá",
        date(2027, 4, 1),
        date(2027, 4, 8),
    )
    assert reserved.summary == "Reserved - Ana, Luís de Sá"
    assert (blocked.kind, blocked.guest_name) == (FeedEventKind.BLOCK, None)
    assert (tentative.kind, tentative.guest_name) == (FeedEventKind.STAY, "Jo Smith")
    assert parsed.producer == "-//HomeAway.com, Inc.//EN"


def test_booking_closed_is_a_block() -> None:
    (event,) = parse_feed(BOOKING, AMSTERDAM).events

    assert (event.kind, event.summary) == (FeedEventKind.BLOCK, "CLOSED - Not available")
    assert (event.start, event.end) == (date(2027, 5, 2), date(2027, 5, 4))


def test_google_timed_events_become_local_dates() -> None:
    events = by_uid(parse_feed(GOOGLE, AMSTERDAM).events)

    # 14:00Z is 16:00 in Amsterdam; 09:00Z on the 9th is the check-out morning.
    utc = events["2k3j4h5g6f7d8s9a@google.com"]
    assert (utc.start, utc.end, utc.kind) == (
        date(2027, 6, 5),
        date(2027, 6, 9),
        FeedEventKind.STAY,
    )
    assert utc.summary == "Booked: family Jansen; arrives late"
    # Midnight to midnight local: two nights, checking out on the 14th.
    local = events["9q8w7e6r5t4y@google.com"]
    assert (local.start, local.end, local.kind) == (
        date(2027, 6, 12),
        date(2027, 6, 14),
        FeedEventKind.BLOCK,
    )
    # A floating time is the property's local time; two hours on one day still close a night.
    floating = events["floating@google.com"]
    assert (floating.start, floating.end) == (date(2027, 6, 20), date(2027, 6, 21))


@pytest.mark.parametrize(
    ("zone", "start", "end"),
    [
        # 22:30Z on 30 June is already 1 July in Amsterdam (UTC+2) ...
        (AMSTERDAM, date(2027, 7, 1), date(2027, 7, 3)),
        # ... and still 30 June in New York (UTC-4), where 03:30Z on the 3rd is the 2nd.
        (NEW_YORK, date(2027, 6, 30), date(2027, 7, 2)),
    ],
)
def test_utc_times_take_the_date_of_the_property_zone(
    zone: ZoneInfo, start: date, end: date
) -> None:
    body = feed("UID:u1\nDTSTART:20270630T223000Z\nDTEND:20270703T033000Z\nSUMMARY:Reserved")

    (event,) = parse_feed(body, zone).events

    assert (event.start, event.end) == (start, end)


def test_tzid_of_another_zone_is_converted_to_the_property_zone() -> None:
    body = feed(
        "UID:u1\nDTSTART;TZID=America/New_York:20270801T200000\n"
        "DTEND;TZID=America/New_York:20270803T200000\nSUMMARY:Reserved"
    )

    (event,) = parse_feed(body, AMSTERDAM).events

    # 20:00 in New York is 02:00 the next day in Amsterdam.
    assert (event.start, event.end) == (date(2027, 8, 2), date(2027, 8, 4))


def test_missing_dtend_uses_duration_or_one_night() -> None:
    body = feed(
        "UID:duration\nDTSTART;VALUE=DATE:20270901\nDURATION:P3D\nSUMMARY:Reserved",
        "UID:none\nDTSTART;VALUE=DATE:20270910\nSUMMARY:Blocked",
        "UID:timed\nDTSTART:20270915T100000Z\nDURATION:PT2H\nSUMMARY:Owner",
        "UID:timed-long\nDTSTART:20270920T150000Z\nDURATION:P2DT20H\nSUMMARY:Owner",
    )

    events = by_uid(parse_feed(body, AMSTERDAM).events)

    assert (events["duration"].start, events["duration"].end) == (
        date(2027, 9, 1),
        date(2027, 9, 4),
    )
    assert (events["none"].start, events["none"].end) == (date(2027, 9, 10), date(2027, 9, 11))
    assert (events["timed"].start, events["timed"].end) == (date(2027, 9, 15), date(2027, 9, 16))
    # 17:00 local on the 20th plus 2 days 20 hours: 13:00 on the 23rd.
    assert events["timed-long"].end == date(2027, 9, 23)


def test_end_is_last_night_moves_every_end_one_day() -> None:
    body = feed(
        "UID:a\nDTSTART;VALUE=DATE:20271001\nDTEND;VALUE=DATE:20271003\nSUMMARY:Reserved",
        "UID:b\nDTSTART;VALUE=DATE:20271010\nDTEND;VALUE=DATE:20271010\nSUMMARY:Blocked",
    )

    plain = by_uid(parse_feed(body, AMSTERDAM).events)
    shifted = by_uid(parse_feed(body, AMSTERDAM, end_is_last_night=True).events)

    assert plain["a"].end == date(2027, 10, 3)
    assert shifted["a"].end == date(2027, 10, 4)
    # Last night = first night: one night either way.
    assert plain["b"].end == shifted["b"].end == date(2027, 10, 11)


def test_broken_events_are_skipped_and_reported_while_the_rest_is_kept() -> None:
    body = feed(
        "UID:good\nDTSTART;VALUE=DATE:20271101\nDTEND;VALUE=DATE:20271105\nSUMMARY:Reserved",
        "UID:no-start\nDTEND;VALUE=DATE:20271110\nSUMMARY:Reserved",
        "UID:backwards\nDTSTART;VALUE=DATE:20271120\nDTEND;VALUE=DATE:20271115\nSUMMARY:Reserved",
        "UID:backwards-timed\nDTSTART:20271120T100000Z\nDTEND:20271120T090000Z\nSUMMARY:X",
        "UID:garbage\nDTSTART:tomorrow-ish\nSUMMARY:Reserved",
        "UID:negative\nDTSTART;VALUE=DATE:20271201\nDURATION:-P2D\nSUMMARY:Reserved",
    )

    parsed = parse_feed(body, AMSTERDAM)

    assert [event.uid for event in parsed.events] == ["good"]
    assert {problem.uid for problem in parsed.problems} == {
        "no-start",
        "backwards",
        "backwards-timed",
        "garbage",
        "negative",
    }
    messages = {problem.uid: problem.message for problem in parsed.problems}
    assert "no DTSTART" in messages["no-start"]
    assert "ends before it starts" in messages["backwards"]
    assert "DTSTART cannot be read" in messages["garbage"]


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Sign in</body></html>",
        b"",
        b"Internal Server Error",
        crlf("BEGIN:VEVENT\nUID:x\nDTSTART;VALUE=DATE:20270101\nEND:VEVENT"),
        crlf("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x"),
    ],
)
def test_a_body_that_is_not_a_calendar_is_refused(body: bytes) -> None:
    with pytest.raises(PermanentChannelError, match="not an iCalendar feed"):
        parse_feed(body, AMSTERDAM)


def test_an_empty_calendar_has_no_events() -> None:
    parsed = parse_feed(feed(), AMSTERDAM)

    assert (parsed.events, parsed.problems) == ((), ())


def test_cancelled_events_are_dropped() -> None:
    body = feed(
        "UID:kept\nDTSTART;VALUE=DATE:20270101\nDTEND;VALUE=DATE:20270102\nSUMMARY:Reserved",
        "UID:gone\nDTSTART;VALUE=DATE:20270105\nDTEND;VALUE=DATE:20270107\nSUMMARY:Reserved\n"
        "STATUS:CANCELLED",
    )

    parsed = parse_feed(body, AMSTERDAM)

    assert [event.uid for event in parsed.events] == ["kept"]
    assert parsed.problems == ()


def test_a_repeated_uid_keeps_the_first_event_and_reports_the_second() -> None:
    body = feed(
        "UID:same\nDTSTART;VALUE=DATE:20270101\nDTEND;VALUE=DATE:20270103\nSUMMARY:Reserved",
        "UID:same\nDTSTART;VALUE=DATE:20270201\nDTEND;VALUE=DATE:20270203\nSUMMARY:Reserved",
        "DTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270302\nSUMMARY:No uid",
        "DTSTART;VALUE=DATE:20270305\nDTEND;VALUE=DATE:20270306\nSUMMARY:No uid either",
    )

    parsed = parse_feed(body, AMSTERDAM)

    assert [(event.uid, event.start) for event in parsed.events] == [
        ("same", date(2027, 1, 1)),
        (None, date(2027, 3, 1)),
        (None, date(2027, 3, 5)),
    ]
    (problem,) = parsed.problems
    assert problem.uid == "same"
    assert "appears twice" in problem.message


@pytest.mark.parametrize(
    ("summary", "kind"),
    [
        ("Reserved", FeedEventKind.STAY),
        ("reserved for the Müllers", FeedEventKind.STAY),
        ("Booked", FeedEventKind.STAY),
        ("Booking #4411", FeedEventKind.STAY),
        ("Booking.com sync", FeedEventKind.BLOCK),
        ("Not available", FeedEventKind.BLOCK),
        ("Maintenance", FeedEventKind.BLOCK),
        ("", FeedEventKind.BLOCK),
    ],
)
def test_other_senders_stays_start_with_reserved_or_booked(
    summary: str, kind: FeedEventKind
) -> None:
    body = feed(f"UID:x\nDTSTART;VALUE=DATE:20270101\nDTEND;VALUE=DATE:20270102\nSUMMARY:{summary}")

    (event,) = parse_feed(body, AMSTERDAM).events

    assert event.kind is kind


def test_a_recurring_event_is_expanded_with_its_exceptions_and_changed_occurrences() -> None:
    body = feed(
        "UID:cleaning\nDTSTART;VALUE=DATE:20270104\nDTEND;VALUE=DATE:20270105\n"
        "RRULE:FREQ=WEEKLY;COUNT=4\nEXDATE;VALUE=DATE:20270111\nSUMMARY:Cleaning",
        "UID:cleaning\nRECURRENCE-ID;VALUE=DATE:20270118\nDTSTART;VALUE=DATE:20270119\n"
        "DTEND;VALUE=DATE:20270121\nSUMMARY:Cleaning (moved)",
    )

    parsed = parse_feed(body, AMSTERDAM, today=date(2027, 1, 1))

    assert sorted((event.uid, event.start, event.end) for event in parsed.events) == [
        ("cleaning/2027-01-04", date(2027, 1, 4), date(2027, 1, 5)),
        ("cleaning/2027-01-18", date(2027, 1, 19), date(2027, 1, 21)),
        ("cleaning/2027-01-25", date(2027, 1, 25), date(2027, 1, 26)),
    ]
    (problem,) = parsed.problems
    assert problem.uid == "cleaning"
    assert "repeats" in problem.message


def test_an_endless_recurring_event_is_expanded_from_today_for_a_bounded_horizon() -> None:
    body = feed(
        "UID:weekly\nDTSTART;VALUE=DATE:20200106\nDTEND;VALUE=DATE:20200107\n"
        "RRULE:FREQ=WEEKLY\nSUMMARY:Owner weekend",
        "UID:daily\nDTSTART:20150101T100000Z\nDTEND:20150101T110000Z\nRRULE:FREQ=DAILY\n"
        "SUMMARY:Daily",
    )

    parsed = parse_feed(body, AMSTERDAM, today=TODAY)

    weekly = [event for event in parsed.events if event.summary == "Owner weekend"]
    daily = [event for event in parsed.events if event.summary == "Daily"]
    assert min(event.start for event in weekly) >= TODAY
    assert max(event.start for event in weekly) < date(2029, 1, 16)
    assert 100 <= len(weekly) <= 106
    assert len(daily) == MAX_OCCURRENCES
    assert daily[0].start == TODAY
    assert {problem.uid for problem in parsed.problems} == {"weekly", "daily"}


def test_a_rule_repeating_more_often_than_daily_keeps_only_its_first_occurrence() -> None:
    body = feed("UID:spam\nDTSTART:20270101T100000Z\nDTEND:20270101T110000Z\nRRULE:FREQ=SECONDLY")

    parsed = parse_feed(body, AMSTERDAM, today=TODAY)

    assert [(event.uid, event.start) for event in parsed.events] == [("spam", date(2027, 1, 1))]
    (problem,) = parsed.problems
    assert "more often than daily" in problem.message


def _all_day_feed(*spans: tuple[str, str]) -> bytes:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:e{i}@x\r\nDTSTART;VALUE=DATE:{start}\r\n"
        f"DTEND;VALUE=DATE:{end}\r\nSUMMARY:Blocked\r\nEND:VEVENT\r\n"
        for i, (start, end) in enumerate(spans)
    )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n" + events + "END:VCALENDAR\r\n"
    ).encode()


def test_an_endless_event_is_cut_to_the_window_and_reported() -> None:
    today = date(2027, 3, 15)
    body = _all_day_feed(("20270401", "99991231"), ("00010101", "99991231"))

    parsed = parse_feed(body, ZoneInfo("Europe/Amsterdam"), today=today)

    spans = [(event.start, event.end) for event in parsed.events]
    assert spans == [
        (date(2027, 4, 1), date(2029, 4, 1)),
        (date(2026, 3, 1), date(2029, 4, 1)),
    ]
    assert len(parsed.problems) == 2
    assert all("was cut to" in problem.message for problem in parsed.problems)


def test_events_after_the_window_are_left_out_and_long_past_ones_dropped() -> None:
    today = date(2027, 3, 15)
    body = _all_day_feed(
        ("20900101", "20900105"), ("20200101", "20200105"), ("20270320", "20270322")
    )

    parsed = parse_feed(body, ZoneInfo("UTC"), today=today)

    assert [(event.start, event.end) for event in parsed.events] == [
        (date(2027, 3, 20), date(2027, 3, 22))
    ]
    assert [problem.uid for problem in parsed.problems] == ["e0@x"]


def test_a_feed_keeps_at_most_max_events_the_earliest() -> None:
    first = date(2027, 4, 1)
    spans = [
        (
            (first + timedelta(days=i % 600)).strftime("%Y%m%d"),
            (first + timedelta(days=i % 600 + 1)).strftime("%Y%m%d"),
        )
        for i in range(MAX_EVENTS + 5)
    ]

    parsed = parse_feed(_all_day_feed(*spans), ZoneInfo("UTC"), today=date(2027, 3, 15))

    assert len(parsed.events) == MAX_EVENTS
    assert max(event.start for event in parsed.events) <= first + timedelta(days=599)
    assert any("only the first" in problem.message for problem in parsed.problems)


def test_without_today_an_event_is_cut_to_max_event_nights() -> None:
    parsed = parse_feed(_all_day_feed(("20270401", "99991231")), ZoneInfo("UTC"))

    [event] = parsed.events
    assert event.nights == MAX_EVENT_NIGHTS
