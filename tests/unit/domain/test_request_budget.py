"""Request budgets (issue 18): a token bucket on a clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channel_manager.adapters.booking.wiring import booking_request_budgets
from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.request_budget import BudgetScope, RequestBudget, TokenBucket

T0 = datetime(2027, 1, 1, tzinfo=UTC)


def test_a_full_bucket_allows_a_burst_of_the_budget_then_refills_over_the_interval() -> None:
    bucket = TokenBucket.full(RequestBudget(4, timedelta(seconds=2)), T0)
    assert [bucket.take(T0) for _ in range(5)] == [True, True, True, True, False]
    assert bucket.next_at(T0) == T0 + timedelta(milliseconds=500)
    assert not bucket.ready(T0 + timedelta(milliseconds=499))
    assert bucket.take(T0 + timedelta(milliseconds=500))
    # Refilled, but never beyond the budget.
    later = T0 + timedelta(hours=1)
    assert [bucket.take(later) for _ in range(5)] == [True, True, True, True, False]


def test_a_clock_that_goes_back_refills_nothing() -> None:
    bucket = TokenBucket.full(RequestBudget(1, timedelta(seconds=1)), T0)
    assert bucket.take(T0)
    assert not bucket.take(T0 - timedelta(seconds=10))
    assert bucket.take(T0 + timedelta(seconds=1))


@pytest.mark.parametrize(("requests", "per"), [(0, timedelta(seconds=1)), (1, timedelta(0))])
def test_an_empty_budget_is_refused(requests: int, per: timedelta) -> None:
    with pytest.raises(InvalidValue):
        RequestBudget(requests, per)


def test_booking_budgets_are_read_from_rates() -> None:
    assert booking_request_budgets("20 per second", None) == (
        RequestBudget(20, timedelta(seconds=1)),
    )
    assert booking_request_budgets("5 per second", "300 per minute") == (
        RequestBudget(5, timedelta(seconds=1)),
        RequestBudget(300, timedelta(minutes=1), BudgetScope.ACCOUNT),
    )
