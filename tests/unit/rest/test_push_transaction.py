"""One push, one transaction: the logged message, its reservations and our logged answer
commit together, so a message is stored whole or not at all and Success follows one commit.
"""

from __future__ import annotations

import copy

from dependency_injector import providers
from lxml import etree

from channel_manager.application.reservations import MappingLookup, ReservationIntake
from channel_manager.container import Container
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection
from channel_manager.domain.ledger import LedgerOutcome
from channel_manager.domain.messages import MessageDirection
from channel_manager.ports.repositories import UnitOfWork
from tests.support.database import counting_transactions
from tests.unit.rest.conftest import client_for, map_hotel, row_counts
from tests.unit.rest.messages import res_notif
from tests.unit.rest.test_push_reservations import message_log, push

OTA = "{http://www.opentravel.org/OTA/2003/05}"


class SecondFails(ReservationIntake):
    """Applies the first reservation of a message, then loses the database on the second."""

    calls = 0

    def apply_in(
        self,
        uow: UnitOfWork,
        connection: Connection,
        message: ChannelReservation,
        links: MappingLookup | None = None,
    ) -> LedgerOutcome:
        self.calls += 1
        if self.calls == 2:
            raise ConnectionError("database connection lost")
        return super().apply_in(uow, connection, message, links)


def two_reservations() -> bytes:
    root = etree.fromstring(res_notif())
    reservations = root.find(f"{OTA}HotelReservations")
    assert reservations is not None
    second = copy.deepcopy(reservations[0])
    for element in second.iter(f"{OTA}HotelReservationID"):
        element.set("ResID_Value", "4105326479")
    reservations.append(second)
    return etree.tostring(root)


def test_a_successful_push_is_one_transaction_holding_message_reservation_and_answer(
    container: Container,
) -> None:
    hotel = map_hotel(container)
    with client_for(container) as client, counting_transactions(container.engine()) as seen:
        response = push(client, res_notif())
    assert response.status_code == 200, response.text
    assert (seen.begun, seen.committed) == (1, 1)  # routing included
    counts = row_counts(container)
    assert counts["reservations"] == 1
    assert counts["outbound_messages"] >= 1  # the availability the booking changed
    inbound, answer = message_log(container, hotel)
    assert (inbound.direction, answer.direction) == (
        MessageDirection.INBOUND,
        MessageDirection.OUTBOUND,
    )
    assert (answer.http_status, answer.outcome) == (200, "success")


def test_a_message_failing_midway_stores_none_of_its_reservations_only_its_log(
    container: Container,
) -> None:
    hotel = map_hotel(container)
    failing = SecondFails(container.uow_factory(), container.ids(), container.availability())
    container.intake.override(providers.Object(failing))
    with client_for(container) as client:
        response = push(client, two_reservations())
    assert response.status_code == 500
    assert failing.calls == 2
    counts = row_counts(container)
    assert "reservations" not in counts  # the first one was rolled back with the second
    assert "outbound_messages" not in counts
    inbound, answer = message_log(container, hotel)
    assert inbound.direction is MessageDirection.INBOUND
    assert "4105326479" in inbound.body
    assert (answer.http_status, answer.outcome) == (500, "error")

    # The sender resends: this time every reservation of the message is stored.
    container.intake.reset_override()
    with client_for(container) as client:
        assert push(client, two_reservations()).status_code == 200
    assert row_counts(container)["reservations"] == 2
