"""The rates and availability form and its preview (the messages the channel would be sent).
The grid above it reads our calendar (``rates_grid``).
"""

from __future__ import annotations

import attrs

from channel_manager.application.ari import AriChangeInput
from channel_manager.domain.ari import AriChangeSet, AriRequest
from channel_manager.entrypoints.web.common import (
    FormData,
    FormError,
    day,
    required_text,
    text,
    tri_state,
    whole_number,
)
from channel_manager.ports.channel import PublishPolicy

#: The longest range one form submission may cover (Booking.com accepts two years ahead).
MAX_RANGE_DAYS = 731


def parse_change(form: FormData, hotel_code: str) -> AriChangeInput:
    """One change over a date range from the form; at least one value must be set."""
    start = day(form, "start", "Start date")
    end = day(form, "end", "End date")
    if end < start:
        raise FormError("End date must not be before the start date")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise FormError(f"A change may cover at most {MAX_RANGE_DAYS} days")
    change = AriChangeInput(
        hotel_code=hotel_code,
        room_type_code=required_text(form, "room_type_code", "Room type"),
        rate_plan_code=text(form, "rate_plan_code"),
        start=start,
        end=end,
        availability=whole_number(form, "availability", "Rooms to sell"),
        # Checked with the currency by ``AriService`` (``checked_rate``), where a push and
        # the REST API check it too: one path, one message.
        rate=text(form, "rate"),
        min_los=whole_number(form, "min_los", "Minimum stay", 1),
        max_los=whole_number(form, "max_los", "Maximum stay", 1),
        closed_to_arrival=tri_state(form, "closed_to_arrival"),
        closed_to_departure=tri_state(form, "closed_to_departure"),
        stop_sell=tri_state(form, "stop_sell"),
    )
    values = attrs.astuple(change)[5:]
    if all(value is None for value in values):
        raise FormError("Set at least one value: rooms to sell, rate or a restriction")
    if change.rate is not None and change.rate_plan_code is None:
        raise FormError("Choose the rate plan the rate is for")
    return change


@attrs.frozen
class PreviewMessage:
    """One OTA request that a push would send, with its XML body."""

    name: str
    request: AriRequest
    xml: str


def preview(change_set: AriChangeSet, policy: PublishPolicy) -> list[PreviewMessage]:
    """The requests the connection's channel ``policy`` makes of ``change_set`` (what a push
    would queue), each as the channel is sent it."""
    messages = []
    for request in policy.shape(change_set):
        name, body = policy.render(request)
        messages.append(PreviewMessage(name, request, body))
    return messages
