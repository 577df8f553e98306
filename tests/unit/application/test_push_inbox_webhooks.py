"""``reservation.flagged`` (issue 18): a push inbox row flagged (kept, not applied) is reported
to the organisation it routes to, naming only its own reservations, never the error text."""

from __future__ import annotations

import asyncio

from dependency_injector import providers

from channel_manager.application.push_inbox import PushInbox
from channel_manager.domain.push_inbox import InboxState
from tests.unit.application.test_push_intake import ENDPOINT, make_world
from tests.unit.application.test_webhooks import RECEIVER, FakeTransport
from tests.unit.rest.conftest import HOTEL_CODE


def test_a_flagged_row_is_reported_to_its_organisation() -> None:
    world = make_world()
    container = world.container
    transport = FakeTransport()
    container.webhook_transport.override(providers.Object(transport))
    inbox = PushInbox(
        world.codec,
        container.uow_factory(),
        container.intake(),
        container.message_log(),
        world.clock,
        container.vault(),
        channel="booking",
        endpoint=ENDPOINT,
        events=container.events(),
    )
    organization_id = world.hotel.organization_id
    asyncio.run(container.webhooks().create(organization_id, RECEIVER, ["reservation.flagged"]))
    world.receive({"id": "R1", "hotel": HOTEL_CODE}, {"id": "late-bad-2", "hotel": HOTEL_CODE})

    assert inbox.apply_due() == 1
    [row] = world.rows()
    assert row.state is InboxState.FLAGGED
    assert asyncio.run(container.webhook_dispatcher().deliver_due("w")) == 1
    [body] = transport.bodies()
    assert body["type"] == "reservation.flagged"
    assert body["organization_id"] == str(organization_id)
    data = body["data"]
    assert data["inbox_row_id"] == str(row.id)
    assert data["failure"] == "refused"
    assert [r["external_id"] for r in data["reservations"]] == ["R1", "late-bad-2"]
    assert {r["connection_id"] for r in data["reservations"]} == {str(world.hotel.connection_id)}
    assert "negative price" not in str(body)
