"""Failure classification for Booking.com: every way a call can fail becomes a domain error.

Retryable: timeouts, connection errors, 5xx, 429 (honouring ``Retry-After``) and bodies that
could not be read. Permanent: any other 4xx and OTA ``Errors``. Auth: 401 that survived one
token refresh, and refusals of our credentials.
"""

from __future__ import annotations

import httpx

from channel_manager.adapters.retry_after import retry_after
from channel_manager.domain.errors import (
    ChannelAuthError,
    PermanentChannelError,
    RetryableChannelError,
)


class ChannelTimeoutError(RetryableChannelError):
    """Booking.com did not answer within the configured timeout."""


class ChannelUnreachableError(RetryableChannelError):
    """The connection to Booking.com failed or was reset before a response arrived."""


class ChannelServerError(RetryableChannelError):
    """Booking.com answered with a 5xx status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class ChannelThrottledError(RetryableChannelError):
    """Booking.com answered 429; ``retry_after`` says when to try again, if it said."""


class MalformedResponseError(RetryableChannelError):
    """A response body that could not be parsed; a garbled or truncated answer is treated as
    transient (ARI writes are absolute sets, so resending is safe)."""


class ChannelRequestRejectedError(PermanentChannelError):
    """Booking.com rejected the request with a 4xx status (other than 401 and 429)."""

    def __init__(self, code: str, message: str, status_code: int) -> None:
        super().__init__(code, message)
        self.status_code = status_code


class TokenBudgetExhaustedError(RetryableChannelError):
    """Another token exchange would exceed the 30-per-hour cap of the machine account.

    Raised locally, before asking Booking.com, so the account is never locked out.
    """


class CredentialsRejectedError(ChannelAuthError):
    """Booking.com refused our credentials, even after one token refresh."""


class AuthorizationDeniedError(ChannelAuthError):
    """The person at the authorisation page denied access (OAuth ``error=access_denied``)."""


class AuthorizationFailedError(ChannelAuthError):
    """The authorisation callback or a token grant failed for a reason other than a denial."""


class ConnectionRequestMissingError(PermanentChannelError):
    """No pending connection request exists for the property (Connections API 635)."""


class ProviderNotCertifiedError(ChannelAuthError):
    """The Connections API refused our provider as not certified (403/497)."""


class ConnectionNotConfirmedError(PermanentChannelError):
    """The accepted connection does not read ``connected`` in the Connections API."""


def error_for_status(response: httpx.Response, detail: str = "") -> Exception | None:
    """The domain error a non-success status stands for, or ``None`` for 1xx-3xx.

    401 maps to ``CredentialsRejectedError``: callers that can refresh a token do so *before*
    asking here, so a 401 that reaches this function is final.
    """
    status = response.status_code
    what = f"{response.request.method} {response.request.url.path}"
    suffix = f": {detail}" if detail else ""
    if status < 400:
        return None
    if status == 429:
        return ChannelThrottledError(
            f"{what} throttled (429){suffix}", retry_after=retry_after(response.headers)
        )
    if status >= 500:
        return ChannelServerError(f"{what} failed with {status}{suffix}", status_code=status)
    if status == 401:
        return CredentialsRejectedError(f"{what} refused our credentials (401){suffix}")
    return ChannelRequestRejectedError(
        str(status), f"{what} rejected{suffix or f' with {status}'}", status_code=status
    )


def raise_for_status(response: httpx.Response, detail: str = "") -> None:
    """Raise the domain error of a non-success status; return quietly otherwise."""
    error = error_for_status(response, detail)
    if error is not None:
        raise error
