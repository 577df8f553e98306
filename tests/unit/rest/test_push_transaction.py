"""One push, one transaction: its sealed inbox row, and Success follows that one commit. The
applier stores a batch of rows, each whole (its logged message, its reservations, our logged
answer), in one transaction; a batch that cannot be stored together goes row by row.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from dependency_injector import providers
from lxml import etree

from channel_manager.application.reservations import (
    BatchResult,
    MappingLookup,
    ReservationIntake,
)
from channel_manager.container import Container
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.connection import Connection
from channel_manager.domain.messages import MessageDirection
from channel_manager.ports.repositories import UnitOfWork
from tests.support.database import counting_transactions
from tests.unit.rest.conftest import client_for, map_hotel, row_counts
from tests.unit.rest.messages import res_notif
from tests.unit.rest.test_push_reservations import message_log, push

OTA = "{http://www.opentravel.org/OTA/2003/05}"


class FirstBatchFails(ReservationIntake):
    """Stores the first batch, then loses the database before it commits; fine afterwards."""

    calls = 0

    def apply_together(
        self,
        uow: UnitOfWork,
        connection: Connection,
        messages: Sequence[ChannelReservation],
        links: MappingLookup | None = None,
    ) -> list[BatchResult]:
        self.calls += 1
        results = super().apply_together(uow, connection, messages, links)
        if self.calls == 1:
            raise ConnectionError("database connection lost")
        return results


def two_reservations() -> bytes:
    root = etree.fromstring(res_notif())
    reservations = root.find(f"{OTA}HotelReservations")
    assert reservations is not None
    second = copy.deepcopy(reservations[0])
    for element in second.iter(f"{OTA}HotelReservationID"):
        element.set("ResID_Value", "4105326479")
    reservations.append(second)
    return etree.tostring(root)


def test_a_push_is_one_transaction_holding_only_its_sealed_inbox_row(
    container: Container,
) -> None:
    map_hotel(container)
    before = row_counts(container)
    with client_for(container) as client, counting_transactions(container.engine()) as seen:
        response = push(client, res_notif())
    assert response.status_code == 200, response.text
    assert (seen.begun, seen.committed) == (1, 1)
    assert row_counts(container) == {**before, "push_inbox": 1}


def test_pushes_are_applied_together_in_one_transaction_with_their_log(
    container: Container,
) -> None:
    hotel = map_hotel(container)
    with client_for(container) as client:
        assert push(client, res_notif()).status_code == 200
        assert push(client, two_reservations()).status_code == 200

    with counting_transactions(container.engine()) as seen:
        assert container.push_inbox().apply_due() == 2
    assert (seen.begun, seen.committed) == (1, 1)  # routing included
    counts = row_counts(container)
    assert counts["reservations"] == 2
    assert counts["outbound_messages"] >= 1  # the availability the bookings changed
    assert "push_inbox" not in counts
    entries = message_log(container, hotel)
    assert (
        sorted(e.direction for e in entries)
        == [MessageDirection.INBOUND] * 2 + [MessageDirection.OUTBOUND] * 2
    )
    assert {(e.http_status, e.outcome) for e in entries if e.http_status} == {(200, "success")}


def test_a_batch_that_cannot_be_stored_together_is_applied_row_by_row_once(
    container: Container,
) -> None:
    hotel = map_hotel(container)
    failing = FirstBatchFails(container.uow_factory(), container.ids(), container.availability())
    container.intake.override(providers.Object(failing))
    with client_for(container) as client:
        assert push(client, res_notif()).status_code == 200
        assert push(client, two_reservations()).status_code == 200

    assert container.push_inbox().apply_due() == 2
    assert failing.calls == 3  # the batch, then each row alone
    counts = row_counts(container)
    assert counts["reservations"] == 2
    assert "push_inbox" not in counts
    # Nothing of the rolled-back batch is left in the log: one inbound entry per message.
    assert len(message_log(container, hotel)) == 4
