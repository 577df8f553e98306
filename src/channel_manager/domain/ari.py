"""ARI in one import: values, change sets, the calendar and the message payloads."""

from channel_manager.domain.ari_calendar import (
    AriCalendar,
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    DayValues,
    Restrictions,
    dates_between,
)
from channel_manager.domain.ari_requests import (
    AriRequest,
    AvailRange,
    AvailRequest,
    RateRange,
    RateRequest,
)

__all__ = [
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
    "dates_between",
]
