"""``channel-manager push-inbox list/retry``: an admin sees every pushed message not applied,
those that route nowhere included, and makes one due again (issue 17)."""

from __future__ import annotations

from uuid import uuid4

from channel_manager.container import Container
from channel_manager.domain.push_inbox import InboxFailure, InboxRoute, InboxRow, InboxState
from tests.unit.cli.conftest import Invoke


def _flagged(container: Container) -> InboxRow:
    now = container.clock().now()
    row = InboxRow(
        id=uuid4(),
        channel="booking",
        received_at=now,
        sealed_body=b"sealed",
        message_type="OTA_HotelResNotifRQ",
        ruid=None,
        routes=(InboxRoute("R-77", "999000"),),  # routes nowhere: an admin's to see
    ).failed(InboxFailure.UNKNOWN_PROPERTY, "booking hotel '999000' is not mapped", now)
    with container.uow_factory()() as uow:
        uow.push_inbox.add(row)
        uow.commit()
    return row


def test_list_shows_every_row_with_its_reason_and_retry_makes_it_due(
    invoke: Invoke, container: Container
) -> None:
    assert "the push inbox is empty" in invoke("push-inbox", "list").stderr
    row = _flagged(container)

    listed = invoke("push-inbox", "list", "--state", "flagged")
    assert listed.exit_code == 0, listed.output
    for text in (str(row.id), "R-77 @ 999000", "flagged", "unknown_property"):
        assert text in listed.stdout

    retried = invoke("push-inbox", "retry", str(row.id))
    assert retried.exit_code == 0, retried.output
    assert f"push inbox row {row.id} is pending again" in retried.stdout
    with container.uow_factory()() as uow:
        assert uow.push_inbox.get(row.id).state is InboxState.PENDING
    assert invoke("push-inbox", "retry", str(uuid4())).exit_code != 0
