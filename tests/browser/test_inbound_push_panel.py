"""The integrations page's panel on reservations pushed to us, at desktop and phone width:
the endpoint, the allowed senders, a connection's last push and the pushed messages not
applied fit without sideways scrolling.
"""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect

from channel_manager.adapters.booking.push_codec import OtaPushCodec
from channel_manager.domain.messages import MessageDirection
from channel_manager.domain.push_inbox import InboxFailure, InboxRoute, InboxRow
from channel_manager.entrypoints.rest.push import PUSH_PATH
from channel_manager.ports.inbound import PushRefused, RefusalReason
from tests.browser.conftest import LiveServer, screenshot
from tests.unit.web.world import connect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1280, 860), (390, 844)])
def test_the_push_panel_shows_the_last_push_and_its_refusal(
    live_server: LiveServer, page: Page, width: int, height: int
) -> None:
    world = live_server.world
    connections = []
    # Playwright's sync API keeps an event loop running in this thread: connect in another.
    worker = threading.Thread(target=lambda: connections.append(connect(world)))
    worker.start()
    worker.join(timeout=15)
    (connection_id,) = connections
    refusal = PushRefused(
        422, RefusalReason.UNKNOWN_PROPERTY, "hotel 7654321 is not mapped on any connection"
    )
    world.container.message_log().write(
        connection_id=connection_id,
        direction=MessageDirection.OUTBOUND,
        endpoint=PUSH_PATH,
        message_type="OTA_HotelResNotifRS",
        body=OtaPushCodec(max_bytes=1 << 20).encode_error(refusal).body.decode(),
        http_status=422,
        outcome="error",
    )
    # A pushed message stored but refused when applied waits, flagged, in the push inbox.
    now = world.container.clock().now()
    flagged = InboxRow(
        id=uuid4(),
        channel="booking",
        received_at=now,
        sealed_body=b"sealed",
        message_type="OTA_HotelResNotifRQ",
        ruid=None,
        routes=(InboxRoute("PUSH-9", "1234567", connection_id),),
    ).failed(InboxFailure.REFUSED, "reservation PUSH-9 is cancelled", now)
    with world.container.uow_factory()() as uow:
        uow.push_inbox.add(flagged)
        uow.commit()
    page.set_viewport_size({"width": width, "height": height})
    link = world.container.signin_links().issue(world.organization_id)
    page.goto(link.url(live_server.base_url))
    page.get_by_role("button", name="Sign in").click()

    panel = page.get_by_test_id("push-inbound")
    expect(panel.get_by_test_id("push-url")).to_have_text(
        f"{live_server.base_url}/ota/booking/reservations"
    )
    expect(panel).to_contain_text("push enabled")
    last = panel.get_by_test_id("last-push")
    expect(last).to_contain_text("refused 422")
    expect(last).to_contain_text("hotel 7654321 is not mapped on any connection")
    expect(panel.get_by_test_id("push-inbox-flagged")).to_have_text("1 not applied")
    screenshot(page, f"integrations-push-panel-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
