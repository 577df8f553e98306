"""Failure classification of the Booking.com adapter, status by status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from channel_manager.adapters.booking.errors import error_for_status
from channel_manager.adapters.retry_after import parse_retry_after, retry_after
from channel_manager.domain.errors import (
    ChannelAuthError,
    PermanentChannelError,
    RetryableChannelError,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def response(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("POST", "https://supply-xml.booking.com/hotels/ota/OTA_HotelAvailNotif")
    return httpx.Response(status, headers=headers, request=request)


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)


def test_retry_after_as_an_http_date() -> None:
    later = format_datetime(NOW + timedelta(seconds=90), usegmt=True)

    assert parse_retry_after(later, NOW) == timedelta(seconds=90)


def test_retry_after_in_the_past_means_now() -> None:
    earlier = format_datetime(NOW - timedelta(minutes=5), usegmt=True)

    assert parse_retry_after(earlier, NOW) == timedelta(0)


@pytest.mark.parametrize("value", [None, "", "soon", "-5"])
def test_unusable_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


def test_an_http_date_is_measured_from_the_answers_own_date() -> None:
    headers = {
        "Date": format_datetime(NOW, usegmt=True),
        "Retry-After": format_datetime(NOW + timedelta(seconds=90), usegmt=True),
    }
    assert retry_after(httpx.Headers(headers)) == timedelta(seconds=90)


def test_an_http_date_without_the_answers_date_is_unusable() -> None:
    later = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    assert retry_after(httpx.Headers({"Retry-After": later})) is None
    assert retry_after(httpx.Headers({"Retry-After": "30"})) == timedelta(seconds=30)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retryable(status: int) -> None:
    assert isinstance(error_for_status(response(status)), RetryableChannelError)


def test_429_is_retryable_with_its_retry_after() -> None:
    error = error_for_status(response(429, {"Retry-After": "7"}))

    assert isinstance(error, RetryableChannelError)
    assert error.retry_after == timedelta(seconds=7)


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_other_4xx_are_permanent_with_the_status_as_code(status: int) -> None:
    error = error_for_status(response(status))

    assert isinstance(error, PermanentChannelError)
    assert error.code == str(status)


def test_a_final_401_is_an_auth_error() -> None:
    assert isinstance(error_for_status(response(401)), ChannelAuthError)


@pytest.mark.parametrize("status", [200, 202, 204, 302])
def test_success_and_redirects_are_not_errors(status: int) -> None:
    assert error_for_status(response(status)) is None
