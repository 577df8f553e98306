"""The history pages' read models: where a queued push waits, and the newest of several
connections' lists."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import attrs
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.application.history_views import merge_newest, queue_places
from channel_manager.domain.ari import AvailRange, AvailRequest
from channel_manager.domain.sync import OutboundMessage, OutboundState, outbound_kind

NOW = datetime(2025, 4, 1, 9, tzinfo=UTC)
PAYLOAD = AvailRequest(
    hotel_code="H1",
    month=date(2025, 4, 1),
    items=(
        AvailRange(
            room_type_code="R1", start=date(2025, 4, 1), end=date(2025, 4, 2), booking_limit=1
        ),
    ),
)


def push(
    number: int,
    *,
    key: str = "c1:H1",
    seconds: int = 0,
    state: OutboundState = OutboundState.PENDING,
) -> OutboundMessage:
    return OutboundMessage(
        id=UUID(int=number),
        connection_id=UUID(int=1000),
        hotel_code="H1",
        kind=outbound_kind(PAYLOAD),
        payload=PAYLOAD,
        ordering_key=key,
        next_attempt_at=NOW,
        created_at=NOW + timedelta(seconds=seconds),
        state=state,
    )


def test_a_push_waits_for_the_oldest_open_push_of_its_hotel() -> None:
    delivered = push(1, seconds=0, state=OutboundState.DELIVERED)
    failed = push(2, seconds=1, state=OutboundState.FAILED)
    head = push(3, seconds=2, state=OutboundState.IN_FLIGHT)
    second, third = push(4, seconds=3), push(5, seconds=4)
    other_hotel = push(6, key="c1:H2", seconds=0)

    places = queue_places([third, other_hotel, second, head, failed, delivered])

    # Delivered and failed pushes hold nothing back (the worker's rule); the head and the
    # other hotel's push wait for nothing.
    assert set(places) == {second.id, third.id}
    assert (places[second.id].head, places[second.id].ahead) == (head, 1)
    assert (places[third.id].head, places[third.id].ahead) == (head, 2)


def test_pushes_queued_at_the_same_instant_go_by_id() -> None:
    low, high = push(7), push(9)

    places = queue_places([high, low])

    assert list(places) == [high.id]
    assert places[high.id].head == low


@given(
    st.lists(st.lists(st.integers(min_value=0, max_value=50), max_size=8), max_size=5),
    st.integers(min_value=0, max_value=20),
)
def test_merge_newest_is_the_newest_of_everything(lists: list[list[int]], limit: int) -> None:
    stamped = [
        sorted(
            (
                attrs.evolve(push(100 * n + i), created_at=NOW + timedelta(seconds=s))
                for i, s in enumerate(seconds)
            ),
            key=lambda m: m.created_at,
            reverse=True,
        )
        for n, seconds in enumerate(lists)
    ]

    merged = merge_newest(stamped, lambda m: m.created_at, limit)

    everything = sorted((m.created_at for one in stamped for m in one), reverse=True)
    assert [m.created_at for m in merged] == everything[:limit]
