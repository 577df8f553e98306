"""Response helpers per endpoint family: OTA XML, B.XML, Connections API JSON, plain JSON.

`error_response(path, status, code, message)` picks the error shape a client of that path
expects, so faults and auth failures look like the real API's own errors.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from lxml import etree
from starlette.responses import Response

from booking_sandbox.auth import new_ruid
from booking_sandbox.ota_responses import TYPE_AUTHORIZATION, TYPE_SYSTEM, Issue, ota_response
from booking_sandbox.xml import XML_CONTENT_TYPE, serialize

JSON_CONTENT_TYPE = "application/json"


def xml_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """An XML document (already carrying its RUID trailer)."""
    return Response(body, status_code=status, media_type=XML_CONTENT_TYPE, headers=headers)


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Compact UTF-8 JSON (non-ASCII kept as is)."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    return Response(body, status_code=status, media_type=JSON_CONTENT_TYPE, headers=headers)


def envelope(
    data: Any = None, *, errors: list[dict[str, Any]] | None = None, status: int = 200
) -> Response:
    """The Connections API envelope `{"meta": {"ruid"}, "warnings", "errors", "data"}`."""
    return json_response(
        {
            "meta": {"ruid": new_ruid()},
            "warnings": [],
            "errors": errors or [],
            "data": data if data is not None else {},
        },
        status,
    )


def envelope_error(status: int, code: int | str, message: str) -> Response:
    """A Connections API error, e.g. 403/635 "request not found"."""
    return envelope(errors=[{"code": code, "message": message}], status=status)


def ota_rs_name(path: str) -> str:
    """`/hotels/ota/OTA_HotelAvailNotif` -> `OTA_HotelAvailNotifRS`."""
    name = path.rstrip("/").rsplit("/", 1)[-1] or "OTA_Error"
    return name if name.endswith("RS") else f"{name}RS"


def bxml_error(status: int, code: int | str, message: str) -> Response:
    """Booking.com's own XML error shape for /hotels/xml/*."""
    root = etree.Element("errors")
    error = etree.SubElement(root, "error", code=str(code))
    error.text = message
    return xml_response(serialize(root), status)


def error_response(
    path: str,
    status: int,
    code: int | str,
    message: str,
    headers: dict[str, str] | None = None,
    *,
    now: dt.datetime,
) -> Response:
    """An error in the shape the endpoint family at `path` uses."""
    if path.startswith("/connections-api/"):
        response = envelope_error(status, code, message)
    elif path.startswith("/hotels/ota/"):
        kind = TYPE_AUTHORIZATION if status in {401, 403} else TYPE_SYSTEM
        # OTA error codes are numeric (OTA_CodeType); symbolic codes move into the text.
        numeric = (
            str(code) if str(code).isdigit() else ("497" if kind == TYPE_AUTHORIZATION else "448")
        )
        text = message if numeric == str(code) else f"{code}: {message}"
        root = ota_response(ota_rs_name(path), "1.0", now, errors=[Issue(kind, numeric, text)])
        response = xml_response(serialize(root), status)
    elif path.startswith("/hotels/xml/"):
        response = bxml_error(status, code, message)
    else:
        response = json_response({"errors": [{"code": code, "message": message}]}, status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
