"""Request builders and parsers shared by the sandbox tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from lxml import etree

from tests.support.markup import texts

OTA = "http://www.opentravel.org/OTA/2003/05"
NS = {"ota": OTA}
XSD_DIR = Path(__file__).resolve().parents[1] / "resources" / "ota-xsd" / "2015B"
_SCHEMAS: dict[str, etree.XMLSchema] = {}


def bearer_for(client: httpx.Client, client_id: str = "sandbox-client") -> dict[str, str]:
    """Exchange the default machine-account credentials for Bearer headers."""
    response = client.post(
        "/token-based-authentication/exchange",
        json={"client_id": client_id, "client_secret": "sandbox-secret"},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['jwt']}"}


def xml(response: httpx.Response) -> etree._Element:
    """Parse a sandbox XML response (and check its RUID trailer)."""
    assert response.text.rstrip().endswith("] -->"), response.text[-80:]
    assert "<!-- RUID: [" in response.text
    return etree.fromstring(response.content)


def validate(root: etree._Element, schema_name: str) -> None:
    """Assert `root` is valid against an OTA 2015B schema."""
    if schema_name not in _SCHEMAS:
        _SCHEMAS[schema_name] = etree.XMLSchema(etree.parse(str(XSD_DIR / schema_name)))
    schema = _SCHEMAS[schema_name]
    assert schema.validate(root), schema.error_log


def avail_rq(hotel: str, *messages: str) -> bytes:
    """OTA_HotelAvailNotifRQ for one hotel with raw AvailStatusMessage elements."""
    body = "".join(messages)
    return (
        f'<OTA_HotelAvailNotifRQ xmlns="{OTA}" Version="1.005" TimeStamp="2025-01-01T00:00:00Z">'
        f'<AvailStatusMessages HotelCode="{hotel}">{body}</AvailStatusMessages>'
        "</OTA_HotelAvailNotifRQ>"
    ).encode()


def avail_message(
    room: str, start: dt.date, end: dt.date, rate: str | None = None, inner: str = "", **attrs: str
) -> str:
    """One AvailStatusMessage."""
    rate_attr = f' RatePlanCode="{rate}"' if rate else ""
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return (
        f'<AvailStatusMessage{extra}><StatusApplicationControl Start="{start}" End="{end}" '
        f'InvTypeCode="{room}"{rate_attr}/>{inner}</AvailStatusMessage>'
    )


def rate_rq(hotel: str, *messages: str) -> bytes:
    """OTA_HotelRateAmountNotifRQ for one hotel."""
    return (
        f'<OTA_HotelRateAmountNotifRQ xmlns="{OTA}" Version="3.000" '
        f'TimeStamp="2025-01-01T00:00:00Z"><RateAmountMessages HotelCode="{hotel}">'
        f"{''.join(messages)}</RateAmountMessages></OTA_HotelRateAmountNotifRQ>"
    ).encode()


def rate_message(room: str, rate: str, start: dt.date, end: dt.date, amount: str) -> str:
    """One RateAmountMessage whose BaseByGuestAmt carries `amount` attributes verbatim."""
    return (
        f'<RateAmountMessage><StatusApplicationControl Start="{start}" End="{end}" '
        f'InvTypeCode="{room}" RatePlanCode="{rate}"/><Rates><Rate><BaseByGuestAmts>'
        f"<BaseByGuestAmt {amount}/></BaseByGuestAmts></Rate></Rates></RateAmountMessage>"
    )


def ack(root_name: str, *reservation_ids: str, errors: bool = False) -> bytes:
    """An acknowledgement (Success) or rejection (Errors) RS naming reservation ids."""
    ids = "".join(f'<HotelReservationID ResID_Value="{r}"/>' for r in reservation_ids)
    status = '<Errors><Error Type="3" Code="450">no</Error></Errors>' if errors else "<Success/>"
    wrapper = (
        "HotelResModifies><HotelResModify"
        if "Modify" in root_name
        else ("HotelReservations><HotelReservation")
    )
    opening, inner = wrapper.split("><")
    return (
        f'<{root_name} xmlns="{OTA}" Version="2.001">{status}<{opening}><{inner}>'
        f"<ResGlobalInfo><HotelReservationIDs>{ids}</HotelReservationIDs></ResGlobalInfo>"
        f"</{inner}></{opening}></{root_name}>"
    ).encode()


def reservation_ids(root: etree._Element) -> list[str]:
    """ResID_Value of every HotelReservationID in a document."""
    return [str(v) for v in texts(root, "//ota:HotelReservationID/@ResID_Value", namespaces=NS)]
