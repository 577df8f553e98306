"""`POST /hotels/ota/OTA_HotelAvailNotif` and `POST /hotels/ota/OTA_HotelRateAmountNotif`.

`Accept-Version` is read leniently: absent or 1.x is accepted, anything else gets a Warning.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from booking_sandbox.ari import (
    AriRequestError,
    AriResult,
    apply_avail_notif,
    apply_rate_amount_notif,
)
from booking_sandbox.ota_responses import TYPE_BIZ_RULE, Issue, ota_response
from booking_sandbox.responses import xml_response
from booking_sandbox.routes.common import principal, sandbox
from booking_sandbox.state import SandboxState
from booking_sandbox.xml import parse, serialize

Applier = Callable[[SandboxState, etree._Element, Collection[str]], AriResult]


def _endpoint(rs_name: str, version: str, apply: Applier) -> Callable[[Request], object]:
    async def handle(request: Request) -> Response:
        """Validate and apply one ARI message; Success, Success+Warnings or Errors."""
        state = sandbox(request)
        visible = state.visible_hotel_codes(principal(request))
        root = parse(await request.body())
        now = state.clock.now()
        try:
            result = apply(state, root, visible)
        except AriRequestError as exc:
            answer = ota_response(rs_name, version, now, errors=[exc.issue])
            return xml_response(serialize(answer), exc.status)
        accept_version = request.headers.get("accept-version")
        if accept_version is not None and not accept_version.strip().startswith("1."):
            result.warnings.append(
                Issue(TYPE_BIZ_RULE, "450", f"Accept-Version {accept_version} unknown; used 1.1")
            )
        answer = ota_response(rs_name, version, now, errors=result.errors, warnings=result.warnings)
        return xml_response(serialize(answer), result.status)

    return handle


ROUTES = [
    Route(
        "/hotels/ota/OTA_HotelAvailNotif",
        _endpoint("OTA_HotelAvailNotifRS", "1.005", apply_avail_notif),
        methods=["POST"],
    ),
    Route(
        "/hotels/ota/OTA_HotelRateAmountNotif",
        _endpoint("OTA_HotelRateAmountNotifRS", "3.000", apply_rate_amount_notif),
        methods=["POST"],
    ),
]
