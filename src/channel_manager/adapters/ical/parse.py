"""An iCalendar body as feed events in the property's local dates.

The ``icalendar`` library reads RFC 5545 (folded lines, escapes, ``TZID`` and ``VTIMEZONE``);
this module decides what each ``VEVENT`` means for a rental calendar:

- Dates. An all-day event (``VALUE=DATE``) is taken as is: ``DTSTART`` the first night,
  ``DTEND`` the check-out day. A timed event (UTC, ``TZID`` or floating, which is read as the
  property's local time) covers the local dates from its start's to its end's: the local date
  ``DTEND`` falls on is the check-out day (an event ending at midnight or later that day checks
  out that day), and an event within one day still covers one night. Without ``DTEND``:
  ``DURATION``, else one night. ``end_is_last_night`` (a per-calendar option for senders that
  mean the last night by ``DTEND``) moves every end one day later.
- Recurring events (``RRULE``, rare in rental feeds) are expanded from ``today`` for
  :data:`RECURRENCE_HORIZON`, at most :data:`MAX_OCCURRENCES` times, each occurrence under
  ``<UID>/<its first night>``; a problem notes the expansion.
- ``STATUS:CANCELLED`` events are dropped: a cancelled stay is no stay.
- A broken event (no ``DTSTART``, an end before its start, a value that cannot be read) is
  skipped and reported as a :class:`~channel_manager.domain.feed.FeedProblem`; so is a second
  event under a UID already seen (the first is kept). The rest of the feed is kept.
- Bounds, so no feed can write millions of nights: events are cut to a window of whole
  months from a year before ``today`` to :data:`RECURRENCE_HORIZON` after it (an event "until
  9999" is kept up to the window's end, and its cut end moves only once a month), events
  wholly after it are left out (reported) and long past ones dropped quietly, and a feed
  keeps at most :data:`MAX_EVENTS` events (the earliest); each change is reported as a
  problem.
- A body that is not an iCalendar at all raises ``PermanentChannelError``: an HTML login page
  or an error text must never read as an empty calendar.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from dateutil.rrule import rrule, rruleset, rrulestr  # type: ignore[import-untyped]
from icalendar import Calendar, Component, Event

from channel_manager.adapters.ical.classify import Classified, classify
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.domain.feed import FeedEvent, FeedProblem

#: How far ahead a recurring event is expanded.
RECURRENCE_HORIZON = timedelta(days=731)
#: The most occurrences one recurring event yields.
MAX_OCCURRENCES = 500
#: The most events one feed yields (a real rental calendar has a few hundred at most).
MAX_EVENTS = 2_000
#: Without a ``today``, the most nights one event covers.
MAX_EVENT_NIGHTS = 1_100
#: The most occurrences looked at (past ones included) before giving up on a rule.
_MAX_STEPS = 20_000
_TOO_FREQUENT = {"SECONDLY", "MINUTELY", "HOURLY"}


@attrs.frozen(kw_only=True)
class ParsedFeed:
    """The events of a feed, what was skipped or guessed, and its ``PRODID``."""

    events: tuple[FeedEvent, ...]
    problems: tuple[FeedProblem, ...] = ()
    producer: str | None = None


class _BrokenEventError(Exception):
    """An event that cannot be turned into a feed event (the message says why)."""


def _calendar(body: bytes) -> Component:
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.upper().startswith("BEGIN:VCALENDAR"):
        raise PermanentChannelError(
            "not_calendar", "not an iCalendar feed (the body does not start with BEGIN:VCALENDAR)"
        )
    try:
        calendar = Calendar.from_ical(text)
    except ValueError as error:
        raise PermanentChannelError(
            "not_calendar", f"not an iCalendar feed ({type(error).__name__})"
        ) from None
    if calendar.name != "VCALENDAR":
        raise PermanentChannelError("not_calendar", "not an iCalendar feed (no VCALENDAR)")
    return calendar


def _value(event: Component, name: str) -> Any:
    prop = event.get(name)
    if prop is None:
        return None
    if isinstance(prop, list):  # a property given twice: the first counts
        prop = prop[0]
    try:
        return prop.dt
    except (ValueError, TypeError, AttributeError) as error:  # icalendar keeps them as vBroken
        raise _BrokenEventError(f"{name} cannot be read") from error


def _local(moment: date, zone: ZoneInfo) -> date:
    """The local date of ``moment`` (a floating time is local already)."""
    if isinstance(moment, datetime):
        return moment.astimezone(zone).date() if moment.tzinfo else moment.date()
    return moment


def _span(
    event: Component, zone: ZoneInfo, *, end_is_last_night: bool
) -> tuple[date | datetime, date, date]:
    """The raw ``DTSTART`` and the first night and check-out day of ``event``."""
    start = _value(event, "DTSTART")
    if start is None:
        raise _BrokenEventError("the event has no DTSTART")
    if not isinstance(start, date):
        raise _BrokenEventError("DTSTART is not a date or a time of day")
    end = _value(event, "DTEND")
    if end is None:
        duration = _value(event, "DURATION")
        if isinstance(duration, timedelta):
            if duration < timedelta(0):
                raise _BrokenEventError("the event has a negative DURATION")
            end = start + (duration if isinstance(start, datetime) else timedelta(duration.days))
    if end is not None and not isinstance(end, date):
        raise _BrokenEventError("DTEND cannot be read")
    first = _local(start, zone)
    if end is None:
        last = first + timedelta(days=1)
    else:
        if _is_before(end, start):
            raise _BrokenEventError("the event ends before it starts")
        last = _local(end, zone)
        if last < first:
            raise _BrokenEventError("the event ends before it starts")
    if end_is_last_night:
        last += timedelta(days=1)
    return start, first, max(last, first + timedelta(days=1))


def _is_before(end: date, start: date) -> bool:
    if isinstance(end, datetime) and isinstance(start, datetime):
        if (end.tzinfo is None) != (start.tzinfo is None):
            return end.replace(tzinfo=None) < start.replace(tzinfo=None)
        return end < start
    return _plain(end) < _plain(start)


def _plain(moment: date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _text(event: Component, name: str) -> str:
    value = event.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip() if value is not None else ""


@attrs.frozen(kw_only=True)
class _Template:
    """What every occurrence of one VEVENT shares."""

    summary: str
    details: Classified
    nights: int

    def at(self, uid: str | None, night: date) -> FeedEvent:
        return FeedEvent(
            uid=uid,
            start=night,
            end=night + timedelta(days=self.nights),
            kind=self.details.kind,
            summary=self.summary,
            confirmation_code=self.details.confirmation_code,
            phone_last_digits=self.details.phone_last_digits,
            guest_name=self.details.guest_name,
        )


def _occurrence_uid(uid: str | None, night: date) -> str | None:
    return f"{uid}/{night.isoformat()}" if uid else None


class _FeedParser:
    """Collects the events and problems of one feed, VEVENT by VEVENT."""

    def __init__(
        self, zone: ZoneInfo, producer: str | None, *, end_is_last_night: bool, today: date | None
    ) -> None:
        self.zone = zone
        self.producer = producer
        self.end_is_last_night = end_is_last_night
        self.today = today
        self.events: list[FeedEvent] = []
        self.problems: list[FeedProblem] = []
        self.seen: set[str] = set()
        #: UID -> original first nights of occurrences given as their own VEVENT.
        self.overridden: dict[str, set[date]] = {}

    def problem(self, message: str, uid: str | None) -> None:
        self.problems.append(FeedProblem(message=message, uid=uid))

    def add(self, event: Event) -> None:
        uid = _text(event, "UID") or None
        summary = _text(event, "SUMMARY")
        label = f"event {summary!r}" if summary else "an event"
        if _text(event, "STATUS").upper() == "CANCELLED":
            return
        try:
            start, first, last = _span(event, self.zone, end_is_last_night=self.end_is_last_night)
            recurrence_id = _value(event, "RECURRENCE-ID")
        except _BrokenEventError as error:
            self.problem(f"{label} skipped: {error}", uid)
            return
        template = _Template(
            summary=summary,
            details=classify(summary, _text(event, "DESCRIPTION"), uid=uid, producer=self.producer),
            nights=(last - first).days,
        )
        if isinstance(recurrence_id, date):  # one changed occurrence of a recurring event
            original = _local(recurrence_id, self.zone)
            self.events.append(template.at(_occurrence_uid(uid, original), first))
            return
        if uid is not None and uid in self.seen:
            self.problem(f"{label} skipped: its UID appears twice (the first is kept)", uid)
            return
        if uid is not None:
            self.seen.add(uid)
        if event.get("RRULE") is None:
            self.events.append(template.at(uid, first))
            return
        self._expand(event, start, first, template, uid, label)

    def _expand(
        self,
        event: Event,
        start: date,
        first: date,
        template: _Template,
        uid: str | None,
        label: str,
    ) -> None:
        try:
            occurrences = _occurrences(event, start)
        except (ValueError, TypeError, _BrokenEventError) as error:
            self.problem(
                f"{label}: its repeat rule cannot be used ({error}); only its first "
                "occurrence is kept",
                uid,
            )
            self.events.append(template.at(uid, first))
            return
        anchor = self.today or first
        until = anchor + RECURRENCE_HORIZON
        skip = self.overridden.get(uid or "", set())
        kept = 0
        for step, occurrence in enumerate(occurrences):
            night = _local(occurrence, self.zone)
            if night >= until or step >= _MAX_STEPS or kept >= MAX_OCCURRENCES:
                break
            if night in skip or night + timedelta(days=template.nights) <= anchor:
                continue
            self.events.append(template.at(_occurrence_uid(uid, night), night))
            kept += 1
        self.problem(
            f"{label} repeats: expanded to {kept} occurrences before {until.isoformat()} "
            f"(at most {MAX_OCCURRENCES})",
            uid,
        )


def _as_datetime(moment: date) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time())


def _occurrences(event: Event, start: date) -> Iterator[datetime]:
    begin = _as_datetime(start)
    rules = rruleset()
    for rule in event.rrules:
        if str(rule.get("FREQ", [""])[0]).upper() in _TOO_FREQUENT:
            raise _BrokenEventError("it repeats more often than daily")
        parsed: rrule = rrulestr(rule.to_ical().decode(), dtstart=begin, ignoretz=False)
        rules.rrule(parsed)
    for excluded in event.exdates:
        rules.exdate(_as_datetime(excluded))
    for added, _period in event.rdates:
        rules.rdate(_as_datetime(added))
    iterator: Iterator[datetime] = iter(rules)
    return iterator


def parse_feed(
    body: bytes,
    zone: ZoneInfo,
    *,
    end_is_last_night: bool = False,
    today: date | None = None,
) -> ParsedFeed:
    """The events of ``body`` in ``zone``'s local dates (see the module docstring).

    ``today`` (the property's local date) bounds the expansion of recurring events: their
    occurrences that ended before it are left out; without it they are expanded from their
    first occurrence.
    """
    calendar = _calendar(body)
    producer = _text(calendar, "PRODID") or None
    parser = _FeedParser(zone, producer, end_is_last_night=end_is_last_night, today=today)
    vevents = [component for component in calendar.subcomponents if isinstance(component, Event)]
    for vevent in vevents:
        uid = _text(vevent, "UID")
        try:
            recurrence_id = _value(vevent, "RECURRENCE-ID")
        except _BrokenEventError:
            continue
        if uid and isinstance(recurrence_id, date):
            parser.overridden.setdefault(uid, set()).add(_local(recurrence_id, zone))
    for vevent in vevents:
        parser.add(vevent)
    events, problems = _bounded(parser.events, today)
    return ParsedFeed(events=events, problems=(*parser.problems, *problems), producer=producer)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _window(today: date) -> tuple[date, date]:
    """The nights a feed may cover: whole months from a year before ``today`` to the month
    after :data:`RECURRENCE_HORIZON` (stable within a month, so a cut end moves monthly)."""
    lower = _month_start(today - timedelta(days=366))
    upper = _month_start(today + RECURRENCE_HORIZON + timedelta(days=31))
    return lower, upper


def _bounded(
    events: list[FeedEvent], today: date | None
) -> tuple[tuple[FeedEvent, ...], tuple[FeedProblem, ...]]:
    """``events`` cut to the window (or to :data:`MAX_EVENT_NIGHTS` without a ``today``) and
    to :data:`MAX_EVENTS`, with a problem for each change."""
    kept: list[FeedEvent] = []
    problems: list[FeedProblem] = []
    for event in events:
        if today is None:
            lower, upper = event.start, event.start + timedelta(days=MAX_EVENT_NIGHTS)
        else:
            lower, upper = _window(today)
        if event.end <= lower:
            continue  # long past: it changes nothing any more (senders drop them in time)
        if event.start >= upper:
            problems.append(
                FeedProblem(
                    message=f"an event from {event.start} to {event.end} is outside"
                    f" {lower}..{upper} and was left out",
                    uid=event.uid,
                )
            )
            continue
        start, end = max(event.start, lower), min(event.end, upper)
        if (start, end) != (event.start, event.end):
            problems.append(
                FeedProblem(
                    message=f"an event from {event.start} to {event.end} was cut to {start}..{end}",
                    uid=event.uid,
                )
            )
            kept.append(attrs.evolve(event, start=start, end=end))
        else:
            kept.append(event)
    if len(kept) > MAX_EVENTS:
        kept.sort(key=lambda event: (event.start, event.end, event.uid or ""))
        problems.append(
            FeedProblem(
                message=f"the feed has {len(kept):,} events; only the first {MAX_EVENTS:,}"
                " (by date) were kept"
            )
        )
        kept = kept[:MAX_EVENTS]
    return tuple(kept), tuple(problems)
