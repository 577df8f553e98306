"""Sync status: every connection's state with "Sync now", the recent runs of all connections
(or of the one filtered on), and live progress.

Two small scripts keep the page current without reloading it: ``app.js`` follows the run just
started through ``GET /api/v1/sync-runs/{id}`` (the JSON API accepts the same session), and
``live.js`` refreshes the table of runs from ``GET /sync/runs``, which renders the table's rows
alone with the same template as the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.enums import MediaType

from channel_manager.application.queries import Queries
from channel_manager.application.sync import SyncService
from channel_manager.domain.connection import ConnectionStatus
from channel_manager.entrypoints.web.common import see_other
from channel_manager.entrypoints.web.pickers import (
    ConnectionChoice,
    ConnectionPick,
    pick_connection_filter,
    read_connection_filter,
)
from channel_manager.entrypoints.web.rendering import SECURITY_HEADERS, page, render_html

#: Runs listed (newest first, of all connections shown).
RUNS_SHOWN = 50
#: How often the page's script refreshes the runs (milliseconds), and faster while a run is
#: still going.
REFRESH_MS = 5000
REFRESH_RUNNING_MS = 2000


def _summarised(pick: ConnectionPick) -> list[ConnectionChoice]:
    """The connections the page's cards show: the one filtered on, or every one that is not
    revoked (a revoked connection's runs still show in the table)."""
    if pick.chosen is not None:
        return [pick.chosen]
    return [c for c in pick.choices if c.connection.status is not ConnectionStatus.REVOKED]


@get("/sync", include_in_schema=False, sync_to_thread=True)
def sync_page(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    queries: Queries,
    now: datetime,
    connection_id: str | None = None,
    run: UUID | None = None,
) -> Response[str]:
    """Runs with start, end, counts and errors; the run just started is followed live."""
    pick = pick_connection_filter(request, queries, organization_id, connection_id)
    runs = queries.recent_sync_runs(
        organization_id, pick.chosen.id if pick.chosen else None, RUNS_SHOWN
    )
    live = queries.sync_run(organization_id, run) if run is not None else None
    return page(
        request,
        "sync.html",
        title="Sync status",
        nav="sync",
        pick=pick,
        summaries=_summarised(pick),
        runs=runs,
        live=live,
        refresh_ms=REFRESH_MS,
        refresh_running_ms=REFRESH_RUNNING_MS,
        now=now,
    )


@get("/sync/runs", include_in_schema=False, sync_to_thread=True)
def sync_runs_rows(
    request: Request[Any, Any, Any],
    organization_id: UUID,
    queries: Queries,
    connection_id: str | None = None,
) -> Response[str]:
    """The rows of the runs table alone (for ``live.js``), filtered as the page was."""
    pick = read_connection_filter(queries, organization_id, connection_id)
    runs = queries.recent_sync_runs(
        organization_id, pick.chosen.id if pick.chosen else None, RUNS_SHOWN
    )
    html = render_html("_sync_run_rows.html", {"request": request, "pick": pick, "runs": runs})
    return Response(
        content=html,
        media_type=MediaType.HTML,
        headers={**SECURITY_HEADERS, "X-Fragment": "sync-runs"},
    )


@post("/connections/{connection_id:uuid}/sync", include_in_schema=False, sync_to_thread=True)
def sync_now(organization_id: UUID, connection_id: UUID, sync: SyncService) -> Response[Any]:
    """Record a full sync, run it in the background, and show its progress."""
    run = sync.request(organization_id, connection_id)
    # The page keeps its connection filter: syncing one connection is not choosing it.
    response = see_other(f"/sync?run={run.id}")
    response.background = BackgroundTask(sync.full_sync, connection_id, run)
    return response


SYNC_HANDLERS = (sync_page, sync_runs_rows, sync_now)
