"""OTA_HotelResNotifRQ bodies for the push tests, bare or in a SOAP 1.1 envelope."""

from __future__ import annotations

from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS, SOAP11_NS
from tests.unit.rest.conftest import HOTEL_CODE, ROOM_TYPE

CARD_NUMBER = "5555555555554444"
SECURITY_CODE = "737"
USER, PASSWORD = "push-user", "push-password"
ALLOWED_PEER = "198.51.100.20"


def res_notif(
    *,
    status: str = "Commit",
    res_id: str = "4105326478",
    hotel_code: str = HOTEL_CODE,
    modified: str = "2025-03-14T09:12:31+00:00",
    arrival: str = "2025-06-10",
    departure: str = "2025-06-12",
    soap: bool = False,
    echo_token: str = "echo-1",
    room_type: str = ROOM_TYPE,
    rate_plan: str = "9876501",
    comment: str | None = None,
) -> bytes:
    """One reservation with a payment card; ``modified`` is its revision. ``comment`` is put
    into the reservation's remarks as it is (the attack corpus puts entity references there).
    """
    remarks = (
        "" if comment is None else f"<Comments><Comment><Text>{comment}</Text></Comment></Comments>"
    )
    message = f"""<OTA_HotelResNotifRQ xmlns="{OTA_NS}" EchoToken="{echo_token}"
    TimeStamp="{modified}" Version="2.001" ResStatus="{status}">
  <HotelReservations>
    <HotelReservation CreateDateTime="2025-03-14T09:12:31+00:00" LastModifyDateTime="{modified}">
      <RoomStays>
        <RoomStay IndexNumber="1">
          <RoomTypes><RoomType RoomTypeCode="{room_type}"/></RoomTypes>
          <RoomRates>
            <RoomRate EffectiveDate="{arrival}" RatePlanCode="{rate_plan}">
              <Rates><Rate><Total AmountAfterTax="13350" CurrencyCode="EUR"
                DecimalPlaces="2"/></Rate></Rates>
            </RoomRate>
          </RoomRates>
          <GuestCounts><GuestCount Count="2" AgeQualifyingCode="10"/></GuestCounts>
          <TimeSpan Start="{arrival}" End="{departure}"/>
          <BasicPropertyInfo HotelCode="{hotel_code}"/>
        </RoomStay>
      </RoomStays>
      <ResGlobalInfo>{remarks}
        <Guarantee><GuaranteesAccepted><GuaranteeAccepted>
          <PaymentCard CardCode="MC" CardNumber="{CARD_NUMBER}" SeriesCode="{SECURITY_CODE}"
              ExpireDate="0828"><CardHolderName>Anna de Vries</CardHolderName></PaymentCard>
        </GuaranteeAccepted></GuaranteesAccepted></Guarantee>
        <HotelReservationIDs>
          <HotelReservationID ResID_Value="{res_id}" ResID_Date="2025-03-14T09:12:31+00:00"/>
        </HotelReservationIDs>
      </ResGlobalInfo>
    </HotelReservation>
  </HotelReservations>
</OTA_HotelResNotifRQ>"""
    if soap:
        message = (
            f'<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Header/>'
            f"<soap:Body>{message}</soap:Body></soap:Envelope>"
        )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{message}'.encode()


def unwrap(body: bytes) -> tuple[etree._Element, bool]:
    """The OTA root of a response and whether it came in a SOAP 1.1 envelope."""
    root = etree.fromstring(body)
    if etree.QName(root).namespace == SOAP11_NS:
        payload = root.find(f"{{{SOAP11_NS}}}Body")
        assert payload is not None
        return payload[0], True
    return root, False


def ota_errors(body: bytes) -> list[etree._Element]:
    """The ``Errors/Error`` elements of a response (empty for a success)."""
    root, _soap = unwrap(body)
    return root.findall(f"{{{OTA_NS}}}Errors/{{{OTA_NS}}}Error")
