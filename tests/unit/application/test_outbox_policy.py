"""The outbox queues what the connection's channel policy makes of a change set: it asks the
channel registry for the plug-in of ``Connection.channel`` and knows no channel's rules."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from channel_manager.adapters.booking.publish_policy import BookingPublishPolicy
from channel_manager.adapters.memory.channel_plugin import FakeChannelPlugin
from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import Uuid4Generator
from channel_manager.application.channels import ChannelNotRegistered, ChannelRegistry
from channel_manager.application.outbox import AriOutbox
from channel_manager.domain.ari import (
    AriChangeSet,
    AriChangeSetBuilder,
    AriKey,
    AriRequest,
    AvailRange,
    AvailRequest,
)
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.inventory import Organization
from channel_manager.domain.sync import OutboundMessage
from tests.support.clock import MovableClock
from tests.support.database import fresh_engine

HOTEL = "H1"
KEY = AriKey(HOTEL, "R1")


class OneDayPerRequest:
    """A channel that takes one day per message and caps availability at 9 rooms."""

    max_items: int | None = 1

    def shape(self, change_set: AriChangeSet) -> list[AriRequest]:
        return [
            AvailRequest(
                hotel_code=key.hotel_code,
                month=day.replace(day=1),
                items=(
                    AvailRange(
                        room_type_code=key.room_type_code,
                        rate_plan_code=key.rate_plan_code,
                        start=day,
                        end=day,
                        booking_limit=self.sent_availability(values.availability or 0),
                    ),
                ),
            )
            for key, day, values in change_set.items()
        ]

    def sent_availability(self, count: int) -> int:
        return min(count, 9)

    def render(self, request: AriRequest) -> tuple[str, str]:
        return "DailyAvail", repr(request)


def _connection(organization: Organization, channel: str) -> Connection:
    return Connection(
        id=uuid4(),
        organization_id=organization.id,
        channel=channel,
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        credential_ref="vault:1",
        created_at=MovableClock().now(),
    )


def test_each_connection_is_queued_what_its_channels_policy_makes() -> None:
    registry = ChannelRegistry(
        [
            FakeChannelPlugin.over("booking", publish_policy=BookingPublishPolicy()),
            FakeChannelPlugin.over("daily", publish_policy=OneDayPerRequest()),
        ]
    )
    outbox = AriOutbox(MovableClock(), Uuid4Generator(), max_attempts=3, policies=registry)
    organization = Organization(uuid4(), "Canal Hotels")
    booking, daily = _connection(organization, "booking"), _connection(organization, "daily")
    # Three days of 300 rooms, across a month boundary.
    change_set = (
        AriChangeSetBuilder().set(KEY, date(2027, 1, 31), date(2027, 2, 2), availability=300)
    ).build()
    factory = SqlAlchemyUnitOfWorkFactory(fresh_engine(), clock=MovableClock())
    with factory() as uow:
        uow.organizations.add(organization)
        uow.connections.add(booking)
        uow.connections.add(daily)
        to_booking = outbox.queue(uow, booking, change_set)
        to_daily = outbox.queue(uow, daily, change_set)
        uow.commit()

    def ranges(messages: list[OutboundMessage]) -> list[tuple[date, date, int | None]]:
        requests = [m.payload for m in messages if isinstance(m.payload, AvailRequest)]
        assert len(requests) == len(messages)
        return [(item.start, item.end, item.booking_limit) for r in requests for item in r.items]

    # Booking.com: one request per month, equal days merged, 254 at most.
    assert ranges(to_booking) == [
        (date(2027, 1, 31), date(2027, 1, 31), 254),
        (date(2027, 2, 1), date(2027, 2, 2), 254),
    ]
    # The other channel: one request per day, its own cap.
    assert ranges(to_daily) == [
        (date(2027, 1, 31), date(2027, 1, 31), 9),
        (date(2027, 2, 1), date(2027, 2, 1), 9),
        (date(2027, 2, 2), date(2027, 2, 2), 9),
    ]
    assert outbox.policy(daily).sent_availability(300) == 9
    assert outbox.policy(booking).sent_availability(300) == 254
    assert {m.connection_id for m in to_daily} == {daily.id}


def test_a_connection_on_an_unregistered_channel_queues_nothing() -> None:
    registry = ChannelRegistry(
        [FakeChannelPlugin.over("booking", publish_policy=BookingPublishPolicy())]
    )
    outbox = AriOutbox(MovableClock(), Uuid4Generator(), max_attempts=3, policies=registry)
    organization = Organization(uuid4(), "Canal Hotels")
    stray = _connection(organization, "gone")
    change_set = AriChangeSetBuilder().set(KEY, date(2027, 3, 1), date(2027, 3, 1), availability=1)
    with SqlAlchemyUnitOfWorkFactory(fresh_engine(), clock=MovableClock())() as uow:
        uow.organizations.add(organization)
        uow.connections.add(stray)
        with pytest.raises(ChannelNotRegistered):
            outbox.queue(uow, stray, change_set.build())
        assert sum(uow.outbound.summary(stray.id).counts.values()) == 0
