"""ARI in one import: values, change sets and the message payloads."""

from channel_manager.domain.ari_calendar import (
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    DayValues,
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
    "AriChangeSet",
    "AriChangeSetBuilder",
    "AriKey",
    "AriRequest",
    "AvailRange",
    "AvailRequest",
    "DayValues",
    "RateRange",
    "RateRequest",
    "dates_between",
]
