"""Our export feed: busy ranges as an RFC 5545 calendar, written by the ``icalendar`` library.

Each range is one all-day event (``DTSTART;VALUE=DATE`` the first night, ``DTEND;VALUE=DATE`` the
check-out day) under the range's stable UID. The body depends only on the
:class:`~channel_manager.domain.feed.ExportCalendar` given (events in date order, ``DTSTAMP``
the calendar's stamp), so the same calendar gives the same bytes and an ``ETag`` over them
stays the same until something changes. The type carries no guest data, so none can leak.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vText

from channel_manager.domain.feed import ExportCalendar

#: Our ``PRODID``.
PRODUCER = "-//channel-manager//Calendar export//EN"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class IcalFeedWriter:
    """Renders an :class:`~channel_manager.domain.feed.ExportCalendar` as ``text/calendar``."""

    @property
    def media_type(self) -> str:
        """The Content-Type of what :meth:`render` returns."""
        return "text/calendar; charset=utf-8"

    def render(self, calendar: ExportCalendar) -> bytes:
        """``calendar`` as a VCALENDAR with one VEVENT per busy range."""
        body = Calendar()
        body.add("VERSION", "2.0")
        body.add("PRODID", PRODUCER)
        body.add("CALSCALE", "GREGORIAN")
        body.add("METHOD", "PUBLISH")
        body.add("X-WR-CALNAME", vText(calendar.name))
        stamp = _utc(calendar.stamp)
        for busy in sorted(calendar.ranges, key=lambda busy: (busy.start, busy.end, busy.uid)):
            event = Event()
            event.add("UID", busy.uid)
            event.add("DTSTAMP", stamp)
            event.add("DTSTART", busy.start)
            event.add("DTEND", busy.end)
            event.add("SUMMARY", busy.summary)
            event.add("TRANSP", "OPAQUE")
            body.add_component(event)
        return body.to_ical()
