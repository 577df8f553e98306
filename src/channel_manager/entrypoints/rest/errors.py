"""The one place where domain errors become HTTP statuses and JSON error bodies."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import attrs
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from channel_manager.application.calendar import InvalidWindow
from channel_manager.application.errors import (
    ConnectionNotActive,
    InvalidRequest,
    Unauthenticated,
    UnknownAuthState,
)
from channel_manager.application.outbound import PushSuperseded
from channel_manager.application.reservations import UnknownHotel, UnknownReservation
from channel_manager.domain.errors import (
    AuthStateExpired,
    AuthStateForeign,
    AuthStateReused,
    CardDataRejected,
    ChannelAuthError,
    CurrencyMismatch,
    DomainError,
    HotelAlreadyConnected,
    HotelAlreadyHeld,
    HotelContested,
    InvalidDateRange,
    InvalidMoney,
    InvalidPropertyId,
    InvalidTransition,
    InvalidValue,
    MappingConflict,
    NotFound,
    PermanentChannelError,
    RetryableChannelError,
    UnknownRatePlan,
    UnknownRoomType,
)
from channel_manager.ports.errors import DuplicateRecord, MissingReference

logger = logging.getLogger(__name__)

#: The header that carries an unexpected error's request id (also named in the answer).
REQUEST_ID_HEADER = "X-Request-Id"

#: Most specific first: the first matching class decides the status.
_STATUS: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (Unauthenticated, 401, "unauthenticated"),
    (UnknownAuthState, 400, "unknown_state"),
    (InvalidWindow, 400, "invalid_window"),
    (AuthStateExpired, 400, "state_expired"),
    (AuthStateReused, 400, "state_reused"),
    (AuthStateForeign, 400, "state_foreign"),
    (MappingConflict, 422, "mapping_conflict"),
    (UnknownRoomType, 422, "unknown_room_type"),
    (UnknownRatePlan, 422, "unknown_rate_plan"),
    (InvalidDateRange, 422, "invalid_date_range"),
    (InvalidMoney, 422, "invalid_money"),
    (InvalidPropertyId, 422, "invalid_property_id"),
    (InvalidValue, 422, "invalid_value"),
    (CurrencyMismatch, 422, "currency_mismatch"),
    (CardDataRejected, 422, "card_data_rejected"),
    (UnknownHotel, 422, "unknown_hotel"),
    (UnknownReservation, 422, "unknown_reservation"),
    (InvalidRequest, 422, "invalid_request"),
    (InvalidTransition, 409, "invalid_transition"),
    (PushSuperseded, 409, "push_superseded"),
    (ConnectionNotActive, 409, "connection_not_active"),
    (HotelAlreadyHeld, 409, "hotel_held"),
    (HotelAlreadyConnected, 409, "hotel_already_connected"),
    (HotelContested, 409, "hotel_contested"),
    (DuplicateRecord, 409, "duplicate"),
    (MissingReference, 422, "missing_reference"),
    (ChannelAuthError, 502, "channel_refused_access"),
    (RetryableChannelError, 503, "channel_unavailable"),
    (PermanentChannelError, 502, "channel_rejected"),
)


def status_for(error: DomainError) -> tuple[int, str]:
    """The HTTP status and error type for a domain error."""
    for error_type, status, name in _STATUS:
        if isinstance(error, error_type):
            return status, name
    return 400, "domain_error"


def error_body(status: int, kind: str, message: str) -> dict[str, dict[str, object]]:
    """The JSON error body every endpoint uses."""
    return {"error": {"status": status, "type": kind, "message": message}}


@attrs.frozen(kw_only=True)
class ErrorDetail:
    """What went wrong: the HTTP status again, a stable ``type`` to branch on, and a message."""

    status: int
    type: str
    message: str


@attrs.frozen(kw_only=True)
class ErrorBody:
    """The shape of :func:`error_body`, for the OpenAPI document."""

    error: ErrorDetail


#: Why each error status is answered (the OpenAPI descriptions).
_ERROR_DESCRIPTIONS = {
    400: "Malformed request: invalid JSON, or a parameter or field of the wrong type or range",
    401: "No valid API key (Authorization: Bearer cm_...)",
    404: "No such object in the caller's organisation (or a malformed id)",
    409: "Not possible in the object's current state (e.g. the connection is not active)",
    413: "The body exceeds the configured limit (CM_MAX_BODY_BYTES)",
    422: "Well-formed but refused by the domain rules (unknown code, invalid value or range)",
    429: "Too many failed API keys from this address or for this key; see Retry-After",
    502: "The channel refused our credentials or rejected the request",
    503: "The channel is unavailable; try again later",
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for the error statuses a JSON API handler may answer with.

    400, 401 and 429 are always included: every API route authenticates (and locks out a
    caller after repeated wrong keys), and Litestar's own validation errors are answered in
    :class:`ErrorBody`'s shape, not in its default one.
    """
    return {
        status: ResponseSpec(
            data_container=ErrorBody,
            description=_ERROR_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in sorted({400, 401, 429, *statuses})
    }


def domain_error_handler(_request: Request[Any, Any, Any], error: Exception) -> Response[object]:
    """Map a domain error to its status with a readable message."""
    assert isinstance(error, DomainError)
    status, kind = status_for(error)
    if status >= 500:
        logger.warning("channel failure answered with %d: %s", status, error)
    return Response(error_body(status, kind, str(error)), status_code=status)


def http_error_handler(_request: Request[Any, Any, Any], error: Exception) -> Response[object]:
    """Litestar's own errors (validation, 404 route, 413 body size) in the same JSON shape."""
    assert isinstance(error, HTTPException)
    message = error.detail
    if isinstance(error, ValidationException) and error.extra:
        message = f"{error.detail}: {error.extra}"
    kind = "validation_error" if isinstance(error, ValidationException) else "http_error"
    return Response(
        error_body(error.status_code, kind, str(message)),
        status_code=error.status_code,
        headers=error.headers,
    )


def new_request_id() -> str:
    """A short random reference for one failed request: printed in the log line with the
    traceback and shown to the caller, so support can find the one from the other."""
    return secrets.token_hex(6)


def log_unexpected(request: Request[Any, Any, Any], error: Exception) -> str:
    """Log our bug with its traceback and a fresh request id; the id."""
    request_id = new_request_id()
    logger.error(
        "unexpected error answered with 500 (request id %s, %s %s)",
        request_id,
        request.method,
        request.url.path,
        exc_info=error,
    )
    return request_id


def unexpected_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[object]:
    """Our bug, answered in the same JSON shape without internals; logged with its traceback
    under the request id the answer names."""
    request_id = log_unexpected(request, error)
    return Response(
        error_body(
            500, "internal_error", f"internal error; it has been logged (request id {request_id})"
        ),
        status_code=500,
        headers={REQUEST_ID_HEADER: request_id},
    )
