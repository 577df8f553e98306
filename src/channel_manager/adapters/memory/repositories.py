"""In-memory repositories for inventory, connections, hotel claims, mappings, keys and auth
states.

They follow the SQLAlchemy repositories' contract (same orderings, same errors), which the
contract tests in ``tests/contract/repositories`` check against both.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from channel_manager.adapters.memory.store import TableView
from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.connection import (
    AuthMode,
    AuthState,
    Connection,
    ConnectionStatus,
    HotelClaim,
)
from channel_manager.domain.errors import HotelAlreadyHeld, MappingConflict
from channel_manager.domain.inventory import Organization, Property, RatePlan, Unit
from channel_manager.domain.mapping import PropertyMapping
from channel_manager.ports.errors import DuplicateRecord


class InMemoryOrganizationRepository:
    """Tenants."""

    def __init__(self, rows: TableView[Organization]) -> None:
        self._rows = rows

    def get(self, id: UUID) -> Organization:
        """The organisation; NotFound when unknown."""
        return self._rows.get(id)

    def add(self, organization: Organization) -> None:
        """Insert a new organisation."""
        self._rows.insert(organization.id, organization)

    def list(self) -> builtins.list[Organization]:
        """Every organisation by name."""
        return sorted(self._rows.values(), key=lambda o: (o.name, o.id))


class InMemoryPropertyRepository:
    """Our properties."""

    def __init__(self, rows: TableView[Property]) -> None:
        self._rows = rows

    def get(self, id: UUID) -> Property:
        """The property; NotFound when unknown."""
        return self._rows.get(id)

    def add(self, property: Property) -> None:
        """Insert a new property."""
        self._rows.insert(property.id, property)

    def update(self, property: Property) -> None:
        """Overwrite an existing property."""
        self._rows.replace(property.id, property)

    def list(self, organization_id: UUID) -> builtins.list[Property]:
        """An organisation's properties by name."""
        found = self._rows.select(lambda p: p.organization_id == organization_id)
        return sorted(found, key=lambda p: (p.name, p.id))


class InMemoryUnitRepository:
    """Our units."""

    def __init__(self, rows: TableView[Unit]) -> None:
        self._rows = rows

    def get(self, id: UUID) -> Unit:
        """The unit; NotFound when unknown."""
        return self._rows.get(id)

    def add(self, unit: Unit) -> None:
        """Insert a new unit."""
        self._rows.insert(unit.id, unit)

    def update(self, unit: Unit) -> None:
        """Overwrite an existing unit."""
        self._rows.replace(unit.id, unit)

    def list_by_property(self, property_id: UUID) -> list[Unit]:
        """A property's units by name."""
        found = self._rows.select(lambda u: u.property_id == property_id)
        return sorted(found, key=lambda u: (u.name, u.id))


class InMemoryRatePlanRepository:
    """Our rate plans (codes unique per property)."""

    def __init__(self, rows: TableView[RatePlan]) -> None:
        self._rows = rows

    def get(self, id: UUID) -> RatePlan:
        """The rate plan; NotFound when unknown."""
        return self._rows.get(id)

    def add(self, rate_plan: RatePlan) -> None:
        """Insert a new rate plan."""
        if any(
            self._rows.select(
                lambda p: p.property_id == rate_plan.property_id and p.code == rate_plan.code
            )
        ):
            raise DuplicateRecord("rate plan", rate_plan.id)
        self._rows.insert(rate_plan.id, rate_plan)

    def list_by_property(self, property_id: UUID) -> list[RatePlan]:
        """A property's rate plans by name."""
        found = self._rows.select(lambda p: p.property_id == property_id)
        return sorted(found, key=lambda p: (p.name, p.id))


class InMemoryApiKeyRepository:
    """API key records (hashes only)."""

    def __init__(self, rows: TableView[ApiKey]) -> None:
        self._rows = rows

    def add(self, key: ApiKey) -> None:
        """Insert a new key record; hashes are unique."""
        if self.get_by_hash(key.key_hash) is not None:
            raise DuplicateRecord("api key", key.id)
        self._rows.insert(key.id, key)

    def update(self, key: ApiKey) -> None:
        """Overwrite a key record."""
        self._rows.replace(key.id, key)

    def get(self, id: UUID) -> ApiKey:
        """The key record; NotFound when unknown."""
        return self._rows.get(id)

    def get_by_hash(self, key_hash: str) -> ApiKey | None:
        """The key whose hash is ``key_hash``, or None."""
        return next(self._rows.select(lambda k: k.key_hash == key_hash), None)

    def list(self, organization_id: UUID) -> builtins.list[ApiKey]:
        """An organisation's keys, oldest first."""
        found = self._rows.select(lambda k: k.organization_id == organization_id)
        return sorted(found, key=lambda k: (k.created_at, k.id))

    def record_use(self, id: UUID, at: datetime) -> None:
        """Set only ``last_used_at`` (unless it is later already)."""
        current = self._rows.get(id)
        if current.last_used_at is None or current.last_used_at < at:
            self._rows.replace(id, attrs.evolve(current, last_used_at=at))


class InMemoryConnectionRepository:
    """Channel connections; claims of due work lock rows like ``SKIP LOCKED``."""

    def __init__(self, rows: TableView[Connection], claim_lease: timedelta) -> None:
        self._rows = rows
        self._claim_lease = claim_lease

    def get(self, id: UUID) -> Connection:
        """The connection; NotFound when unknown."""
        return self._rows.get(id)

    def get_for_update(self, id: UUID) -> Connection:
        """The connection, its row locked until this unit of work ends (another one's
        :meth:`update` of it waits), as ``SELECT ... FOR UPDATE``."""
        self._rows.get(id)  # NotFound before locking anything
        self._rows.lock_row(id)
        return self._rows.get(id)

    def add(self, connection: Connection) -> None:
        """Insert a new connection."""
        self._rows.insert(connection.id, connection)

    def update(self, connection: Connection) -> None:
        """Overwrite an existing connection (after the unit of work that locked it ends)."""
        self._rows.wait_for_row(connection.id)
        self._rows.replace(connection.id, connection)

    def list(
        self, organization_id: UUID, status: ConnectionStatus | None = None
    ) -> builtins.list[Connection]:
        """An organisation's connections, oldest first."""
        found = self._rows.select(
            lambda c: c.organization_id == organization_id and status in (None, c.status)
        )
        return sorted(found, key=lambda c: (c.created_at, c.id))

    def find_by_external_account(self, external_account_id: str) -> builtins.list[Connection]:
        """Connections on this channel account, oldest first."""
        found = self._rows.select(lambda c: c.external_account_id == external_account_id)
        return sorted(found, key=lambda c: (c.created_at, c.id))

    def due_for_poll(self, now: datetime, limit: int) -> builtins.list[Connection]:
        """Claim active connections whose poll is due; their ``next_poll_at`` is leased."""
        leased = now + self._claim_lease
        due = self._claim(lambda c: c.next_poll_at, now, limit)
        return self._lease([c.schedule(next_poll_at=leased) for c in due])

    def due_for_sync(self, now: datetime, limit: int) -> builtins.list[Connection]:
        """Claim active connections whose sync is due; their ``next_sync_at`` is leased."""
        leased = now + self._claim_lease
        due = self._claim(lambda c: c.next_sync_at, now, limit)
        return self._lease([c.schedule(next_sync_at=leased) for c in due])

    def _claim(
        self, due_at: Callable[[Connection], datetime | None], now: datetime, limit: int
    ) -> builtins.list[Connection]:
        due: builtins.list[tuple[datetime, Connection]] = []
        for connection in self._rows.values():
            when = due_at(connection)
            if connection.status is ConnectionStatus.ACTIVE and when is not None and when <= now:
                due.append((when, connection))
        claimed: builtins.list[Connection] = []
        for _, connection in sorted(due, key=lambda item: (item[0], item[1].id)):
            if len(claimed) == limit:
                break
            if self._rows.try_claim(connection.id):
                claimed.append(connection)
        return claimed

    def _lease(self, connections: builtins.list[Connection]) -> builtins.list[Connection]:
        for connection in connections:
            self._rows.put(connection.id, connection)
        return connections


class InMemoryHotelClaimRepository:
    """Hotel claims keyed by ``(channel, external property id)``, like the table's primary
    key. Adding one locks its key for the unit of work until it commits or rolls back, so a
    concurrent claimer of the same hotel is refused as the database would refuse it.
    """

    def __init__(self, rows: TableView[HotelClaim]) -> None:
        self._rows = rows

    def add(self, claim: HotelClaim) -> None:
        """Claim the hotel; HotelAlreadyHeld when it is held (or being claimed)."""
        key = (claim.channel, claim.external_property_id)
        holder = self._rows.find(key)
        if holder is not None or not self._rows.try_claim(key):
            raise HotelAlreadyHeld(
                claim.channel,
                claim.external_property_id,
                same_organization=holder is not None
                and holder.organization_id == claim.organization_id,
                holder_connection_id=holder.connection_id if holder else None,
            )
        self._rows.insert(key, claim)

    def find(self, channel: str, external_property_id: str) -> HotelClaim | None:
        """The claim on the hotel, if any."""
        return self._rows.find((channel, external_property_id))

    def list_by_connection(self, connection_id: UUID) -> builtins.list[HotelClaim]:
        """The hotels a connection holds."""
        held = self._rows.select(lambda c: c.connection_id == connection_id)
        return sorted(held, key=lambda c: c.external_property_id)

    def release(self, channel: str, external_property_id: str) -> None:
        """End the claim on one hotel."""
        self._rows.delete((channel, external_property_id))

    def release_connection(self, connection_id: UUID) -> int:
        """End every claim of the connection; how many ended."""
        held = self.list_by_connection(connection_id)
        for claim in held:
            self.release(claim.channel, claim.external_property_id)
        return len(held)


class InMemoryAuthStateRepository:
    """Single-use authorisation states."""

    def __init__(self, rows: TableView[AuthState]) -> None:
        self._rows = rows

    def add(self, state: AuthState) -> None:
        """Insert a new state."""
        self._rows.insert(state.state, state)

    def update(self, state: AuthState) -> None:
        """Overwrite a state."""
        self._rows.replace(state.state, state)

    def get(self, state: str) -> AuthState:
        """The state; NotFound when unknown."""
        return self._rows.get(state)

    def open_for_hotel(self, auth_mode: AuthMode, hotel_id: str, now: datetime) -> list[AuthState]:
        """Unused, unexpired states of ``auth_mode`` flows for ``hotel_id``, oldest first."""
        found = [
            state
            for state in self._rows.values()
            if state.auth_mode is auth_mode
            and state.hotel_id == hotel_id
            and state.used_at is None
            and not state.is_expired(now)
        ]
        return sorted(found, key=lambda state: (state.created_at, state.state))


class InMemoryPropertyMappingRepository:
    """Channel hotel <-> property mappings; unique per (connection, external hotel)."""

    def __init__(self, rows: TableView[PropertyMapping]) -> None:
        self._rows = rows

    def get(self, id: UUID) -> PropertyMapping:
        """The mapping; NotFound when unknown."""
        return self._rows.get(id)

    def add(self, mapping: PropertyMapping) -> None:
        """Insert; a second mapping of the same hotel in a connection is a MappingConflict."""
        if self.find(mapping.connection_id, mapping.external_property_id) is not None:
            raise MappingConflict(
                f"external property {mapping.external_property_id} is already mapped "
                f"on connection {mapping.connection_id}"
            )
        self._rows.insert(mapping.id, mapping)

    def update(self, mapping: PropertyMapping) -> None:
        """Overwrite an existing mapping."""
        self._rows.replace(mapping.id, mapping)

    def remove(self, id: UUID) -> None:
        """Delete the mapping."""
        self._rows.delete(id)

    def list_by_connection(self, connection_id: UUID) -> list[PropertyMapping]:
        """A connection's mappings by external hotel id."""
        found = self._rows.select(lambda m: m.connection_id == connection_id)
        return sorted(found, key=lambda m: m.external_property_id)

    def find(self, connection_id: UUID, external_property_id: str) -> PropertyMapping | None:
        """The mapping of one channel hotel within a connection, if any."""
        return next(
            self._rows.select(
                lambda m: (
                    m.connection_id == connection_id
                    and m.external_property_id == external_property_id
                )
            ),
            None,
        )

    def find_by_hotel_code(self, external_property_id: str) -> list[PropertyMapping]:
        """Every mapping of a channel hotel across connections, oldest first."""
        found = self._rows.select(lambda m: m.external_property_id == external_property_id)
        return sorted(found, key=lambda m: (m.created_at, m.id))
