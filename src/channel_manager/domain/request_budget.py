"""Request budgets (issue 18): how many requests a channel accepts per interval, and a token
bucket that spends them.

A channel declares its budgets (per connection, or per channel account: every connection of
the channel shares our one account there); the dispatcher holds one bucket per connection or
channel and sends nothing for a connection while a bucket it draws on is empty. Its messages
wait (they are not failed) and other connections are served meanwhile.

The bucket holds at most ``requests`` tokens (a burst of the whole budget) and refills at
``requests / per``; time is passed in (the injected clock), so a test moves it by hand.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs

from channel_manager.domain.errors import InvalidValue


class BudgetScope(enum.Enum):
    """What one budget is shared by."""

    #: Each connection has a budget of its own.
    CONNECTION = "connection"
    #: Every connection of the channel draws on one budget (our account at the channel).
    ACCOUNT = "account"


def _positive_requests(_instance: object, _attribute: object, value: int) -> None:
    if value < 1:
        raise InvalidValue(f"a request budget allows at least 1 request, got {value}")


def _positive_interval(_instance: object, _attribute: object, value: timedelta) -> None:
    if value <= timedelta(0):
        raise InvalidValue(f"a request budget's interval must be positive, got {value}")


@attrs.frozen
class RequestBudget:
    """At most ``requests`` requests per ``per``, for each connection or for the account."""

    requests: int = attrs.field(validator=_positive_requests)
    per: timedelta = attrs.field(validator=_positive_interval)
    scope: BudgetScope = BudgetScope.CONNECTION

    def __str__(self) -> str:
        return f"{self.requests} per {self.per.total_seconds():g} s per {self.scope.value}"


@attrs.define
class TokenBucket:
    """The tokens left of one budget; starts full."""

    budget: RequestBudget
    tokens: float
    updated: datetime

    @classmethod
    def full(cls, budget: RequestBudget, now: datetime) -> TokenBucket:
        """A bucket with the whole budget to spend."""
        return cls(budget, float(budget.requests), now)

    def _refill(self, now: datetime) -> None:
        elapsed = (now - self.updated).total_seconds()
        if elapsed > 0:  # a clock that went back refills nothing (and takes nothing back)
            rate = self.budget.requests / self.budget.per.total_seconds()
            self.tokens = min(float(self.budget.requests), self.tokens + elapsed * rate)
            self.updated = now

    def ready(self, now: datetime) -> bool:
        """True when a request may be sent now."""
        self._refill(now)
        return self.tokens >= 1

    def take(self, now: datetime) -> bool:
        """Spend one request if there is one; True when spent."""
        if not self.ready(now):
            return False
        self.tokens -= 1
        return True

    def give_back(self) -> None:
        """Return a token taken for a request that was not sent after all."""
        self.tokens = min(float(self.budget.requests), self.tokens + 1)

    def next_at(self, now: datetime) -> datetime:
        """When the next request may be sent (``now`` when it may already)."""
        if self.ready(now):
            return now
        rate = self.budget.requests / self.budget.per.total_seconds()
        return now + timedelta(seconds=(1 - self.tokens) / rate)
