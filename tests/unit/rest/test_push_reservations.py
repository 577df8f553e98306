"""Pushed reservations: acknowledged once stored in the push inbox, then applied through the
ledger by the inbox's applier (driven here as the worker drives it), logged redacted, answered
in the sender's form."""

from __future__ import annotations

import base64
import copy
from collections.abc import Sequence
from typing import Self

import httpx
import pytest
from dependency_injector import providers
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.adapters.sqlalchemy.unit_of_work import (
    SqlAlchemyUnitOfWork,
    SqlAlchemyUnitOfWorkFactory,
)
from channel_manager.application.reservations import (
    BatchResult,
    MappingLookup,
    ReservationIntake,
)
from channel_manager.container import Container
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.push_inbox import InboxFailure, InboxState
from channel_manager.domain.reservation import Reservation, ReservationStatus
from channel_manager.ports.repositories import UnitOfWork
from tests.unit.ota.samples import OtaSchemas
from tests.unit.rest.conftest import (
    HOTEL_CODE,
    PEER_HEADER,
    MappedHotel,
    PushClient,
    apply_pushes,
    client_for,
    inbox_rows,
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
        entries = uow.message_log.list(hotel.connection_id)
    # Oldest first; on the test's stopped clock, what came before our answer to it.
    return sorted(entries, key=lambda e: (e.created_at, e.direction is MessageDirection.OUTBOUND))


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
    # Answered once stored in the inbox, sealed: not yet applied.
    [row] = inbox_rows(container)
    assert row.state is InboxState.PENDING
    assert b"Anna de Vries" not in row.sealed_body
    assert stored(container, hotel) is None

    assert apply_pushes(container) == 1
    assert inbox_rows(container) == []  # applied rows go
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
    assert row_counts(container).get("outbound_messages", 0) >= 1


def test_the_message_log_never_holds_the_card_number_or_security_code(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    assert push(client, res_notif()).status_code == 200
    apply_pushes(container)
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
    apply_pushes(container)
    modified = stored(container, hotel)
    assert modified is not None
    assert modified.status is ReservationStatus.MODIFIED
    assert str(modified.departure) == "2025-06-14"

    cancel = res_notif(status="Cancel", modified="2025-03-16T08:00:00+00:00")
    assert_success(push(client, cancel), ota_schemas)
    apply_pushes(container)
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
    apply_pushes(container)
    assert stored(container, hotel) is not None


def test_redelivery_is_answered_success_and_stores_one_reservation(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    assert_success(push(client, res_notif()), ota_schemas)
    apply_pushes(container)
    first = stored(container, hotel)
    counts = row_counts(container)
    assert_success(push(client, res_notif()), ota_schemas)
    apply_pushes(container)
    assert stored(container, hotel) == first
    after = row_counts(container)
    assert after["reservations"] == counts["reservations"] == 1
    assert after.get("outbound_messages") == counts.get("outbound_messages")  # nothing re-queued


def test_an_unknown_hotel_code_is_flagged_in_the_inbox_naming_it_and_nothing_is_booked(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    response = push(client, res_notif(hotel_code="999000"))
    assert_success_for(response, ota_schemas)  # stored: the inbox keeps it, never lost
    apply_pushes(container)
    [row] = inbox_rows(container)
    assert row.state is InboxState.FLAGGED
    assert row.failure is InboxFailure.UNKNOWN_PROPERTY
    assert row.last_error is not None
    assert "999000" in row.last_error
    assert row.attempts == 1
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


def assert_success_for(response: httpx.Response, ota_schemas: OtaSchemas) -> None:
    assert response.status_code == 200, response.text
    root, _soap = unwrap(response.content)
    ota_schemas.assert_valid(etree.tostring(root))
    assert root.find(f"{{{OTA_NS}}}Success") is not None


class FailingIntake(ReservationIntake):
    """Routes like the real intake but cannot store: the database went away."""

    def apply_together(
        self,
        uow: UnitOfWork,
        connection: Connection,
        messages: Sequence[ChannelReservation],
        links: MappingLookup | None = None,
    ) -> list[BatchResult]:
        raise ConnectionError("database connection lost")


class NoInboxUnitOfWork(SqlAlchemyUnitOfWork):
    """A unit of work whose inbox cannot take a row: the database went away."""

    def __enter__(self) -> Self:
        super().__enter__()
        self.push_inbox = LostInbox()  # type: ignore[assignment]
        return self


class NoInbox(SqlAlchemyUnitOfWorkFactory):
    """Units of work whose inbox cannot take a row."""

    def __call__(self) -> SqlAlchemyUnitOfWork:
        uow = super().__call__()
        uow.__class__ = NoInboxUnitOfWork
        return uow


class LostInbox:
    def add(self, row: object) -> None:
        raise ConnectionError("database connection lost")


@pytest.fixture
def failing_container(container: Container) -> Container:
    real = container.uow_factory()
    failing = NoInbox(real.engine, clock=container.clock())
    container.uow_factory.override(providers.Object(failing))
    return container


def test_our_failure_to_store_is_a_retryable_5xx_never_a_success(
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
    with failing_container.uow_factory()() as uow:  # logged unattached: never routed
        entries = uow.message_log.list(None)  # type: ignore[arg-type]  # unattached entries
    [answer] = [e for e in entries if e.direction is MessageDirection.OUTBOUND]
    assert (answer.http_status, answer.outcome) == (500, "error")


def test_our_failure_to_apply_keeps_the_row_and_retries_it(
    container: Container, hotel: MappedHotel, ota_schemas: OtaSchemas
) -> None:
    failing = FailingIntake(container.uow_factory(), container.ids(), container.availability())
    container.intake.override(providers.Object(failing))
    with client_for(container) as client:
        assert_success_for(push(client, res_notif()), ota_schemas)
    apply_pushes(container)
    [row] = inbox_rows(container)
    assert (row.state, row.failure, row.attempts) == (InboxState.PENDING, InboxFailure.FAILED, 1)
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > row.received_at  # backoff
    assert stored(container, hotel) is None


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
    apply_pushes(container)
    body = as_modify_notif(res_notif(status="Modify", modified="2025-03-15T08:00:00+00:00"))
    response = push(client, body)
    assert response.status_code == 200, response.text
    root, _soap = unwrap(response.content)
    assert etree.QName(root).localname == "OTA_HotelResModifyNotifRS"
    ota_schemas.assert_valid(etree.tostring(root))
    apply_pushes(container)
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
    assert response.status_code == 200
    apply_pushes(container)
    assert "reservations" not in row_counts(container)
    [row] = inbox_rows(container)  # flagged whole, the known hotel's reservation with it
    assert row.state is InboxState.FLAGGED
    assert [(r.reservation_id, r.connection_id) for r in row.routes] == [
        (RES_ID, hotel.connection_id),
        ("777", None),
    ]


def test_the_endpoint_is_in_the_openapi_document(client: PushClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/ota/booking/reservations"]
