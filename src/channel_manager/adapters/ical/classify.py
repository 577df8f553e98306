"""What a feed event stands for, read from its text: a stay or a block, and the few details
the senders put in (Airbnb's confirmation code and phone digits, Vrbo's guest name).

The senders' conventions (docs: CHANNELS.md, "iCal channel"):

- Airbnb (``PRODID:-//Airbnb Inc//Hosting Calendar ...`` or ``UID:...@airbnb.com``):
  ``Reserved`` is a stay whose ``DESCRIPTION`` holds the reservation URL (last path segment:
  the confirmation code, ``HM...``) and ``Phone Number (Last 4 Digits): 1234``;
  ``Airbnb (Not available)`` and anything else is a block.
- Vrbo (``PRODID:-//HomeAway.com, Inc.//EN``): ``Reserved - <guest name>`` is a stay,
  ``Blocked`` a block. Tentative inquiries (``Tentative - <name>``, or ``STATUS:TENTATIVE`` on
  a ``Reserved`` event) are kept as stays: the dates are held for the guest, and selling them
  elsewhere is the double booking the feed is there to prevent.
- Booking.com: ``CLOSED - Not available`` is a block.
- Anyone else (Google Calendar, other tools): a summary starting with ``Reserved``, ``Booked``
  or ``Booking`` is a stay; every other summary is a block (unknown means "not available").
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import attrs

from channel_manager.domain.feed import FeedEventKind

_STAY = re.compile(r"^\s*(reserved|booked|booking|tentative)\b(?!\.)", re.IGNORECASE)
_GUEST = re.compile(r"^\s*(?:reserved|tentative)\s*[-\u2013\u2014:]\s*(?P<name>.+?)\s*$", re.I)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_CODE = re.compile(r"^[A-Za-z0-9]{4,40}$")
_PHONE = re.compile(r"Phone Number \(Last 4 Digits\)\s*:\s*(?P<digits>\d+)", re.IGNORECASE)


@attrs.frozen(kw_only=True)
class Classified:
    """The kind of an event and the details its text gave."""

    kind: FeedEventKind
    confirmation_code: str | None = None
    phone_last_digits: str | None = None
    guest_name: str | None = None


def is_airbnb(producer: str | None, uid: str | None) -> bool:
    """True for an event of Airbnb's export."""
    return "airbnb" in (producer or "").lower() or (uid or "").lower().endswith("@airbnb.com")


def _confirmation_code(description: str) -> str | None:
    urls: list[str] = _URL.findall(description)
    preferred = [url for url in urls if "reservation" in url.lower()] or urls
    for url in preferred:
        segments = [segment for segment in urlsplit(url).path.split("/") if segment]
        if segments and _CODE.match(segments[-1]):
            return segments[-1]
    return None


def _phone_last_digits(description: str) -> str | None:
    match = _PHONE.search(description)
    # Only ever the last four digits: never keep a whole number, whatever the text held.
    return str(match["digits"])[-4:] if match else None


def classify(
    summary: str, description: str, *, uid: str | None, producer: str | None
) -> Classified:
    """The kind and details of an event with ``summary`` and ``description`` (unescaped)."""
    if is_airbnb(producer, uid):
        if summary.strip().lower().startswith("reserved"):
            return Classified(
                kind=FeedEventKind.STAY,
                confirmation_code=_confirmation_code(description),
                phone_last_digits=_phone_last_digits(description),
            )
        return Classified(kind=FeedEventKind.BLOCK)
    guest = _GUEST.match(summary)
    if guest:
        return Classified(kind=FeedEventKind.STAY, guest_name=guest["name"])
    if _STAY.match(summary):
        return Classified(kind=FeedEventKind.STAY)
    return Classified(kind=FeedEventKind.BLOCK)
