"""The dispatcher within channels' request budgets (issue 18): a connection out of budget
waits (nothing failed, no attempt spent), the others are served, and a flood on one
connection delays another's first message by one round at most. Time is the movable clock's."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

import pytest

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.application.outbound import PER_CONNECTION, OutboundDispatcher
from channel_manager.domain.ari import AvailRequest, RateRequest
from channel_manager.domain.channel import PushOutcome
from channel_manager.domain.connection import Connection
from channel_manager.domain.request_budget import BudgetScope, RequestBudget
from channel_manager.domain.retry import RetryPolicy
from channel_manager.domain.sync import OutboundMessage, OutboundState
from tests.contract.repositories.repository_builders import at, availability_message, seed
from tests.support.clock import MovableClock
from tests.support.database import fresh_engine


class RecordingPublisher:
    """Accepts every push and notes which message (by hotel code key) went out."""

    def __init__(self, sent: list[tuple[UUID, AvailRequest | RateRequest]], connection_id: UUID):
        self._sent = sent
        self._connection_id = connection_id

    async def push_availability(self, request: AvailRequest) -> PushOutcome:
        self._sent.append((self._connection_id, request))
        return PushOutcome(success=True, ruid="ok")

    async def push_rates(self, request: RateRequest) -> PushOutcome:
        self._sent.append((self._connection_id, request))
        return PushOutcome(success=True, ruid="ok")

    async def aclose(self) -> None:
        return None


class RecordingPublishers:
    def __init__(self) -> None:
        self.sent: list[tuple[UUID, AvailRequest | RateRequest]] = []

    def for_connection(self, connection: Connection) -> RecordingPublisher:
        return RecordingPublisher(self.sent, connection.id)


class FixedBudgets:
    def __init__(self, *budgets: RequestBudget) -> None:
        self._budgets = budgets

    def request_budgets(self, connection: Connection) -> Sequence[RequestBudget]:
        del connection
        return self._budgets


@pytest.fixture
def uow_factory() -> SqlAlchemyUnitOfWorkFactory:
    return SqlAlchemyUnitOfWorkFactory(fresh_engine(), clock=MovableClock(at(100)))


def _dispatcher(uow_factory, clock, *budgets: RequestBudget):
    publishers = RecordingPublishers()
    dispatcher = OutboundDispatcher(
        uow_factory,
        publishers,
        clock,
        RetryPolicy(),
        random.Random(1),
        budgets=FixedBudgets(*budgets) if budgets else None,
    )
    return dispatcher, publishers


def _queue(uow_factory, connection_id: UUID, count: int, *, first_minute: int = 0, key="H"):
    """``count`` messages of one connection, each on a hotel of its own (no per-hotel order
    between them), created a minute apart."""
    messages = [
        availability_message(
            connection_id, ordering_key=f"{key}{n}", created_minute=first_minute + n
        )
        for n in range(count)
    ]
    with uow_factory() as uow:
        for message in messages:
            uow.outbound.add(message)
        uow.commit()
    return messages


def _states(uow_factory, messages: list[OutboundMessage]) -> list[tuple[OutboundState, int]]:
    with uow_factory() as uow:
        return [
            (current.state, current.attempts)
            for current in (uow.outbound.get(m.id) for m in messages)
        ]


async def test_a_connection_sends_no_more_than_its_budget_and_the_rest_waits(uow_factory):
    clock = MovableClock(at(100))
    seeded = seed(uow_factory, active=True)
    messages = _queue(uow_factory, seeded.connection.id, 5)
    dispatcher, publishers = _dispatcher(
        uow_factory, clock, RequestBudget(2, timedelta(seconds=10))
    )

    assert await dispatcher.dispatch_due("w1") == 2
    assert len(publishers.sent) == 2
    # Waiting, not failed, and no attempt spent on them.
    assert _states(uow_factory, messages)[2:] == [(OutboundState.PENDING, 0)] * 3
    assert await dispatcher.dispatch_due("w1") == 0  # still out of budget: nothing claimed

    clock.advance(timedelta(seconds=5))  # half the interval: one request refilled
    assert await dispatcher.dispatch_due("w1") == 1
    clock.advance(timedelta(seconds=10))
    assert await dispatcher.dispatch_due("w1") == 2
    assert _states(uow_factory, messages) == [(OutboundState.DELIVERED, 1)] * 5


async def test_a_flooded_connection_delays_a_quiet_ones_first_message_by_one_round_at_most(
    uow_factory,
):
    clock = MovableClock(at(100))
    flooded = seed(uow_factory, active=True)
    quiet = seed(uow_factory, active=True)
    flood = _queue(uow_factory, flooded.connection.id, 30)
    [first] = _queue(uow_factory, quiet.connection.id, 1, first_minute=40, key="Q")
    dispatcher, publishers = _dispatcher(uow_factory, clock)

    # One round claims at most PER_CONNECTION messages of each connection: the quiet one
    # goes out in it, although thirty older messages of the flood were due before it.
    assert await dispatcher.dispatch_due("w1", limit=PER_CONNECTION + 1) == PER_CONNECTION + 1
    assert [connection for connection, _ in publishers.sent] == [
        *[flooded.connection.id] * PER_CONNECTION,
        quiet.connection.id,
    ]
    assert _states(uow_factory, [first]) == [(OutboundState.DELIVERED, 1)]
    assert _states(uow_factory, flood[PER_CONNECTION:]) == [(OutboundState.PENDING, 0)] * (
        30 - PER_CONNECTION
    )


async def test_a_connection_out_of_budget_does_not_hold_up_the_others(uow_factory):
    clock = MovableClock(at(100))
    flooded = seed(uow_factory, active=True)
    quiet = seed(uow_factory, active=True)
    _queue(uow_factory, flooded.connection.id, 10)
    dispatcher, publishers = _dispatcher(uow_factory, clock, RequestBudget(3, timedelta(minutes=1)))
    assert await dispatcher.dispatch_due("w1") == 3  # the flood spends its budget
    [late] = _queue(uow_factory, quiet.connection.id, 1, first_minute=50, key="Q")

    assert await dispatcher.dispatch_due("w1") == 1
    assert publishers.sent[-1][0] == quiet.connection.id
    assert _states(uow_factory, [late]) == [(OutboundState.DELIVERED, 1)]


async def test_an_account_budget_is_shared_by_every_connection_of_the_channel(uow_factory):
    clock = MovableClock(at(100))
    first = seed(uow_factory, active=True)
    second = seed(uow_factory, active=True)
    mine = _queue(uow_factory, first.connection.id, 2)
    theirs = _queue(uow_factory, second.connection.id, 2, first_minute=10, key="T")
    dispatcher, publishers = _dispatcher(
        uow_factory, clock, RequestBudget(1, timedelta(minutes=1), BudgetScope.ACCOUNT)
    )

    await dispatcher.dispatch_due("w1")
    assert len(publishers.sent) == 1
    # Claimed in the same round and put back unsent: pending, due, its attempt refunded.
    assert _states(uow_factory, [mine[1], *theirs]) == [(OutboundState.PENDING, 0)] * 3

    clock.advance(timedelta(minutes=1))
    await dispatcher.dispatch_due("w1")
    assert len(publishers.sent) == 2
