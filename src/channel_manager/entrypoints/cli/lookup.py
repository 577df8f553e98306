"""The operator's view across organisations.

The use cases are scoped to one organisation, as the REST API needs. An operator at the command
line names a connection, push or property by id instead, so these reads find its organisation
first; the commands then call the scoped use cases with it.
"""

from __future__ import annotations

from uuid import UUID

from channel_manager.application.errors import InvalidRequest
from channel_manager.container import Container
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import NotFound
from channel_manager.domain.inventory import Organization
from channel_manager.domain.reservation import Reservation
from channel_manager.domain.sync import OutboundMessage, OutboundState


def organization_named(container: Container, name: str) -> Organization:
    """The organisation called ``name`` (`NotFound` when there is none; nothing is created)."""
    with container.uow_factory()() as uow:
        for organization in uow.organizations.list():
            if organization.name == name:
                return organization
    raise NotFound("organization", repr(name))


def organizations(container: Container) -> list[Organization]:
    """Every organisation."""
    with container.uow_factory()() as uow:
        return uow.organizations.list()


def owners(container: Container, name: str | None) -> list[Organization]:
    """The organisation named ``name``, or every one when no name is given (the lists'
    ``--organization`` option)."""
    return [organization_named(container, name)] if name is not None else organizations(container)


def connection(container: Container, connection_id: UUID) -> Connection:
    """A connection of any organisation."""
    with container.uow_factory()() as uow:
        return uow.connections.get(connection_id)


def reservation(container: Container, reference: str) -> Reservation:
    """A reservation of any organisation, by our id or by the channel's reservation number
    (refused when that number names reservations of several connections)."""
    try:
        reservation_id = UUID(reference)
    except ValueError:
        reservation_id = None
    with container.uow_factory()() as uow:
        if reservation_id is not None:
            return uow.reservations.get(reservation_id)
        found = uow.reservations.find_by_external_id(reference.strip())
    if not found:
        raise NotFound("reservation", repr(reference))
    if len(found) > 1:
        ids = ", ".join(str(item.id) for item in found)
        raise InvalidRequest(
            f"{len(found)} connections hold a reservation {reference!r}; name one by id: {ids}"
        )
    return found[0]


def push_owner(container: Container, push_id: UUID) -> UUID:
    """The organisation whose connection queued push ``push_id``."""
    with container.uow_factory()() as uow:
        message = uow.outbound.get(push_id)
        return uow.connections.get(message.connection_id).organization_id


def property_owner(container: Container, property_id: UUID) -> UUID:
    """The organisation a property belongs to."""
    with container.uow_factory()() as uow:
        return uow.properties.get(property_id).organization_id


def all_pushes(
    container: Container, state: OutboundState | None, limit: int
) -> list[OutboundMessage]:
    """Pushes of every organisation, newest first."""
    with container.uow_factory()() as uow:
        return uow.outbound.list(state=state, limit=limit)
