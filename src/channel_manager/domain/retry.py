"""Retry policy: exponential backoff with full jitter, bounded attempts, Retry-After honoured."""

from __future__ import annotations

import random
from datetime import timedelta

import attrs

from channel_manager.domain.errors import InvalidValue


def _positive_delay(
    _instance: object, attribute: attrs.Attribute[timedelta], value: timedelta
) -> None:
    if value <= timedelta(0):
        raise InvalidValue(f"{attribute.name} must be positive, got {value}")


def _at_least_one(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise InvalidValue(f"{attribute.name} must be at least 1, got {value}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When to try again after a retryable failure, and when to give up.

    ``attempt`` counts attempts already made (1 after the first failure). The jitter is full:
    uniform(0, capped exponential), which spreads the retries of many clients best (AWS
    analysis). The random source is injected so that tests (and simulations) are deterministic
    with a seeded ``random.Random``.
    """

    base_delay: timedelta = attrs.field(default=timedelta(seconds=2), validator=_positive_delay)
    factor: float = 2.0
    max_delay: timedelta = attrs.field(default=timedelta(minutes=10), validator=_positive_delay)
    max_attempts: int = attrs.field(default=8, validator=_at_least_one)

    def ceiling(self, attempt: int) -> timedelta:
        """The capped exponential delay before jitter: base * factor**(attempt - 1)."""
        exponent = max(0, attempt - 1)
        # Compare in seconds before multiplying so huge exponents cannot overflow timedelta.
        seconds = min(
            self.max_delay.total_seconds(),
            self.base_delay.total_seconds() * self.factor ** min(exponent, 64),
        )
        return timedelta(seconds=seconds)

    def delay(
        self,
        attempt: int,
        rng: random.Random,
        retry_after: timedelta | None = None,
    ) -> timedelta:
        """The delay before the next attempt; never shorter than ``retry_after``."""
        chosen = timedelta(seconds=rng.uniform(0, self.ceiling(attempt).total_seconds()))
        if retry_after is not None and retry_after > chosen:
            return retry_after
        return chosen

    def exhausted(self, attempts: int) -> bool:
        """True once ``attempts`` attempts have been made and no more are allowed."""
        return attempts >= self.max_attempts
