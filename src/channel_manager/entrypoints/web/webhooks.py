"""The webhooks page (issue 18): the organisation's subscriptions and each one's delivery log,
with a Replay button. Subscribing happens through the API or the CLI (the secret is shown
once, where it can be copied into the receiving system's configuration)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post

from channel_manager.application.webhooks import WebhookService
from channel_manager.entrypoints.web.common import notify, see_other
from channel_manager.entrypoints.web.rendering import page

#: Deliveries shown per subscription, newest first.
DELIVERIES_SHOWN = 50


@get("/webhooks", include_in_schema=False, sync_to_thread=True)
def webhooks_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    webhooks: WebhookService,
    now: datetime,
) -> Response[str]:
    """Every subscription with its newest deliveries: state, attempts, last answer."""
    subscriptions = [
        (webhook, webhooks.deliveries(organization_id, webhook.id, DELIVERIES_SHOWN))
        for webhook in webhooks.list(organization_id)
    ]
    return page(
        request,
        "webhooks.html",
        title="Webhooks",
        nav="webhooks",
        subscriptions=subscriptions,
        now=now,
    )


@post(
    "/webhooks/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/replay",
    include_in_schema=False,
    sync_to_thread=True,
)
def replay_delivery(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    webhook_id: UUID,
    delivery_id: UUID,
    webhooks: WebhookService,
) -> Response[Any]:
    """Send a delivery again (the same event id); the worker sends it within seconds."""
    webhooks.replay(organization_id, webhook_id, delivery_id)
    notify(request, "The delivery is queued again; it is sent within seconds.")
    return see_other("/webhooks")


WEBHOOK_HANDLERS = (webhooks_page, replay_delivery)
