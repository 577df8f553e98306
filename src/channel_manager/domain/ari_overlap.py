"""Which later ARI request overrides an earlier one: what a replay must not undo.

ARI values are absolute, so sending an old request again after a newer one for the same room,
rate plan, days and fields was delivered would put the old values back on the channel. A
request overrides another when both name the same hotel, room type and rate plan, their dates
meet, and (for availability) they set at least one field in common.
"""

from __future__ import annotations

from channel_manager.domain.ari_requests import AVAIL_FIELDS, AriRequest, AvailRange, RateRange


def _fields(item: AvailRange | RateRange) -> frozenset[str]:
    if isinstance(item, RateRange):
        return frozenset({"amount"})
    return frozenset(name for name in AVAIL_FIELDS if getattr(item, name) is not None)


def _meet(newer: AvailRange | RateRange, older: AvailRange | RateRange) -> bool:
    return (
        newer.room_type_code == older.room_type_code
        and newer.rate_plan_code == older.rate_plan_code
        and newer.start <= older.end
        and older.start <= newer.end
        and bool(_fields(newer) & _fields(older))
    )


def overrides(newer: AriRequest, older: AriRequest) -> bool:
    """Does ``newer`` set a value for a room, rate plan and day that ``older`` also sets?"""
    if type(newer) is not type(older) or newer.hotel_code != older.hotel_code:
        return False
    if newer.month != older.month:
        return False  # one calendar month per request: different months never meet
    newer_items: tuple[AvailRange | RateRange, ...] = newer.items
    older_items: tuple[AvailRange | RateRange, ...] = older.items
    return any(_meet(n, o) for n in newer_items for o in older_items)
