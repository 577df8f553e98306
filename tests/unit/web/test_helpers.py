"""Formatting, redirect targets and cookie settings of the web UI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from channel_manager.domain.money import Money
from channel_manager.domain.reservation import ReservationStatus
from channel_manager.entrypoints.web.common import FormError, choice_or_none, date_or_none
from channel_manager.entrypoints.web.errors import safe_next
from channel_manager.entrypoints.web.rendering import (
    format_age,
    format_amount,
    format_money,
    format_value,
    format_xml,
)
from channel_manager.entrypoints.web.security import csrf_config, csrf_secret, session_config
from tests.support.containers import make_settings

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("money", "shown"),
    [
        (Money.of("200", "EUR"), "200.00 EUR"),
        (Money.of("99.5", "EUR"), "99.50 EUR"),
        (Money.of("15000", "JPY"), "15,000 JPY"),
        (Money.of("1234.5", "EUR"), "1,234.50 EUR"),
        (Money.of("1234567.891", "KWD"), "1,234,567.891 KWD"),
        (Money.of("999", "EUR"), "999.00 EUR"),
        (Money.of("-1234.5", "EUR"), "-1,234.50 EUR"),
        (Money.of("0.005", "EUR"), "0.01 EUR"),  # half up, as on an invoice
        (Money.of("2500.5", "JPY"), "2,501 JPY"),
        (None, "—"),
    ],
)
def test_money_is_shown_with_separators_in_the_currencys_minor_units(
    money: Money | None, shown: str
) -> None:
    assert format_money(money) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Money.of("1234.5", "EUR"), "1,234.50"),
        (Money.of("15000", "JPY"), "15,000"),
        (True, "yes"),
        (None, ""),
        (3, "3"),
    ],
)
def test_grid_values_show_amounts_without_the_code(value: object, shown: str) -> None:
    assert format_value(value) == shown


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("1234.5", "EUR", "1,234.50"),
        ("15000", "JPY", "15,000"),
        (None, "EUR", ""),
        ("NaN", "EUR", "NaN"),  # never raised out of a template
    ],
)
def test_amounts_of_a_push_are_written_like_money(
    amount: str | None, currency: str, shown: str
) -> None:
    assert format_amount(amount, currency) == shown


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (timedelta(seconds=2), "just now"),
        (timedelta(seconds=40), "40 s ago"),
        (timedelta(minutes=3, seconds=10), "3 min ago"),
        (timedelta(hours=5), "5 h ago"),
        (timedelta(days=2, hours=1), "2 d ago"),
    ],
)
def test_age_uses_the_largest_whole_unit(ago: timedelta, shown: str) -> None:
    assert format_age(NOW - ago, NOW) == shown


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("/reservations?status=confirmed", "/reservations?status=confirmed"),
        ("//evil.example/", "/integrations"),
        ("/\\evil.example", "/integrations"),
        ("https://evil.example/", "/integrations"),
        (None, "/integrations"),
    ],
)
def test_only_local_paths_are_followed_after_sign_in(value: str | None, target: str) -> None:
    assert safe_next(value) == target


def test_cookies_are_secure_behind_https_only() -> None:
    plain = make_settings({"CM_PUBLIC_URL": "http://127.0.0.1:8000"})
    public = make_settings({"CM_PUBLIC_URL": "https://cm.example.org"})
    assert not session_config(plain).secure
    assert session_config(public).secure
    assert csrf_config(public).cookie_secure
    assert session_config(public).httponly
    assert session_config(public).samesite == "lax"


def test_csrf_secret_is_stable_per_vault_key_and_differs_between_keys() -> None:
    settings = make_settings()
    assert csrf_secret(settings) == csrf_secret(settings)
    assert csrf_secret(settings) != csrf_secret(make_settings())


def test_blank_filters_mean_no_filter_and_bad_ones_say_why() -> None:
    assert choice_or_none(ReservationStatus, "", "Status") is None
    assert choice_or_none(ReservationStatus, "cancelled", "Status") is ReservationStatus.CANCELLED
    with pytest.raises(FormError, match="Status must be one of"):
        choice_or_none(ReservationStatus, "lost", "Status")
    assert date_or_none(None, "From") is None
    assert date_or_none("2027-02-01", "From") == date(2027, 2, 1)
    with pytest.raises(FormError, match="From must be a date"):
        date_or_none("1 Feb", "From")


def test_logged_xml_is_indented_for_reading_and_anything_else_left_alone() -> None:
    body = "<?xml version='1.0' encoding='UTF-8'?><a><b x=\"1\">t</b></a>"
    assert format_xml(body) == '<a>\n  <b x="1">t</b>\n</a>\n'
    assert format_xml('{"jwt": "***"}') == '{"jwt": "***"}'
    assert format_xml("<a><unclosed></a>") == "<a><unclosed></a>"
    hostile = '<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    assert "root:" not in format_xml(hostile)
