"""Pushed reservations: stored through the ledger, acknowledged only after commit, logged
redacted, answered in the sender's form."""

from __future__ import annotations

import base64
import copy

import httpx
import pytest
from dependency_injector import providers
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.application.reservations import MappingLookup, ReservationIntake
from channel_manager.container import Container
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection
from channel_manager.domain.ledger import LedgerOutcome
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.ports.repositories import UnitOfWork
from tests.unit.ota.samples import OtaSchemas
from tests.unit.rest.conftest import (
    HOTEL_CODE,
    PEER_HEADER,
    MappedHotel,
    PushClient,
    client_for,
    row_counts,
)
from tests.unit.rest.messages import (
    ALLOWED_PEER,
    CARD_NUMBER,
    PASSWORD,
    SECURITY_CODE,
    USER,
    ota_errors,
    res_notif,
    unwrap,
)

PATH = "/ota/booking/reservations"
RES_ID = "4105326478"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def push(client: PushClient, body: bytes, *, soap: bool = False) -> httpx.Response:
    headers = {PEER_HEADER: ALLOWED_PEER, "authorization": AUTH}
    if soap:
        headers |= {"content-type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    else:
        headers["content-type"] = "application/xml"
    return client.post(PATH, content=body, headers=headers)


def stored(container: Container, hotel: MappedHotel, res_id: str = RES_ID) -> Reservation | None:
    with container.uow_factory()() as uow:
        return uow.reservations.get_by_external(hotel.connection_id, res_id)


def message_log(container: Container, hotel: MappedHotel) -> list[MessageLogEntry]:
    with container.uow_factory()() as uow:
        return list(reversed(uow.message_log.list(hotel.connection_id)))  # oldest first


def assert_success(
    response: httpx.Response, ota_schemas: OtaSchemas, *, soap: bool = False
) -> None:
    assert response.status_code == 200, response.text
    root, wrapped = unwrap(response.content)
    assert wrapped is soap
    ota_schemas.assert_valid(etree.tostring(root))
    assert etree.QName(root).localname == "OTA_HotelResNotifRS"
    assert root.find(f"{{{OTA_NS}}}Success") is not None
    assert root.get("EchoToken") == "echo-1"
    ids = root.findall(f".//{{{OTA_NS}}}HotelReservationID")
    assert [element.get("ResID_Value") for element in ids] == [RES_ID]
    hotel_info = root.find(f".//{{{OTA_NS}}}BasicPropertyInfo")
    assert hotel_info is not None
    assert hotel_info.get("HotelCode") == HOTEL_CODE


def test_commit_stores_a_confirmed_reservation_linked_to_its_logged_message(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    response = push(client, res_notif())
    assert_success(response, ota_schemas)
    assert response.headers["content-type"].startswith("application/xml")

    reservation = stored(container, hotel)
    assert reservation is not None
    assert reservation.status is ReservationStatus.CONFIRMED
    assert reservation.external_property_id == HOTEL_CODE
    assert [stay.unit_id for stay in reservation.room_stays] == [hotel.unit_id]
    assert reservation.payment is not None
    assert reservation.payment.last_four == "4444"

    inbound, answer = message_log(container, hotel)
    assert inbound.direction is MessageDirection.INBOUND
    assert inbound.message_type == "OTA_HotelResNotifRQ"
    assert reservation.raw_message_id == inbound.id
    assert answer.direction is MessageDirection.OUTBOUND
    assert (answer.http_status, answer.outcome) == (200, "success")
    assert RES_ID in answer.body
    # The booking changed what the mapped unit has to sell: availability is queued to go out.
    assert row_counts(container).get("outbound", 0) >= 1


def test_the_message_log_never_holds_the_card_number_or_security_code(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    assert push(client, res_notif()).status_code == 200
    entries = message_log(container, hotel)
    assert entries
    for entry in entries:
        assert CARD_NUMBER not in entry.body
        assert f'SeriesCode="{SECURITY_CODE}"' not in entry.body
    assert "Anna de Vries" in entries[0].body  # the rest of the message is kept


def test_modify_then_cancel_follow_the_reservation_through_its_life(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    assert_success(push(client, res_notif()), ota_schemas)
    modify = res_notif(
        status="Modify", modified="2025-03-15T08:00:00+00:00", departure="2025-06-14"
    )
    assert_success(push(client, modify), ota_schemas)
    modified = stored(container, hotel)
    assert modified is not None
    assert modified.status is ReservationStatus.MODIFIED
    assert str(modified.departure) == "2025-06-14"

    cancel = res_notif(status="Cancel", modified="2025-03-16T08:00:00+00:00")
    assert_success(push(client, cancel), ota_schemas)
    cancelled = stored(container, hotel)
    assert cancelled is not None
    assert cancelled.status is ReservationStatus.CANCELLED
    assert cancelled.id == modified.id


def test_soap_in_gets_soap_out(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    response = push(client, res_notif(soap=True), soap=True)
    assert_success(response, ota_schemas, soap=True)
    assert response.headers["content-type"].startswith("text/xml")
    assert stored(container, hotel) is not None


def test_redelivery_is_answered_success_and_stores_one_reservation(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    assert_success(push(client, res_notif()), ota_schemas)
    first = stored(container, hotel)
    counts = row_counts(container)
    assert_success(push(client, res_notif()), ota_schemas)
    assert stored(container, hotel) == first
    after = row_counts(container)
    assert after["reservations"] == counts["reservations"] == 1
    assert after.get("outbound") == counts.get("outbound")  # nothing re-queued


def test_an_unknown_hotel_code_is_named_in_a_4xx_error_and_nothing_is_booked(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    response = push(client, res_notif(hotel_code="999000"))
    assert 400 <= response.status_code < 500
    root, _soap = unwrap(response.content)
    ota_schemas.assert_valid(etree.tostring(root))
    [error] = ota_errors(response.content)
    assert error.get("Code") == "392"
    assert "999000" in (error.get("ShortText") or "")
    assert "999000" in (error.text or "")
    assert "reservations" not in row_counts(container)


def test_a_reservation_without_an_id_is_a_bad_message(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    body = res_notif().replace(f'ResID_Value="{RES_ID}"'.encode(), b"")
    response = push(client, body)
    assert response.status_code == 400
    [error] = ota_errors(response.content)
    assert error.get("Code") == "321"
    assert "reservations" not in row_counts(container)


class FailingIntake(ReservationIntake):
    """Routes like the real intake but cannot commit: the database went away."""

    def apply(self, connection: Connection, message: ChannelReservation) -> LedgerOutcome:
        raise ConnectionError("database connection lost")

    def apply_in(
        self,
        uow: UnitOfWork,
        connection: Connection,
        message: ChannelReservation,
        links: MappingLookup | None = None,
    ) -> LedgerOutcome:
        raise ConnectionError("database connection lost")


@pytest.fixture
def failing_container(container: Container) -> Container:
    failing = FailingIntake(container.uow_factory(), container.ids(), container.availability())
    container.intake.override(providers.Object(failing))
    return container


def test_our_failure_is_a_retryable_5xx_never_a_success(
    failing_container: Container, hotel: MappedHotel, ota_schemas: OtaSchemas
) -> None:
    with client_for(failing_container) as client:
        response = push(client, res_notif())
    assert response.status_code == 500
    root, _soap = unwrap(response.content)
    ota_schemas.assert_valid(etree.tostring(root))
    assert root.find(f"{{{OTA_NS}}}Success") is None
    [error] = ota_errors(response.content)
    assert error.get("Code") == "448"
    assert "database" not in response.text  # our internals stay ours
    assert stored(failing_container, hotel) is None
    *_inbound, answer = message_log(failing_container, hotel)
    assert (answer.http_status, answer.outcome) == (500, "error")


def as_modify_notif(body: bytes) -> bytes:
    """The same reservation as an OTA_HotelResModifyNotifRQ (the modification queue's form)."""
    for old, new in (
        (b"OTA_HotelResNotifRQ", b"OTA_HotelResModifyNotifRQ"),
        (b"HotelReservations>", b"HotelResModifies>"),
        (b"<HotelReservation ", b"<HotelResModify "),
        (b"</HotelReservation>", b"</HotelResModify>"),
    ):
        body = body.replace(old, new)
    return body


def test_a_modify_notif_is_answered_with_a_modify_notif_rs(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    assert push(client, res_notif()).status_code == 200
    body = as_modify_notif(res_notif(status="Modify", modified="2025-03-15T08:00:00+00:00"))
    response = push(client, body)
    assert response.status_code == 200, response.text
    root, _soap = unwrap(response.content)
    assert etree.QName(root).localname == "OTA_HotelResModifyNotifRS"
    ota_schemas.assert_valid(etree.tostring(root))
    modified = stored(container, hotel)
    assert modified is not None
    assert modified.status is ReservationStatus.MODIFIED


def test_one_unknown_hotel_in_a_message_stops_every_reservation_of_it(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    root = etree.fromstring(res_notif())
    reservations = root.find(f"{{{OTA_NS}}}HotelReservations")
    assert reservations is not None
    stranger = copy.deepcopy(reservations[0])
    for element in stranger.iter(f"{{{OTA_NS}}}BasicPropertyInfo"):
        element.set("HotelCode", "999000")
    for element in stranger.iter(f"{{{OTA_NS}}}HotelReservationID"):
        element.set("ResID_Value", "777")
    reservations.append(stranger)
    response = push(client, etree.tostring(root))
    assert response.status_code == 422
    assert "999000" in response.text
    assert "reservations" not in row_counts(container)


def test_the_endpoint_is_in_the_openapi_document(client: PushClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/ota/booking/reservations"]
