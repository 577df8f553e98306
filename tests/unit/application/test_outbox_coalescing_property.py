"""The outbox's coalescing, on the real repository (issue 18): whatever changes are queued
while messages are claimed, delivered or sent back to wait after a retryable failure, sending
the queue in its order leaves the channel as sending every change in order would. (Messages
given up for good are the R2 proof's: tests/proof/test_ari_delivery_under_faults.py.)"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from uuid import UUID

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from channel_manager.domain.ari import AriChangeSetBuilder, AriRequest, RateRange
from channel_manager.domain.money import Money
from channel_manager.domain.retry import RetryPolicy
from channel_manager.domain.sync import OutboundState
from tests.unit.application.test_outbox_coalescing import KEY, Outbox

RATE_KEY = type(KEY)("H1", "R1", "P1")
AVAIL_FIELDS = ("booking_limit", "min_los", "stop_sell")
Channel = dict[tuple[str, str | None, date, str], object]


def send(channel: Channel, request: AriRequest) -> None:
    for item in request.items:
        if isinstance(item, RateRange):
            fields: dict[str, object] = {"amount": item.amount}
        else:
            fields = {name: getattr(item, name) for name in AVAIL_FIELDS}
        for n in range((item.end - item.start).days + 1):
            for name, value in fields.items():
                if value is not None:
                    key = (
                        item.room_type_code,
                        item.rate_plan_code,
                        item.start + timedelta(n),
                        name,
                    )
                    channel[key] = value


# Mostly May (a change merges into the month's message), now and then June (a month of its own).
days = st.integers(min_value=0, max_value=34).map(lambda n: date(2027, 5, 1) + timedelta(n))
changes = st.tuples(
    days,
    st.integers(min_value=0, max_value=2),
    st.sampled_from(("availability", "availability", "min_los", "stop_sell", "rate")),
    st.integers(min_value=0, max_value=2),
)
operations = st.lists(
    st.one_of(
        changes.map(lambda change: ("change", change)),
        st.sampled_from(["claim", "deliver", "retry"]).map(lambda op: (op, None)),
    ),
    max_size=30,
)


MAY_3 = date(2027, 5, 3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
# Always tried: a change arriving while its month's message is in flight.
@example(
    [
        ("change", (MAY_3, 1, "availability", 1)),
        ("claim", None),
        ("change", (MAY_3, 0, "availability", 2)),
        ("deliver", None),
    ]
)
def test_sending_the_coalesced_queue_equals_sending_every_change_in_order(ops) -> None:
    outbox = Outbox()
    expected: Channel = {}
    channel: Channel = {}
    sending: dict[UUID, AriRequest] = {}
    for operation, change in ops:
        if operation == "change":
            start, length, field, value = change
            end = start + timedelta(days=length)
            builder = AriChangeSetBuilder()
            if field == "rate":
                builder.set(RATE_KEY, start, end, rate=Money.of(f"{80 + value}.00", "EUR"))
            elif field == "availability":
                builder.set(KEY, start, end, availability=value)
            elif field == "min_los":
                builder.set(KEY, start, end, min_los=value + 1)
            else:
                builder.set(KEY, start, end, stop_sell=bool(value))
            outbox.clock.advance(timedelta(seconds=1))
            with outbox.factory() as uow:
                for request in outbox.outbox.policy(outbox.connection).shape(builder.build()):
                    send(expected, request)  # what sending every change in order does
                outbox.outbox.queue(uow, outbox.connection, builder.build())
                uow.commit()
        else:
            _act(outbox, operation, channel, sending)
    # Drain: past every backoff, everything goes out in queue order.
    outbox.clock.advance(timedelta(days=1))
    while _act(outbox, "deliver", channel, sending) or _act(outbox, "claim", channel, sending):
        pass
    assert {m.state for m in outbox.queue()} <= {OutboundState.DELIVERED}
    assert channel == expected


def _act(outbox: Outbox, operation: str, channel: Channel, sending: dict[UUID, AriRequest]) -> bool:
    """One worker step on the real queue; True when something happened. ``sending``: what
    each claimed message carried when it was claimed (what a worker sends)."""
    now = outbox.clock.now()
    with outbox.factory() as uow:
        queue = list(reversed(uow.outbound.list(connection_id=outbox.connection.id)))
        flying = [m for m in queue if m.state is OutboundState.IN_FLIGHT]
        if operation == "claim":
            claimed = uow.outbound.claim_due(now, "w1", 1)
            sending.update((message.id, message.payload) for message in claimed)
            done = bool(claimed)
        elif operation == "deliver" and flying:
            send(channel, sending.pop(flying[0].id))
            uow.outbound.update(flying[0].delivered(now, "ok"))
            done = True
        elif operation == "retry" and flying and flying[0].attempts < 3:
            # A timeout: back to pending (unclaimed) after a backoff, merged into meanwhile.
            retried = flying[0].retry_later(now, "timeout", None, RetryPolicy(), Random(1))
            sending.pop(flying[0].id)
            uow.outbound.update(retried)
            done = True
        else:
            done = False
        uow.commit()
    return done
