"""The webhooks page (issue 18): subscriptions with their delivery log, a Replay button that
queues a delivery again, and nothing of another organisation's."""

from __future__ import annotations

import asyncio

from dependency_injector import providers
from litestar.testing import TestClient

from channel_manager.domain.events import EventType
from tests.support.markup import elements, html_page
from tests.unit.application.test_webhooks import FakeTransport
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.world import World, web_app


def test_the_log_shows_each_delivery_and_replay_queues_it_again(world: World) -> None:
    container = world.container
    transport = FakeTransport()
    transport.statuses = [500]
    container.webhook_transport.override(providers.Object(transport))
    with TestClient(web_app(world), base_url="http://testserver.local") as client:
        _check_page(client, world, transport)


def _check_page(client: TestClient, world: World, transport: FakeTransport) -> None:
    container = world.container
    created = asyncio.run(
        container.webhooks().create(
            world.organization_id, "https://pms.example.com/hooks", ["push.failed"]
        )
    )
    other = container.inventory().ensure_organization("Someone Else").id
    asyncio.run(container.webhooks().create(other, "https://theirs.example.com/x", ["push.failed"]))
    with container.uow_factory()() as uow:
        container.events().emit(uow, world.organization_id, EventType.PUSH_FAILED, {"push_id": "1"})
        uow.commit()
    assert asyncio.run(container.webhook_dispatcher().deliver_due("w")) == 1
    sign_in(client, world.api_key)

    page = client.get("/webhooks")
    assert page.status_code == 200, page.text
    assert "https://pms.example.com/hooks" in page.text
    assert "theirs.example.com" not in page.text
    assert created.secret.reveal_text() not in page.text
    [row] = elements(html_page(page.text), "//tr[@data-delivery-id]")
    text = " ".join(row.itertext())
    assert "push.failed" in text
    assert "HTTP 500" in text
    assert "pending" in text
    assert not elements(row, ".//button")  # pending (backing off): nothing to replay yet

    [delivery] = container.webhooks().deliveries(world.organization_id, created.webhook.id)
    failed = delivery.refused(container.clock().now(), "gave up")
    with container.uow_factory()() as uow:
        uow.webhooks.update_delivery(failed)
        uow.commit()
    page = client.get("/webhooks")
    replay = f"/webhooks/{created.webhook.id}/deliveries/{delivery.id}/replay"
    assert replay in page.text
    answer = client.post(replay, data={"_csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    [queued] = container.webhooks().deliveries(world.organization_id, created.webhook.id)
    assert (queued.state.value, queued.attempts) == ("pending", 0)
    assert "queued again" in client.get("/webhooks").text
