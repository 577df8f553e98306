"""A preview checks a change on the path a submission takes: whatever rate one refuses the
other refuses with the same words, and what a preview shows is what a push queues.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channel_manager.adapters.booking.publish_policy import BookingPublishPolicy
from channel_manager.application.ari import AriChangeInput, checked_rate, rate_example
from channel_manager.domain.ari import AriChangeSet
from channel_manager.domain.errors import DomainError, InvalidMoney
from channel_manager.domain.money import Money
from channel_manager.domain.sync import OutboundMessage
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE
from tests.support.clock import next_year
from tests.unit.application.conftest import World
from tests.unit.application.test_reservations_and_ari import _map_double_only

_RATES = st.one_of(
    st.sampled_from(["0", "-5", "0.001", "120.505", "1e3", "1E+30", "NaN", " 99 ", "+7"]),
    st.decimals(min_value=-10, max_value=10**10, allow_nan=False, places=3).map(str),
    st.text(alphabet="0123456789.-+eE ", max_size=14),
)


def _outcome(call: object) -> str:
    try:
        result = call()  # type: ignore[operator]
    except DomainError as error:
        return f"refused: {type(error).__name__}: {error}"
    return f"accepted: {result}"


async def test_preview_and_submit_refuse_the_same_rates_alike(world: World) -> None:
    connection = await world.connect()
    await _map_double_only(world, connection)
    ari = world.container.ari()

    @settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(rate=_RATES)
    def check(rate: str) -> None:
        change = AriChangeInput(
            hotel_code=HOTEL,
            room_type_code=ROOM_DOUBLE,
            rate_plan_code=RATE_STANDARD,
            start=next_year(3, 30),
            end=next_year(4, 2),
            rate=rate,
        )
        previewed: list[AriChangeSet] = []
        preview = _outcome(lambda: previewed.append(ari.preview(change, "EUR")))
        queued: list[OutboundMessage] = []
        submitted = _outcome(
            lambda: queued.extend(ari.submit(world.organization.id, connection.id, [change]))
        )
        assert preview.startswith("refused") == submitted.startswith("refused"), (preview, rate)
        if preview.startswith("refused"):
            assert preview == submitted
        else:
            (change_set,) = previewed
            assert [m.payload for m in queued] == list(BookingPublishPolicy().shape(change_set))

    check()


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [("120.50", "EUR", "120.50"), ("12000", "JPY", "12000"), (" 7.125 ", "KWD", "7.125")],
)
def test_a_good_rate_is_money_in_the_currency(text: str, currency: str, amount: str) -> None:
    assert checked_rate(text, currency) == Money(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12000.5", "JPY", "Rate 12000.5 has too many decimals (JPY: whole amounts, no decimals)"),
        ("1.0001", "KWD", "Rate 1.0001 has too many decimals (KWD: up to 3 decimals)"),
        ("-1", "EUR", "Rate must be more than zero, got -1 EUR"),
        ("abc", "JPY", "Rate must be an amount like 12000, got 'abc'"),
    ],
)
def test_a_bad_rate_is_refused_in_words(text: str, currency: str, message: str) -> None:
    with pytest.raises(InvalidMoney) as refused:
        checked_rate(text, currency)
    assert str(refused.value) == message


def test_the_example_rate_has_the_currencys_decimals() -> None:
    assert [rate_example(c) for c in ("EUR", "JPY", "KWD")] == ["120.00", "12000", "120.000"]
