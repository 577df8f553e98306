"""The health page of one connection (issue 18): its status, each reason in words, and each
fact explained (what it is, its value, why it matters)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get

from channel_manager.application.health import ChannelHealth
from channel_manager.application.queries import Queries
from channel_manager.domain.health import HealthStatus, describe_duration
from channel_manager.entrypoints.web.pickers import connection_choices
from channel_manager.entrypoints.web.rendering import page

#: The badge class (app.css) of each status.
BADGE_CLASSES = {
    HealthStatus.GREEN: "status-active",
    HealthStatus.AMBER: "status-pending",
    HealthStatus.RED: "status-error",
}


def health_badge(status: HealthStatus) -> str:
    """The badge class of ``status``."""
    return BADGE_CLASSES[status]


@get("/connections/{connection_id:uuid}/health", include_in_schema=False, sync_to_thread=True)
def health_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    connection_id: UUID,
    channel_health: ChannelHealth,
    queries: Queries,
    now: datetime,
) -> Response[str]:
    """Why a connection is green, amber or red (another organisation's: 404)."""
    report = channel_health.report(organization_id, connection_id)
    labels = {choice.id: choice.label for choice in connection_choices(queries, organization_id)}
    return page(
        request,
        "health.html",
        title="Connection health",
        nav="integrations",
        report=report,
        facts=report.facts,
        label=labels.get(connection_id, report.facts.channel_label),
        thresholds=channel_health.thresholds,
        badge=health_badge(report.status),
        duration=describe_duration,
        now=now,
    )


HEALTH_HANDLERS = (health_page,)
