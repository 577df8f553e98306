"""The JSON API under ``/api/v1`` (DESIGN §7). Thin: parse, call one use case, render."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from channel_manager.application.ari import AriService
from channel_manager.application.connect import ConnectService
from channel_manager.application.drift import DriftReport
from channel_manager.application.feeds import FeedService
from channel_manager.application.inventory import InventoryService
from channel_manager.application.mapping_views import HotelView, MappingsInput
from channel_manager.application.mappings import MappingService
from channel_manager.application.outbound import OutboundDispatcher
from channel_manager.application.queries import Queries
from channel_manager.application.repair import RepairService, ResyncResult
from channel_manager.application.sync import SyncService
from channel_manager.domain.inventory import Property, Unit
from channel_manager.domain.messages import MessageLogEntry
from channel_manager.domain.reservation import Reservation, ReservationStatus, RevisionEntry
from channel_manager.domain.sync import OutboundState, SyncRun
from channel_manager.entrypoints.reservation_messages import reservation_messages
from channel_manager.entrypoints.rest.calendar import CalendarController
from channel_manager.entrypoints.rest.connection_rules import ConnectionRulesController
from channel_manager.entrypoints.rest.errors import error_responses as errors
from channel_manager.entrypoints.rest.feed_views import feed_of
from channel_manager.entrypoints.rest.health import HealthController
from channel_manager.entrypoints.rest.push_inbox import PushInboxController
from channel_manager.entrypoints.rest.rate_plans import RatePlansController
from channel_manager.entrypoints.rest.repair_views import (
    DriftFrom,
    DriftTo,
    ResyncBody,
    required_window,
)
from channel_manager.entrypoints.rest.views import (
    AcceptedPushes,
    AriChangesBody,
    ConnectionView,
    PropertyBody,
    PushView,
    UnitBody,
)
from channel_manager.entrypoints.rest.webhooks import WebhooksController
from channel_manager.ports.inbound import MessageExcerpts

#: Page size and offset of list endpoints, validated (400) and documented in OpenAPI.
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Rows per page (1-500).")]
#: Bounded so a huge offset is a 400, not an integer overflow in the database (a 500).
Offset = Annotated[
    int, QueryParameter(ge=0, le=2**31 - 1, description="Rows to skip (0-2147483647).")
]


class ConnectionsController(Controller):
    """Connections, their syncs, mappings, ARI pushes and message log."""

    path = "/connections"
    tags = ("connections",)

    @get("/", sync_to_thread=True, responses=errors())
    def list_connections(
        self, organization_id: UUID, queries: Queries, feeds: FeedService
    ) -> list[ConnectionView]:
        """The organisation's connections with their health figures (a calendar feed's with
        its export URL and calendar)."""
        calendars = {found.connection.id: found for found in feeds.list(organization_id)}
        return [
            ConnectionView.of(queries.health(organization_id, c.id), calendars.get(c.id))
            for c in queries.connections(organization_id)
        ]

    @get("/{connection_id:uuid}", sync_to_thread=True, responses=errors(404))
    def get_connection(
        self, organization_id: UUID, connection_id: UUID, queries: Queries, feeds: FeedService
    ) -> ConnectionView:
        """One connection with its health figures (a calendar feed's with its export URL and
        calendar)."""
        health = queries.health(organization_id, connection_id)
        return ConnectionView.of(health, feed_of(feeds, organization_id, connection_id))

    @delete("/{connection_id:uuid}", status_code=200, responses=errors(404, 409, 502, 503))
    async def disconnect(
        self,
        organization_id: UUID,
        connection_id: UUID,
        connect: ConnectService,
        queries: Queries,
    ) -> ConnectionView:
        """Disconnect: revoke at the channel, stop syncing, keep the history."""
        await connect.disconnect(organization_id, connection_id)
        health = await asyncio.to_thread(queries.health, organization_id, connection_id)
        return ConnectionView.of(health)

    @post("/{connection_id:uuid}/sync", status_code=HTTP_202_ACCEPTED, responses=errors(404, 409))
    async def start_sync(
        self, organization_id: UUID, connection_id: UUID, sync: SyncService
    ) -> Response[SyncRun]:
        """Start a full sync; poll ``GET /sync-runs/{id}`` for its progress."""
        run = await asyncio.to_thread(sync.request, organization_id, connection_id)
        return Response(
            run,
            status_code=HTTP_202_ACCEPTED,
            background=BackgroundTask(sync.full_sync, connection_id, run),
        )

    @get("/{connection_id:uuid}/sync-runs", sync_to_thread=True, responses=errors(404))
    def list_sync_runs(
        self, organization_id: UUID, connection_id: UUID, queries: Queries, limit: Limit = 50
    ) -> list[SyncRun]:
        """A connection's sync runs, newest first."""
        return queries.sync_runs(organization_id, connection_id, limit=limit)

    @get("/{connection_id:uuid}/properties", responses=errors(404, 409, 502, 503))
    async def list_channel_properties(
        self, organization_id: UUID, connection_id: UUID, mappings: MappingService
    ) -> list[HotelView]:
        """The channel's hotels, room types and rate plans beside our mapping of them."""
        return await mappings.discover(organization_id, connection_id)

    @put("/{connection_id:uuid}/mappings", responses=errors(404, 409, 413, 422, 502, 503))
    async def save_mappings(
        self,
        organization_id: UUID,
        connection_id: UUID,
        data: MappingsInput,
        mappings: MappingService,
    ) -> list[HotelView]:
        """Confirm property, room type and rate plan mappings (validated)."""
        return await mappings.save(organization_id, connection_id, data)

    @post(
        "/{connection_id:uuid}/ari",
        status_code=HTTP_202_ACCEPTED,
        sync_to_thread=True,
        responses=errors(404, 409, 413, 422),
    )
    def push_ari(
        self,
        organization_id: UUID,
        connection_id: UUID,
        data: AriChangesBody,
        ari: AriService,
    ) -> AcceptedPushes:
        """Queue availability, rate and restriction changes; the worker delivers them."""
        queued = ari.submit(organization_id, connection_id, data.changes)
        return AcceptedPushes(push_ids=tuple(m.id for m in queued))

    @post(
        "/{connection_id:uuid}/resync",
        status_code=HTTP_202_ACCEPTED,
        sync_to_thread=True,
        responses=errors(404, 409, 413, 422),
    )
    def resync(
        self,
        organization_id: UUID,
        connection_id: UUID,
        data: ResyncBody,
        repair: RepairService,
    ) -> ResyncResult:
        """Send the nights ``from..to`` of our calendar again, in full, to this connection:
        for every unit and rate plan it maps (hotels whose sync is on), what is left to sell
        on every night and every rate and restriction that is set. Queued in one
        transaction; the worker delivers the pushes."""
        return repair.resync(organization_id, connection_id, data.start, data.end)

    @get("/{connection_id:uuid}/drift", responses=errors(404, 422, 502, 503))
    async def drift(
        self,
        organization_id: UUID,
        connection_id: UUID,
        repair: RepairService,
        queries: Queries,
        start: DriftFrom = None,
        end: DriftTo = None,
    ) -> DriftReport:
        """Values of our calendar on ``from..to`` the connection may not hold: never sent,
        failed, still queued or changed since delivered (our delivery record), and, where
        the channel can read its ARI back, what it holds otherwise. No differences: an
        empty ``differences``."""
        # Whose connection it is comes first: another organisation's id is a 404 whatever
        # the parameters, never a 400 that answers before ownership was looked at.
        await asyncio.to_thread(queries.connection, organization_id, connection_id)
        first, last = required_window(start, end)
        return await repair.drift(organization_id, connection_id, first, last)

    @get("/{connection_id:uuid}/messages", sync_to_thread=True, responses=errors(404))
    def list_messages(
        self,
        organization_id: UUID,
        connection_id: UUID,
        queries: Queries,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[MessageLogEntry]:
        """The connection's message log (bodies redacted), newest first."""
        return queries.messages(organization_id, connection_id, limit, offset)


class SyncRunsController(Controller):
    """Single sync runs."""

    path = "/sync-runs"
    tags = ("connections",)

    @get("/{run_id:uuid}", sync_to_thread=True, responses=errors(404))
    def get_sync_run(self, organization_id: UUID, run_id: UUID, queries: Queries) -> SyncRun:
        """One sync run (its counts grow while it runs)."""
        return queries.sync_run(organization_id, run_id)


class PushesController(Controller):
    """Outbound ARI messages."""

    path = "/pushes"
    tags = ("ari",)

    @get("/", sync_to_thread=True, responses=errors(404))
    def list_pushes(
        self,
        organization_id: UUID,
        dispatcher: OutboundDispatcher,
        connection_id: UUID | None = None,
        push_state: Annotated[OutboundState | None, QueryParameter(name="state")] = None,
        limit: Limit = 100,
    ) -> list[PushView]:
        """Pushes, newest first (``?state=failed`` for the ones that need attention)."""
        found = dispatcher.list(organization_id, connection_id, push_state, limit)
        return [PushView.of(m) for m in found]

    @get("/{push_id:uuid}", sync_to_thread=True, responses=errors(404))
    def get_push(
        self, organization_id: UUID, push_id: UUID, dispatcher: OutboundDispatcher
    ) -> PushView:
        """State, attempts, the channel's confirmation or errors."""
        return PushView.of(dispatcher.get(organization_id, push_id))

    @post("/{push_id:uuid}/retry", sync_to_thread=True, responses=errors(404, 409))
    def retry_push(
        self, organization_id: UUID, push_id: UUID, dispatcher: OutboundDispatcher
    ) -> PushView:
        """Send a failed push again from scratch."""
        return PushView.of(dispatcher.replay(organization_id, push_id))


class PropertiesController(Controller):
    """Our own properties and units."""

    path = "/properties"
    tags = ("inventory",)

    @get("/", sync_to_thread=True, responses=errors())
    def list_properties(self, organization_id: UUID, inventory: InventoryService) -> list[Property]:
        """The organisation's properties."""
        return inventory.list_properties(organization_id)

    @post("/", sync_to_thread=True, responses=errors(409, 413, 422))
    def create_property(
        self, organization_id: UUID, data: PropertyBody, inventory: InventoryService
    ) -> Property:
        """Add a property."""
        return inventory.create_property(organization_id, data.name, data.currency, data.timezone)

    @get("/{property_id:uuid}/units", sync_to_thread=True, responses=errors(404))
    def list_units(
        self, organization_id: UUID, property_id: UUID, inventory: InventoryService
    ) -> list[Unit]:
        """A property's units."""
        return inventory.list_units(organization_id, property_id)

    @post("/{property_id:uuid}/units", sync_to_thread=True, responses=errors(404, 409, 413, 422))
    def create_unit(
        self,
        organization_id: UUID,
        property_id: UUID,
        data: UnitBody,
        inventory: InventoryService,
    ) -> Unit:
        """Add a unit (a sellable room type with ``count`` identical rooms)."""
        return inventory.create_unit(
            organization_id, property_id, data.name, data.count, data.max_occupancy
        )


class ReservationsController(Controller):
    """Reservations from every channel."""

    path = "/reservations"
    tags = ("reservations",)

    @get("/", sync_to_thread=True, responses=errors())
    def list_reservations(
        self,
        organization_id: UUID,
        queries: Queries,
        property_id: UUID | None = None,
        status: ReservationStatus | None = None,
        arrival_from: date | None = None,
        arrival_to: date | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[Reservation]:
        """Reservations by arrival, filtered."""
        return queries.reservations(
            organization_id,
            property_id=property_id,
            status=status,
            arrival_from=arrival_from,
            arrival_to=arrival_to,
            limit=limit,
            offset=offset,
        )

    @get("/{reservation_id:uuid}", sync_to_thread=True, responses=errors(404))
    def get_reservation(
        self, organization_id: UUID, reservation_id: UUID, queries: Queries
    ) -> Reservation:
        """One reservation with stays, guests, nightly prices and totals."""
        return queries.reservation(organization_id, reservation_id)

    @get("/{reservation_id:uuid}/messages", sync_to_thread=True, responses=errors(404))
    def list_reservation_messages(
        self,
        organization_id: UUID,
        reservation_id: UUID,
        queries: Queries,
        excerpts: MessageExcerpts,
    ) -> list[MessageLogEntry]:
        """The logged messages that name the reservation, newest first, each cut to this
        reservation alone (bodies redacted; never the rest of the batch or push)."""
        reservation = queries.reservation(organization_id, reservation_id)
        return reservation_messages(queries, excerpts, organization_id, reservation)[1]

    @get("/{reservation_id:uuid}/revisions", sync_to_thread=True, responses=errors(404))
    def get_reservation_revisions(
        self, organization_id: UUID, reservation_id: UUID, queries: Queries
    ) -> list[RevisionEntry]:
        """Every applied version of a reservation, oldest first: for a modification what
        changed (dates, rooms, guests, meal plan, prices), for a cancellation when."""
        return list(queries.reservation(organization_id, reservation_id).history)


API_CONTROLLERS = (
    ConnectionsController,
    SyncRunsController,
    PushesController,
    PropertiesController,
    ReservationsController,
    CalendarController,
    PushInboxController,
    WebhooksController,
    ConnectionRulesController,
    HealthController,
    RatePlansController,
)
