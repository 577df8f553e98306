"""Organisation scoping: every lookup by id checks that the caller's organisation owns it."""

from __future__ import annotations

from uuid import UUID

from channel_manager.application.errors import ConnectionNotActive
from channel_manager.domain.connection import Connection, ConnectionStatus
from channel_manager.domain.errors import NotFound
from channel_manager.domain.inventory import Property, Unit
from channel_manager.ports.repositories import UnitOfWork


def owned_connection(uow: UnitOfWork, organization_id: UUID, connection_id: UUID) -> Connection:
    """The connection if it belongs to ``organization_id``; ``NotFound`` otherwise."""
    connection = uow.connections.get(connection_id)
    if connection.organization_id != organization_id:
        raise NotFound("connection", connection_id)
    return connection


def require_active(connection: Connection) -> Connection:
    """``connection`` if it may talk to its channel; ``ConnectionNotActive`` otherwise (a
    revoked connection's hotel may belong to someone else now: nothing may reach it).
    """
    if connection.status is ConnectionStatus.REVOKED:
        raise ConnectionNotActive(
            "this connection is revoked: it no longer talks to the channel "
            "(connect the hotel again to manage it)"
        )
    if not connection.is_active:
        raise ConnectionNotActive(
            f"this connection is {connection.status.value}, not active: it cannot "
            "talk to the channel until it is connected again"
        )
    return connection


def active_connection(uow: UnitOfWork, organization_id: UUID, connection_id: UUID) -> Connection:
    """The organisation's connection if it is active; ``NotFound`` for anyone else's,
    ``ConnectionNotActive`` when it is pending, in error or revoked.
    """
    return require_active(owned_connection(uow, organization_id, connection_id))


def owned_property(uow: UnitOfWork, organization_id: UUID, property_id: UUID) -> Property:
    """The property if it belongs to ``organization_id``; ``NotFound`` otherwise."""
    found = uow.properties.get(property_id)
    if found.organization_id != organization_id:
        raise NotFound("property", property_id)
    return found


def owned_unit(uow: UnitOfWork, organization_id: UUID, unit_id: UUID) -> Unit:
    """The unit if its property belongs to ``organization_id``; ``NotFound`` otherwise."""
    unit = uow.units.get(unit_id)
    try:
        owned_property(uow, organization_id, unit.property_id)
    except NotFound:
        raise NotFound("unit", unit_id) from None
    return unit
