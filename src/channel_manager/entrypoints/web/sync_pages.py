"""Sync status: a connection's runs, and "Sync now" with live progress.

The live part is a small script polling ``GET /api/v1/sync-runs/{id}`` every second; the JSON
API accepts the same session, so no second way of authenticating is needed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask

from channel_manager.application.queries import Queries
from channel_manager.application.sync import SyncService
from channel_manager.domain.errors import NotFound
from channel_manager.entrypoints.web.common import choose_connection, see_other
from channel_manager.entrypoints.web.rendering import page


@get("/sync", include_in_schema=False, sync_to_thread=True)
def sync_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    queries: Queries,
    now: datetime,
    connection_id: UUID | None = None,
    run: UUID | None = None,
) -> Response[str]:
    """Runs with start, end, counts and errors; the run just started is followed live."""
    connection = choose_connection(queries, organization_id, connection_id)
    runs = queries.sync_runs(organization_id, connection.id) if connection else []
    live = None
    if run is not None:
        live = queries.sync_run(organization_id, run)
        if connection is None or live.connection_id != connection.id:
            raise NotFound("sync run", run)
    return page(
        request,
        "sync.html",
        title="Sync status",
        nav="sync",
        connection=connection,
        runs=runs,
        live=live,
        now=now,
    )


@post("/connections/{connection_id:uuid}/sync", include_in_schema=False, sync_to_thread=True)
def sync_now(organization_id: UUID, connection_id: UUID, sync: SyncService) -> Response[Any]:
    """Record a full sync, run it in the background, and show its progress."""
    run = sync.request(organization_id, connection_id)
    response = see_other(f"/sync?connection_id={connection_id}&run={run.id}")
    response.background = BackgroundTask(sync.full_sync, connection_id, run)
    return response


SYNC_HANDLERS = (sync_page, sync_now)
