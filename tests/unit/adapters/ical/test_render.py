"""IcalFeedWriter: a valid, reproducible export; our export read back by our import."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar, Event

from channel_manager.adapters.ical.parse import parse_feed
from channel_manager.adapters.ical.render import IcalFeedWriter
from channel_manager.domain.feed import BusyRange, ExportCalendar, FeedEvent, FeedEventKind

STAMP = datetime(2027, 1, 15, 9, 30, tzinfo=UTC)
ZONES = st.sampled_from(
    [ZoneInfo("Europe/Amsterdam"), ZoneInfo("America/New_York"), ZoneInfo("Pacific/Auckland")]
)
#: Our export's UIDs are plain ASCII (BusyRange refuses anything else).
UIDS = st.from_regex(r"[A-Za-z0-9@._:+=-]{1,60}", fullmatch=True)
#: Other senders' UIDs and guest names: any printable text.
TEXTS = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def busy_ranges(draw: st.DrawFn) -> tuple[BusyRange, ...]:
    uids = draw(st.lists(UIDS, unique=True, max_size=8))
    ranges = []
    for uid in uids:
        start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)))
        nights = draw(st.integers(min_value=1, max_value=400))
        ranges.append(BusyRange(uid=uid, start=start, end=start + timedelta(days=nights)))
    return tuple(ranges)


def test_render_writes_one_all_day_event_per_range_with_our_producer() -> None:
    calendar = ExportCalendar(
        name="Seaside flat, upstairs; Amsterdam",
        stamp=datetime(2027, 1, 15, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        ranges=(
            BusyRange(uid="b@cm", start=date(2027, 3, 1), end=date(2027, 3, 4)),
            BusyRange(uid="a@cm", start=date(2027, 2, 1), end=date(2027, 2, 2), summary="Closed"),
        ),
    )

    body = IcalFeedWriter().render(calendar)

    text = body.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert "PRODID:-//channel-manager//Calendar export//EN\r\n" in text
    assert "CALSCALE:GREGORIAN\r\n" in text
    assert "X-WR-CALNAME:Seaside flat\\, upstairs\\; Amsterdam\r\n" in text
    assert text.count("BEGIN:VEVENT") == 2
    # In date order, the stamp in UTC, dates as dates.
    assert text.index("UID:a@cm") < text.index("UID:b@cm")
    assert text.count("DTSTAMP:20270115T093000Z\r\n") == 2
    assert "DTSTART;VALUE=DATE:20270301\r\nDTEND;VALUE=DATE:20270304\r\n" in text
    parsed = Calendar.from_ical(body)
    first = parsed.walk("VEVENT")[0]
    assert isinstance(first, Event)
    assert (first.start, first.end, str(first["SUMMARY"])) == (
        date(2027, 2, 1),
        date(2027, 2, 2),
        "Closed",
    )


def test_the_media_type_is_text_calendar() -> None:
    assert IcalFeedWriter().media_type == "text/calendar; charset=utf-8"


def test_an_empty_export_is_a_valid_calendar() -> None:
    body = IcalFeedWriter().render(ExportCalendar(name="x", ranges=(), stamp=STAMP))

    assert parse_feed(body, ZoneInfo("UTC")).events == ()


@given(ranges=busy_ranges(), zone=ZONES)
def test_our_export_reads_back_as_the_same_ranges(
    ranges: tuple[BusyRange, ...], zone: ZoneInfo
) -> None:
    writer = IcalFeedWriter()
    calendar = ExportCalendar(name="Unit 1", ranges=ranges, stamp=STAMP)

    body = writer.render(calendar)
    parsed = parse_feed(body, zone)

    assert parsed.problems == ()
    assert parsed.producer == "-//channel-manager//Calendar export//EN"
    assert sorted((event.uid, event.start, event.end) for event in parsed.events) == sorted(
        (busy.uid, busy.start, busy.end) for busy in ranges
    )
    assert {event.kind for event in parsed.events} <= {FeedEventKind.BLOCK}
    # Reproducible: the same calendar, in any order, gives the same bytes.
    reordered = ExportCalendar(name="Unit 1", ranges=tuple(reversed(ranges)), stamp=STAMP)
    assert writer.render(reordered) == body


@st.composite
def feed_events(draw: st.DrawFn) -> tuple[FeedEvent, ...]:
    uids = draw(st.lists(TEXTS, unique=True, max_size=6))
    events = []
    for uid in uids:
        start = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)))
        nights = draw(st.integers(min_value=1, max_value=60))
        kind = draw(st.sampled_from(FeedEventKind))
        guest = draw(st.none() | TEXTS.filter(lambda name: name[0].isalnum()))
        if kind is FeedEventKind.STAY:
            summary = f"Reserved - {guest}" if guest else "Reserved"
        else:
            summary = draw(st.sampled_from(["Blocked", "Not available", "Owner stay"]))
        events.append(
            FeedEvent(
                uid=uid,
                start=start,
                end=start + timedelta(days=nights),
                kind=kind,
                summary=summary,
                guest_name=guest if kind is FeedEventKind.STAY else None,
            )
        )
    return tuple(events)


@given(events=feed_events(), zone=ZONES, timed=st.booleans())
def test_events_written_by_icalendar_read_back_the_same(
    events: tuple[FeedEvent, ...], zone: ZoneInfo, timed: bool
) -> None:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", "-//Some rental tool//EN")
    for event in events:
        vevent = Event()
        vevent.add("UID", event.uid)
        vevent.add("SUMMARY", event.summary)
        if timed:  # check-in 15:00 and check-out 11:00 local, written in UTC
            vevent.add("DTSTART", datetime.combine(event.start, time(15), zone).astimezone(UTC))
            vevent.add("DTEND", datetime.combine(event.end, time(11), zone).astimezone(UTC))
        else:
            vevent.add("DTSTART", event.start)
            vevent.add("DTEND", event.end)
        calendar.add_component(vevent)

    parsed = parse_feed(calendar.to_ical(), zone)

    assert parsed.problems == ()
    assert parsed.events == events


@pytest.mark.parametrize("uid", ["", "a\\Nb", "two words", "ü@cm", "x" * 256])
def test_a_busy_range_refuses_a_uid_a_writer_could_alter(uid: str) -> None:
    with pytest.raises(ValueError):
        BusyRange(uid=uid, start=date(2027, 3, 1), end=date(2027, 3, 2))
