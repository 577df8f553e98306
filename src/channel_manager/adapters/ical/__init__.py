"""The iCal channel adapter: calendar feeds (Airbnb, Vrbo, Google Calendar ...) read and written.

- :mod:`.addresses` and :mod:`.fetch`: fetching a user-supplied feed URL without letting it
  reach loopback, private or link-local addresses (SSRF), conditionally, with limits.
- :mod:`.parse` and :mod:`.classify`: an RFC 5545 body (read by the ``icalendar`` library) as
  :class:`~channel_manager.domain.feed.FeedEvent` s in the property's local dates, each a stay
  or a block by the sender's conventions.
- :mod:`.reader`: :class:`~.reader.HttpFeedReader`, the ``FeedReader`` port (fetch + parse).
- :mod:`.render`: :class:`~.render.IcalFeedWriter`, the ``FeedWriter`` port (our export feed).
"""
