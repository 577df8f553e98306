"""ARI in one import: values, change sets, the calendar and the compression policy."""

from channel_manager.domain.ari_calendar import (
    MAX_BOOKING_LIMIT,
    UNLIMITED_BOOKING_LIMIT,
    AriCalendar,
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    DayValues,
    Restrictions,
    booking_limit,
    dates_between,
)
from channel_manager.domain.ari_compression import (
    AriRequest,
    AvailRange,
    AvailRequest,
    RateRange,
    RateRequest,
    compress,
    expand,
)

__all__ = [
    "MAX_BOOKING_LIMIT",
    "UNLIMITED_BOOKING_LIMIT",
    "AriCalendar",
    "AriChangeSet",
    "AriChangeSetBuilder",
    "AriKey",
    "AriRequest",
    "AvailRange",
    "AvailRequest",
    "DayValues",
    "RateRange",
    "RateRequest",
    "Restrictions",
    "booking_limit",
    "compress",
    "dates_between",
    "expand",
]
