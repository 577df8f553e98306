"""The outbox merges a change into the newest pending message of its hotel, kind and month
(issue 18): the message keeps its id and place, the policy's size limit holds (a change that
would overflow it is queued after it), and a message in flight is never touched."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from channel_manager.adapters.booking.publish_policy import BookingPublishPolicy
from channel_manager.adapters.memory.channel_plugin import FakeChannelPlugin
from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import Uuid4Generator
from channel_manager.application.channels import ChannelRegistry
from channel_manager.application.outbox import AriOutbox
from channel_manager.domain.ari import AriChangeSetBuilder, AriKey, AvailRequest
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.inventory import Organization
from channel_manager.domain.sync import OutboundMessage
from tests.support.clock import MovableClock
from tests.support.database import fresh_engine

KEY = AriKey("H1", "R1")


class TwoRangesPerRequest(BookingPublishPolicy):
    """Booking.com's shape, with a limit of two ranges a request."""

    max_items = 2


def _day(day: int) -> date:
    return date(2027, 5, day)


class Outbox:
    def __init__(self) -> None:
        self.clock = MovableClock()
        registry = ChannelRegistry(
            [FakeChannelPlugin.over("small", publish_policy=TwoRangesPerRequest())]
        )
        self.outbox = AriOutbox(self.clock, Uuid4Generator(), max_attempts=3, policies=registry)
        self.factory = SqlAlchemyUnitOfWorkFactory(fresh_engine(), clock=self.clock)
        organization = Organization(uuid4(), "Canal Hotels")
        self.connection = Connection(
            id=uuid4(),
            organization_id=organization.id,
            channel="small",
            auth_mode=AuthMode.OAUTH2,
            status=ConnectionStatus.ACTIVE,
            credential_ref="vault:1",
            created_at=self.clock.now(),
        )
        with self.factory() as uow:
            uow.organizations.add(organization)
            uow.connections.add(self.connection)
            uow.commit()

    def set(self, day: int, availability: int) -> list[OutboundMessage]:
        self.clock.advance(timedelta(seconds=1))
        change = AriChangeSetBuilder().set(KEY, _day(day), _day(day), availability=availability)
        with self.factory() as uow:
            queued = self.outbox.queue(uow, self.connection, change.build())
            uow.commit()
        return queued

    def queue(self) -> list[OutboundMessage]:
        """Every message, oldest first."""
        with self.factory() as uow:
            return list(reversed(uow.outbound.list(connection_id=self.connection.id)))


def _ranges(message: OutboundMessage) -> list[tuple[int, int, int | None]]:
    assert isinstance(message.payload, AvailRequest)
    return [(i.start.day, i.end.day, i.booking_limit) for i in message.payload.items]


def test_merged_messages_keep_their_place_and_the_size_limit() -> None:
    outbox = Outbox()
    [first] = outbox.set(1, 4)
    assert [m.id for m in outbox.set(2, 4)] == [first.id]  # merged: the id answered again
    [merged] = outbox.queue()
    assert (merged.id, merged.created_at) == (first.id, first.created_at)
    assert _ranges(merged) == [(1, 2, 4)]  # equal neighbouring nights: one range

    outbox.set(5, 3)
    # Three ranges: one more than a request may carry. The change becomes a message of its
    # own after the first, which stays as it was.
    [overflow] = outbox.set(9, 2)
    kept, queued_overflow = outbox.queue()
    assert (kept.id, queued_overflow.id) == (first.id, overflow.id)
    assert _ranges(kept) == [(1, 2, 4), (5, 5, 3)]
    assert _ranges(overflow) == [(9, 9, 2)]
    assert overflow.created_at > kept.created_at

    # The newest message of the month is the overflow now: later changes go there.
    outbox.set(1, 0)
    kept, overflow = outbox.queue()
    assert _ranges(kept) == [(1, 2, 4), (5, 5, 3)]
    assert _ranges(overflow) == [(1, 1, 0), (9, 9, 2)]


def test_a_message_in_flight_is_left_as_it_is() -> None:
    outbox = Outbox()
    [first] = outbox.set(1, 4)
    with outbox.factory() as uow:
        [claimed] = uow.outbound.claim_due(outbox.clock.now(), "w1", 10)
        uow.commit()
    [second] = outbox.set(1, 3)
    assert second.id != first.id
    flying, waiting = outbox.queue()
    assert (flying.id, _ranges(flying)) == (claimed.id, [(1, 1, 4)])
    assert _ranges(waiting) == [(1, 1, 3)]
    # The next change merges into the one waiting, never into the one in flight.
    assert [m.id for m in outbox.set(1, 2)] == [second.id]


def test_another_month_or_kind_is_a_message_of_its_own() -> None:
    outbox = Outbox()
    outbox.set(1, 4)
    outbox.clock.advance(timedelta(seconds=1))
    june = AriChangeSetBuilder().set(KEY, date(2027, 6, 1), date(2027, 6, 1), availability=1)
    with outbox.factory() as uow:
        [in_june] = outbox.outbox.queue(uow, outbox.connection, june.build())
        uow.commit()
    assert len(outbox.queue()) == 2
    assert isinstance(in_june.payload, AvailRequest)
    assert in_june.payload.month == date(2027, 6, 1)
