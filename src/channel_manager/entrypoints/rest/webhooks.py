"""``/api/v1/webhooks`` (issue 18): subscribe a URL to events, list and delete subscriptions,
read a subscription's delivery log and replay a delivery. Thin: parse, call one use case,
render. The signing secret is in the 201 answer of the subscription and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from channel_manager.application.webhooks import MAX_URL, WebhookService, WebhookView
from channel_manager.domain.events import EventType
from channel_manager.domain.webhooks import DeliveryState, WebhookDelivery
from channel_manager.entrypoints.rest.errors import error_responses as errors

_Url = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_URL)]
_Events = Annotated[list[str], msgspec.Meta(min_length=1, max_length=len(EventType))]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Rows (1-500).")]
Offset = Annotated[
    int, QueryParameter(ge=0, le=2**31 - 1, description="Rows to skip (0-2147483647).")
]


class CreateWebhookBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``url``: where events are POSTed (https, public unless the operator allows its
    network); ``events``: the event types wanted (see ``EventType``)."""

    url: _Url
    events: _Events


class CreatedWebhookView(msgspec.Struct, kw_only=True):
    """A new subscription with its signing secret: keep it, it is not shown again."""

    id: UUID
    url: str
    events: list[str]
    created_at: datetime
    secret: str


class WebhookDeliveryView(msgspec.Struct, kw_only=True):
    """One event for one subscription: its state, attempts and the last answer."""

    id: UUID
    event_id: UUID
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> WebhookDeliveryView:
        """The view of ``delivery``."""
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event_type.value,
            state=delivery.state.value,
            attempts=delivery.attempts,
            next_attempt_at=(
                delivery.next_attempt_at if delivery.state is DeliveryState.PENDING else None
            ),
            last_status=delivery.last_status,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
            delivered_at=delivery.delivered_at,
        )


class WebhooksController(Controller):
    """Signed webhooks: events POSTed to the property system as they happen."""

    path = "/webhooks"
    tags = ("webhooks",)

    @post("/", status_code=HTTP_201_CREATED, responses=errors(422))
    async def create_webhook(
        self, organization_id: UUID, data: CreateWebhookBody, webhooks: WebhookService
    ) -> CreatedWebhookView:
        """Subscribe ``url`` to ``events``. The answer's ``secret`` signs every delivery
        (``Webhook-Signature``); it is shown this once."""
        created = await webhooks.create(organization_id, data.url, data.events)
        return CreatedWebhookView(
            id=created.webhook.id,
            url=created.webhook.url,
            events=[e.value for e in created.webhook.events],
            created_at=created.webhook.created_at,
            secret=created.secret.reveal_text(),
        )

    @get("/", sync_to_thread=True, responses=errors())
    def list_webhooks(self, organization_id: UUID, webhooks: WebhookService) -> list[WebhookView]:
        """The organisation's subscriptions (without their secrets)."""
        return webhooks.list(organization_id)

    @delete(
        "/{webhook_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        sync_to_thread=True,
        responses=errors(404),
    )
    def delete_webhook(
        self, organization_id: UUID, webhook_id: UUID, webhooks: WebhookService
    ) -> None:
        """Unsubscribe: nothing more is sent, its delivery log goes too."""
        webhooks.delete(organization_id, webhook_id)

    @get("/{webhook_id:uuid}/deliveries", sync_to_thread=True, responses=errors(404))
    def list_webhook_deliveries(
        self,
        organization_id: UUID,
        webhook_id: UUID,
        webhooks: WebhookService,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[WebhookDeliveryView]:
        """The delivery log, newest event first, paged (``limit``, ``offset``): state,
        attempts, last status or error."""
        return [
            WebhookDeliveryView.of(d)
            for d in webhooks.deliveries(organization_id, webhook_id, limit, offset)
        ]

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/replay",
        status_code=HTTP_200_OK,
        sync_to_thread=True,
        responses=errors(404),
    )
    def replay_webhook_delivery(
        self,
        organization_id: UUID,
        webhook_id: UUID,
        delivery_id: UUID,
        webhooks: WebhookService,
    ) -> WebhookDeliveryView:
        """Send a delivery again (same event id: the receiver deduplicates on it)."""
        return WebhookDeliveryView.of(webhooks.replay(organization_id, webhook_id, delivery_id))
