"""Connections (with claiming of due work), authorisation states and the mapping tables."""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows import channel as rows
from channel_manager.domain.connection import (
    AuthMode,
    AuthState,
    Connection,
    ConnectionStatus,
    HotelClaim,
)
from channel_manager.domain.errors import HotelAlreadyHeld, MappingConflict, NotFound
from channel_manager.domain.mapping import PropertyMapping, RatePlanMapping, UnitMapping


class SqlAlchemyConnectionRepository:
    """Channel connections.

    ``due_for_poll``/``due_for_sync`` claim: on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so
    concurrent workers take different connections; on SQLite the unit of work's ``BEGIN
    IMMEDIATE`` serialises claimers (one worker is the supported set-up there). A claimed
    connection's next time is pushed ``claim_lease`` ahead: if its worker dies, the
    connection becomes due again after the lease instead of never.
    """

    def __init__(self, connection: sa.Connection, claim_lease: timedelta) -> None:
        self._connection = connection
        self._rows = TableAccess(connection, tables.connections, "connection")
        self._claim_lease = claim_lease

    def get(self, id: UUID) -> Connection:
        """The connection; NotFound when unknown."""
        return self._rows.one(rows.connection_from_row, id)

    def add(self, connection: Connection) -> None:
        """Insert a new connection."""
        self._rows.insert(rows.connection_to_row(connection), connection.id)

    def get_for_update(self, id: UUID) -> Connection:
        """The connection, its row locked until the transaction ends (on SQLite, where a
        writing transaction holds the whole database, a plain read)."""
        table = tables.connections
        row = (
            self._connection.execute(sa.select(table).where(table.c.id == id).with_for_update())
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("connection", id)
        return rows.connection_from_row(row)

    def update(self, connection: Connection) -> None:
        """Overwrite an existing connection."""
        self._rows.update(rows.connection_to_row(connection))

    def list(
        self, organization_id: UUID, status: ConnectionStatus | None = None
    ) -> builtins.list[Connection]:
        """An organisation's connections, oldest first."""
        order = ("created_at", "id")
        if status is None:
            return self._rows.many_by(
                rows.connection_from_row, order_by=order, organization_id=organization_id
            )
        return self._rows.many_by(
            rows.connection_from_row,
            order_by=order,
            organization_id=organization_id,
            status=status.value,
        )

    def find_by_external_account(self, external_account_id: str) -> builtins.list[Connection]:
        """Connections on this channel account, oldest first."""
        return self._rows.many_by(
            rows.connection_from_row,
            order_by=("created_at", "id"),
            external_account_id=external_account_id,
        )

    def due_for_poll(self, now: datetime, limit: int) -> builtins.list[Connection]:
        """Claim active connections whose poll is due; their ``next_poll_at`` is leased."""
        return self._claim_due(tables.connections.c.next_poll_at, now, limit)

    def due_for_sync(self, now: datetime, limit: int) -> builtins.list[Connection]:
        """Claim active connections whose sync is due; their ``next_sync_at`` is leased."""
        return self._claim_due(tables.connections.c.next_sync_at, now, limit)

    def _claim_due(
        self, due_column: sa.Column[datetime], now: datetime, limit: int
    ) -> builtins.list[Connection]:
        table = tables.connections
        statement = (
            sa.select(table)
            .where(table.c.status == ConnectionStatus.ACTIVE.value, due_column <= now)
            .order_by(due_column, table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = [
            rows.connection_from_row(row) for row in self._connection.execute(statement).mappings()
        ]
        if not claimed:
            return []
        leased_until = now + self._claim_lease
        self._connection.execute(
            table.update()
            .where(table.c.id.in_([connection.id for connection in claimed]))
            .values({due_column.name: leased_until})
        )
        if due_column.name == "next_poll_at":
            return [c.schedule(next_poll_at=leased_until) for c in claimed]
        return [c.schedule(next_sync_at=leased_until) for c in claimed]


class SqlAlchemyHotelClaimRepository:
    """``hotel_claims``: its primary key is the hotel, so a second holder is a unique
    violation (on PostgreSQL a concurrent claimer waits for the first to commit, then fails).
    """

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._rows = TableAccess(connection, tables.hotel_claims, "hotel claim")

    def add(self, claim: HotelClaim) -> None:
        """Claim the hotel; HotelAlreadyHeld when it is held."""

        def held() -> HotelAlreadyHeld:
            holder = self.find(claim.channel, claim.external_property_id)
            return HotelAlreadyHeld(
                claim.channel,
                claim.external_property_id,
                same_organization=holder is not None
                and holder.organization_id == claim.organization_id,
                holder_connection_id=holder.connection_id if holder else None,
            )

        self._rows.insert(
            rows.hotel_claim_to_row(claim),
            (claim.channel, claim.external_property_id),
            held,
        )

    def find(self, channel: str, external_property_id: str) -> HotelClaim | None:
        """The claim on the hotel, if any."""
        return self._rows.first_by(
            rows.hotel_claim_from_row, channel=channel, external_property_id=external_property_id
        )

    def list_by_connection(self, connection_id: UUID) -> builtins.list[HotelClaim]:
        """The hotels a connection holds."""
        return self._rows.many_by(
            rows.hotel_claim_from_row,
            order_by=("external_property_id",),
            connection_id=connection_id,
        )

    def release(self, channel: str, external_property_id: str) -> None:
        """End the claim on one hotel."""
        table = tables.hotel_claims
        self._connection.execute(
            table.delete().where(
                table.c.channel == channel, table.c.external_property_id == external_property_id
            )
        )

    def release_connection(self, connection_id: UUID) -> int:
        """End every claim of the connection; how many ended."""
        return self._rows.delete(connection_id, key_column="connection_id")


class SqlAlchemyAuthStateRepository:
    """Single-use authorisation states."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.auth_states, "authorisation state")

    def add(self, state: AuthState) -> None:
        """Insert a new state."""
        self._rows.insert(rows.auth_state_to_row(state), "(state hidden)")

    def update(self, state: AuthState) -> None:
        """Overwrite a state (e.g. consumed)."""
        self._rows.update(rows.auth_state_to_row(state), key_column="state")

    def get(self, state: str) -> AuthState:
        """The state; NotFound when unknown."""
        return self._rows.one(rows.auth_state_from_row, state, key_column="state")

    def open_for_hotel(self, auth_mode: AuthMode, hotel_id: str, now: datetime) -> list[AuthState]:
        """Unused, unexpired states of ``auth_mode`` flows for ``hotel_id``, oldest first."""
        table = tables.auth_states
        return self._rows.many(
            rows.auth_state_from_row,
            table.c.auth_mode == auth_mode.value,
            table.c.hotel_id == hotel_id,
            table.c.used_at.is_(None),
            table.c.expires_at > now,
            order_by=(table.c.created_at, table.c.state),
        )


class SqlAlchemyPropertyMappingRepository:
    """Channel hotel <-> property mappings (``integration_property_mappings``)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.property_mappings, "property mapping")

    def get(self, id: UUID) -> PropertyMapping:
        """The mapping; NotFound when unknown."""
        return self._rows.one(rows.property_mapping_from_row, id)

    def add(self, mapping: PropertyMapping) -> None:
        """Insert; a second mapping of the same hotel in a connection is a MappingConflict."""
        self._rows.insert(
            rows.property_mapping_to_row(mapping),
            mapping.id,
            lambda: MappingConflict(
                f"external property {mapping.external_property_id} is already mapped "
                f"on connection {mapping.connection_id}"
            ),
        )

    def update(self, mapping: PropertyMapping) -> None:
        """Overwrite an existing mapping."""
        self._rows.update(rows.property_mapping_to_row(mapping))

    def remove(self, id: UUID) -> None:
        """Delete the mapping (its unit and rate plan mappings must be removed first)."""
        self._rows.delete(id)

    def list_by_connection(self, connection_id: UUID) -> list[PropertyMapping]:
        """A connection's mappings by external hotel id."""
        return self._rows.many_by(
            rows.property_mapping_from_row,
            order_by=("external_property_id",),
            connection_id=connection_id,
        )

    def find(self, connection_id: UUID, external_property_id: str) -> PropertyMapping | None:
        """The mapping of one channel hotel within a connection, if any."""
        return self._rows.first_by(
            rows.property_mapping_from_row,
            connection_id=connection_id,
            external_property_id=external_property_id,
        )

    def find_by_hotel_code(self, external_property_id: str) -> list[PropertyMapping]:
        """Every mapping of a channel hotel across connections, oldest first."""
        return self._rows.many_by(
            rows.property_mapping_from_row,
            order_by=("created_at", "id"),
            external_property_id=external_property_id,
        )


class SqlAlchemyUnitMappingRepository:
    """Channel room type <-> unit mappings (``integration_unit_mappings``)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.unit_mappings, "unit mapping")

    def add(self, mapping: UnitMapping) -> None:
        """Insert; the same room type twice in one property mapping is a MappingConflict."""
        self._rows.insert(
            rows.unit_mapping_to_row(mapping),
            mapping.id,
            lambda: MappingConflict(
                f"external room type {mapping.external_room_type_id} is already mapped "
                f"in property mapping {mapping.property_mapping_id}"
            ),
        )

    def remove(self, id: UUID) -> None:
        """Delete the mapping; no error when it is already gone."""
        self._rows.delete(id)

    def list_by_property_mapping(self, property_mapping_id: UUID) -> list[UnitMapping]:
        """A property mapping's room type mappings by external room type id."""
        return self._rows.many_by(
            rows.unit_mapping_from_row,
            order_by=("external_room_type_id",),
            property_mapping_id=property_mapping_id,
        )

    def find(self, property_mapping_id: UUID, external_room_type_id: str) -> UnitMapping | None:
        """The mapping of one channel room type, if any."""
        table = tables.unit_mappings
        return self._rows.first(
            rows.unit_mapping_from_row,
            table.c.property_mapping_id == property_mapping_id,
            table.c.external_room_type_id == external_room_type_id,
        )


class SqlAlchemyRatePlanMappingRepository:
    """Channel rate plan <-> rate plan mappings."""

    def __init__(self, connection: sa.Connection) -> None:
        self._rows = TableAccess(connection, tables.rate_plan_mappings, "rate plan mapping")

    def add(self, mapping: RatePlanMapping) -> None:
        """Insert; the same rate plan twice in one property mapping is a MappingConflict."""
        self._rows.insert(
            rows.rate_plan_mapping_to_row(mapping),
            mapping.id,
            lambda: MappingConflict(
                f"external rate plan {mapping.external_rate_plan_id} is already mapped "
                f"in property mapping {mapping.property_mapping_id}"
            ),
        )

    def remove(self, id: UUID) -> None:
        """Delete the mapping; no error when it is already gone."""
        self._rows.delete(id)

    def list_by_property_mapping(self, property_mapping_id: UUID) -> list[RatePlanMapping]:
        """A property mapping's rate plan mappings by external rate plan id."""
        return self._rows.many_by(
            rows.rate_plan_mapping_from_row,
            order_by=("external_rate_plan_id",),
            property_mapping_id=property_mapping_id,
        )

    def find(self, property_mapping_id: UUID, external_rate_plan_id: str) -> RatePlanMapping | None:
        """The mapping of one channel rate plan, if any."""
        table = tables.rate_plan_mappings
        return self._rows.first(
            rows.rate_plan_mapping_from_row,
            table.c.property_mapping_id == property_mapping_id,
            table.c.external_rate_plan_id == external_rate_plan_id,
        )
