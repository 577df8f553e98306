"""Reservation values: payment summaries that cannot hold card data, revisions, nights."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.errors import CardDataRejected, InvalidDateRange
from channel_manager.domain.reservation import PaymentSummary, Revision
from tests.unit.domain.strategies import BASE_TIME, reservation, revisions, stay

PANS = ["4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"]


@pytest.mark.parametrize("pan", PANS)
def test_from_card_keeps_only_the_last_four(pan: str) -> None:
    summary = PaymentSummary.from_card(pan, "VI", "12/27", "Jo Guest")
    assert summary.last_four == pan[-4:]
    assert pan not in repr(summary)
    assert pan.replace(" ", "").replace("-", "") not in repr(summary)


@pytest.mark.parametrize("pan", PANS)
def test_a_pan_is_rejected_in_every_field(pan: str) -> None:
    with pytest.raises(CardDataRejected):
        PaymentSummary(last_four=pan)
    with pytest.raises(CardDataRejected):
        PaymentSummary(card_type=pan)
    with pytest.raises(CardDataRejected):
        PaymentSummary(holder_name=f"Jo {pan}")
    with pytest.raises(CardDataRejected):
        PaymentSummary(expiry=pan)


@pytest.mark.parametrize("cvc", ["123", "999", "9876"])
def test_a_security_code_has_nowhere_to_go(cvc: str) -> None:
    # The only numeric fields are last_four (exactly four digits) and expiry (a month/year):
    # a three-digit code fits neither, and expiry refuses anything that is not a month.
    with pytest.raises(CardDataRejected):
        PaymentSummary(expiry=cvc)
    if len(cvc) != 4:
        with pytest.raises(CardDataRejected):
            PaymentSummary(last_four=cvc)


@st.composite
def pan_like(draw: st.DrawFn) -> str:
    """12-19 digits, each gap optionally a space or a dash, as people type card numbers."""
    digits = draw(st.lists(st.sampled_from("0123456789"), min_size=12, max_size=19))
    gaps = draw(
        st.lists(st.sampled_from(("", " ", "-")), min_size=len(digits), max_size=len(digits))
    )
    return "".join(d + g for d, g in zip(digits, gaps, strict=True)).strip(" -")


@given(pan_like(), st.sampled_from(("", "Jo ", "card ")))
def test_any_card_number_in_a_text_field_is_rejected(pan: str, prefix: str) -> None:
    with pytest.raises(CardDataRejected):
        PaymentSummary(holder_name=prefix + pan)
    with pytest.raises(CardDataRejected):
        PaymentSummary(card_type=prefix + pan)


def test_from_card_without_a_number_keeps_no_digits() -> None:
    assert PaymentSummary.from_card(None, "MC").last_four is None
    assert PaymentSummary.from_card("12", "MC").last_four is None


def test_valid_summary() -> None:
    summary = PaymentSummary(card_type="VI", last_four="0004", expiry="0127", holder_name="Jo")
    assert summary.last_four == "0004"


@given(revisions, revisions)
def test_revisions_are_totally_ordered(a: Revision, b: Revision) -> None:
    assert (a < b) + (a == b) + (a > b) == 1
    assert (a < b) == ((a.timestamp, a.sequence) < (b.timestamp, b.sequence))


def test_revision_sequence_breaks_timestamp_ties() -> None:
    assert Revision(BASE_TIME, 0) < Revision(BASE_TIME, 1) < Revision(BASE_TIME + timedelta(1))


def test_revision_requires_an_aware_timestamp() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Revision(BASE_TIME.replace(tzinfo=None))


def test_nights_and_unmapped_flag() -> None:
    unit_id = UUID(int=7)
    mapped = stay(unit_id, date(2025, 5, 1), 3)
    unmapped = stay(None, date(2025, 5, 1), 2, index=2)
    booked = reservation(revision=Revision(BASE_TIME), stays=(mapped, unmapped))
    assert booked.nights == 3
    assert booked.has_unmapped_rooms
    assert mapped.unit_id == unit_id
    assert mapped.nights == (date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 3))
    assert not reservation(revision=Revision(BASE_TIME), stays=(mapped,)).has_unmapped_rooms


def test_departure_must_follow_arrival() -> None:
    with pytest.raises(InvalidDateRange):
        stay(None, date(2025, 5, 1), 0)
