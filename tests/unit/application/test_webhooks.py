"""Webhooks (issue 18) through the application: subscribing (the secret shown once, stored
sealed), events recorded in the transaction of what they report, delivered signed and in
order per reservation, backed off, failed visibly, replayed with the same event id, and
organisation-scoped."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa
from dependency_injector import providers

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.adapters.sqlalchemy.tables import (
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
)
from channel_manager.application.ari import AriChangeInput
from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.connection import Connection
from channel_manager.domain.errors import (
    InvalidValue,
    NotFound,
    PermanentChannelError,
    RetryableChannelError,
)
from channel_manager.domain.events import EventType
from channel_manager.domain.webhooks import DeliveryState
from channel_manager.entrypoints.worker.loop import Worker
from tests.support.builders import HOTEL, ROOM_DOUBLE, booking
from tests.support.clock import next_year
from tests.support.outbox import deliver_all
from tests.unit.application.conftest import World

RECEIVER = "https://pms.example.com/hooks"


class FakeTransport:
    """A receiver that records what it is sent and answers a scripted status."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []
        self.statuses: list[int | Exception] = []

    async def check(self, url: str) -> str:
        if "10.0.0.1" in url:
            raise InvalidValue("the webhook URL leads to 10.0.0.1, an address that is not allowed")
        return url

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.sent.append((url, body, dict(headers)))
        answer = self.statuses.pop(0) if self.statuses else 204
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def aclose(self) -> None:
        pass

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _url, body, _headers in self.sent]


@pytest.fixture
def transport(world: World) -> FakeTransport:
    fake = FakeTransport()
    world.container.webhook_transport.override(providers.Object(fake))
    return fake


async def _subscribe(world: World, *events: EventType, organization_id=None):
    return await world.container.webhooks().create(
        organization_id or world.organization.id, RECEIVER, [e.value for e in events]
    )


async def _deliver(world: World) -> int:
    return await world.container.webhook_dispatcher().deliver_due("w1")


async def _connected(world: World) -> Connection:
    connection = await world.connect()
    await world.map_double(connection)
    return connection


async def test_the_secret_is_shown_once_and_stored_sealed(world: World, transport) -> None:
    created = await _subscribe(world, EventType.RESERVATION_CREATED)
    secret = created.secret.reveal_text()
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    [listed] = world.container.webhooks().list(world.organization.id)
    assert listed == created.webhook
    assert "secret" not in repr(listed)
    with world.container.uow_factory()() as uow:
        stored = uow.webhooks.get_subscription(created.webhook.id)
    assert secret.encode() not in stored.sealed_secret
    engine = world.container.engine()
    with engine.connect() as connection:
        rows = connection.execute(sa.select(webhook_subscriptions)).all()
    assert secret not in repr(rows)


async def test_bad_subscriptions_are_refused_with_a_reason(world: World, transport) -> None:
    webhooks = world.container.webhooks()
    with pytest.raises(InvalidValue, match="non-empty"):
        await webhooks.create(world.organization.id, RECEIVER, [])
    with pytest.raises(InvalidValue, match=r"unknown event type 'reservation\.eaten'"):
        await webhooks.create(world.organization.id, RECEIVER, ["reservation.eaten"])
    with pytest.raises(InvalidValue, match="not allowed"):
        await webhooks.create(world.organization.id, "https://10.0.0.1/x", ["push.failed"])
    assert webhooks.list(world.organization.id) == []


async def test_a_booking_and_its_cancellation_arrive_signed_and_in_order(
    world: World, transport
) -> None:
    created = await _subscribe(
        world, EventType.RESERVATION_CREATED, EventType.RESERVATION_CANCELLED
    )
    connection = await _connected(world)
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    world.clock.advance(timedelta(minutes=1))
    world.channel.enqueue(booking("R1", kind=ReservationMessageKind.CANCEL, minute=5))
    await world.container.sync().poll(connection.id)

    # The cancellation waits for the booking (one line per reservation): two rounds.
    assert await _deliver(world) == 2
    [created_body, cancelled_body] = transport.bodies()
    assert [created_body["type"], cancelled_body["type"]] == [
        "reservation.created",
        "reservation.cancelled",
    ]
    [reservation] = world.container.queries().reservations(world.organization.id)
    data = created_body["data"]
    assert data["reservation_id"] == str(reservation.id)
    assert data["external_id"] == "R1"
    assert data["connection_id"] == str(connection.id)
    assert data["status"] == "confirmed"
    assert data["rooms"][0]["unit_id"] == str(world.double.id)
    assert cancelled_body["data"]["status"] == "cancelled"
    assert created_body["organization_id"] == str(world.organization.id)
    # No guest data at all (names, e-mails, cards): ids, dates, status and totals.
    text = json.dumps(transport.bodies())
    for guest in reservation.guests:
        assert guest.surname not in text
    secret = created.secret.reveal_text().encode()
    for _url, body, headers in transport.sent:
        timestamp = headers["Webhook-Timestamp"]
        assert int(timestamp) == int(world.clock.now().timestamp())
        expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert headers["Webhook-Signature"] == f"v1={expected}"
        assert headers["Webhook-Id"] == json.loads(body)["id"]
    log = world.container.webhooks().deliveries(world.organization.id, created.webhook.id)
    assert [d.state for d in log] == [DeliveryState.DELIVERED] * 2
    assert [d.event_type for d in log] == [
        EventType.RESERVATION_CANCELLED,
        EventType.RESERVATION_CREATED,
    ]
    # Redelivering the booking (duplicate) records nothing more.
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    assert await _deliver(world) == 0


async def test_a_failing_receiver_backs_off_holds_the_line_then_fails_and_is_replayed(
    world: World, transport
) -> None:
    created = await _subscribe(world, EventType.RESERVATION_CREATED, EventType.RESERVATION_MODIFIED)
    connection = await _connected(world)
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    world.channel.enqueue(booking("R1", kind=ReservationMessageKind.MODIFY, minute=5, nights=3))
    await world.container.sync().poll(connection.id)
    attempts = world.container.settings().webhooks.max_attempts
    transport.statuses = [500, RetryableChannelError("timed out")] + [503] * (attempts - 2)

    assert await _deliver(world) == 1  # the created one; the modified one waits behind it
    for _ in range(attempts - 2):
        world.clock.advance(timedelta(hours=1))
        assert await _deliver(world) == 1
    assert {b["type"] for b in transport.bodies()} == {"reservation.created"}
    # The last attempt fails it: given up, it holds its line no longer and the modification
    # goes in the same pass.
    world.clock.advance(timedelta(hours=1))
    assert await _deliver(world) == 2
    assert transport.bodies()[-1]["type"] == "reservation.modified"
    log = world.container.webhooks().deliveries(world.organization.id, created.webhook.id)
    failed = next(d for d in log if d.event_type is EventType.RESERVATION_CREATED)
    assert failed.state is DeliveryState.FAILED
    assert failed.attempts == attempts
    assert failed.last_status == 503
    assert "gave up after" in (failed.last_error or "")

    replayed = world.container.webhooks().replay(
        world.organization.id, created.webhook.id, failed.id
    )
    assert (replayed.state, replayed.attempts) == (DeliveryState.PENDING, 0)
    assert await _deliver(world) == 1
    first, last = transport.bodies()[0], transport.bodies()[-1]
    assert last == first  # the same event, the same id: the receiver deduplicates
    again = world.container.webhooks().deliveries(world.organization.id, created.webhook.id)
    assert {d.state for d in again} == {DeliveryState.DELIVERED}


async def test_a_refused_address_fails_at_once(world: World, transport) -> None:
    await _subscribe(world, EventType.RESERVATION_CREATED)
    connection = await _connected(world)
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    transport.statuses = [PermanentChannelError("address_refused", "leads to 10.0.0.1")]
    assert await _deliver(world) == 1
    world.clock.advance(timedelta(days=1))
    assert await _deliver(world) == 0


async def test_another_organisation_reaches_nothing(world: World, transport) -> None:
    created = await _subscribe(world, EventType.RESERVATION_CREATED)
    connection = await _connected(world)
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    webhooks = world.container.webhooks()
    [delivery] = webhooks.deliveries(world.organization.id, created.webhook.id)
    intruder = world.container.inventory().ensure_organization("Intruders").id
    for attempt in (
        lambda: webhooks.deliveries(intruder, created.webhook.id),
        lambda: webhooks.replay(intruder, created.webhook.id, delivery.id),
        lambda: webhooks.delete(intruder, created.webhook.id),
        lambda: webhooks.replay(world.organization.id, uuid4(), delivery.id),
        lambda: webhooks.replay(world.organization.id, created.webhook.id, uuid4()),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert webhooks.list(intruder) == []
    # The intruder's own subscription hears nothing of ours.
    await _subscribe(world, EventType.RESERVATION_CREATED, organization_id=intruder)
    world.channel.enqueue(booking("R2"))
    await world.container.sync().poll(connection.id)
    assert await _deliver(world) == 2
    assert {b["organization_id"] for b in transport.bodies()} == {str(world.organization.id)}
    webhooks.delete(world.organization.id, created.webhook.id)
    assert webhooks.list(world.organization.id) == []


async def test_without_a_subscriber_nothing_is_recorded(world: World, transport) -> None:
    await _subscribe(world, EventType.PUSH_FAILED)  # not a reservation event
    connection = await _connected(world)
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    with world.container.engine().connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(webhook_events)).scalar() == 0


async def test_an_overbooking_is_reported(world: World, transport) -> None:
    await _subscribe(world, EventType.OVERBOOKING_DETECTED)
    connection = await _connected(world)
    for n in range(world.double.count + 1):  # one more than the double's rooms
        world.channel.enqueue(booking(f"R{n}"))
        await world.container.sync().poll(connection.id)
    assert await _deliver(world) == 1
    [body] = transport.bodies()
    assert body["type"] == "overbooking.detected"
    data = body["data"]
    assert data["unit_id"] == str(world.double.id)
    assert data["rooms"] == world.double.count
    arrival = next_year(3, 10)
    assert [n["night"] for n in data["nights"]] == [
        arrival.isoformat(),
        (arrival + timedelta(days=1)).isoformat(),
    ]
    assert {n["booked"] for n in data["nights"]} == {world.double.count + 1}


async def test_a_push_given_up_is_reported(world: World, transport) -> None:
    await _subscribe(world, EventType.PUSH_FAILED)
    connection = await _connected(world)
    world.channel.fail_next(
        GatewayOperation.PUSH_AVAILABILITY, PermanentChannelError("bad_request", "refused")
    )
    change = AriChangeInput(
        hotel_code=HOTEL,
        room_type_code=ROOM_DOUBLE,
        start=next_year(5, 1),
        end=next_year(5, 1),
        availability=1,
    )
    [push] = world.container.ari().submit(world.organization.id, connection.id, [change])
    await deliver_all(world.container, "w1")
    assert await _deliver(world) == 1
    [body] = transport.bodies()
    assert body["type"] == "push.failed"
    assert body["data"]["push_id"] == str(push.id)
    assert body["data"]["connection_id"] == str(connection.id)


class _FailFirstEventCommit:
    """Units of work whose first commit that recorded a webhook event fails (before the real
    commit: nothing of the transaction is kept), as a database that went away would."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.failed = 0
        self.armed = False

    def __call__(self):
        factory = self

        class Unit:
            def __init__(self) -> None:
                self._uow = factory.inner()
                self._events = False

            def __enter__(self):
                self._uow.__enter__()
                return self

            def __exit__(self, *exc) -> None:
                self._uow.__exit__(*exc)

            def __getattr__(self, name: str):
                if name == "webhooks":
                    self._events = True
                return getattr(self._uow, name)

            def commit(self) -> None:
                if self._events and factory.armed and not factory.failed:
                    factory.failed += 1
                    raise ConnectionError("the database went away")
                self._uow.commit()

            def rollback(self) -> None:
                self._uow.rollback()

        return Unit()


async def test_an_event_exists_exactly_when_its_booking_was_committed(
    world: World, transport
) -> None:
    flaky = _FailFirstEventCommit(world.container.uow_factory())
    world.container.uow_factory.override(providers.Object(flaky))
    await _subscribe(world, EventType.RESERVATION_CREATED)
    connection = await _connected(world)
    world.channel.enqueue(booking("R1"))
    flaky.armed = True
    with pytest.raises(ConnectionError):  # the commit fails: nothing of it is kept
        await world.container.sync().poll(connection.id)
    assert flaky.failed == 1
    assert world.container.queries().reservations(world.organization.id) == []
    assert await _deliver(world) == 0
    await world.container.sync().poll(connection.id)  # fetched again (never acknowledged)
    [stored] = world.container.queries().reservations(world.organization.id)
    assert await _deliver(world) == 1
    [body] = transport.bodies()
    assert body["data"]["reservation_id"] == str(stored.id)


class _NeverAnswers(FakeTransport):
    """A receiver that records what it is sent; one URL never answers."""

    def __init__(self, slow_url: str) -> None:
        super().__init__()
        self.slow_url = slow_url
        self.hung = 0

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        if url == self.slow_url:
            self.hung += 1
            await asyncio.Event().wait()
        return await super().post(url, body, headers)


async def test_a_flooded_receiver_that_never_answers_holds_no_other_organisations_delivery(
    world: World,
) -> None:
    slow = "https://slow.example.com/hooks"
    transport = _NeverAnswers(slow)
    world.container.webhook_transport.override(providers.Object(transport))
    webhooks = world.container.webhooks()
    await webhooks.create(world.organization.id, slow, [EventType.PUSH_FAILED.value])
    other = world.container.inventory().ensure_organization("Other Hotels").id
    await webhooks.create(other, RECEIVER, [EventType.PUSH_FAILED.value])
    outbox = world.container.events()
    with world.container.uow_factory()() as uow:
        for n in range(200):  # the flood comes first, each on a line of its own
            outbox.emit(uow, world.organization.id, EventType.PUSH_FAILED, {"n": n})
        outbox.emit(uow, other, EventType.PUSH_FAILED, {"n": "other"})
        uow.commit()

    sending = asyncio.create_task(world.container.webhook_dispatcher().deliver_due("w1"))
    try:
        async with asyncio.timeout(10):
            while not transport.sent:
                await asyncio.sleep(0.01)
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
    assert [b["data"] for b in transport.bodies()] == [{"n": "other"}]
    assert transport.hung == 2  # the slow subscription holds two slots, never more


async def test_an_organisation_holds_at_most_the_set_number_of_webhooks(
    world: World, transport
) -> None:
    most = world.container.settings().webhooks.max_subscriptions
    for _ in range(most):
        await _subscribe(world, EventType.PUSH_FAILED)
    with pytest.raises(InvalidValue, match=rf"already has {most} webhooks.*MAX_SUBSCRIPTIONS"):
        await _subscribe(world, EventType.PUSH_FAILED)
    assert len(world.container.webhooks().list(world.organization.id)) == most
    # Another organisation is not counted against it.
    intruder = world.container.inventory().ensure_organization("Others").id
    await _subscribe(world, EventType.PUSH_FAILED, organization_id=intruder)


class _DownFor(FakeTransport):
    """A receiver that answers 503 until ``until``, then 204."""

    def __init__(self, world: World, until) -> None:
        super().__init__()
        self.world = world
        self.until = until

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.sent.append((url, body, dict(headers)))
        return 503 if self.world.clock.now() < self.until else 204


async def test_a_receiver_down_for_hours_still_gets_its_event(world: World) -> None:
    # The default retry window is about a day: the expected sum of the backoff waits.
    policy = world.container.webhook_retry_policy()
    waits = [policy.ceiling(n).total_seconds() / 2 for n in range(1, policy.max_attempts)]
    assert timedelta(hours=20) < timedelta(seconds=sum(waits)) < timedelta(hours=30)
    assert policy.max_delay == timedelta(hours=1)

    outage = timedelta(hours=8)
    transport = _DownFor(world, world.clock.now() + outage)
    world.container.webhook_transport.override(providers.Object(transport))
    created = await _subscribe(world, EventType.PUSH_FAILED)
    with world.container.uow_factory()() as uow:
        world.container.events().emit(uow, world.organization.id, EventType.PUSH_FAILED, {})
        uow.commit()
    for _ in range(int((outage + timedelta(hours=2)) / timedelta(minutes=5))):
        await _deliver(world)
        world.clock.advance(timedelta(minutes=5))
    [delivery] = world.container.webhooks().deliveries(world.organization.id, created.webhook.id)
    assert delivery.state is DeliveryState.DELIVERED
    assert delivery.attempts > 5


def _rows(world: World) -> tuple[int, int]:
    with world.container.engine().connect() as db:
        return (
            db.execute(sa.select(sa.func.count()).select_from(webhook_events)).scalar_one(),
            db.execute(sa.select(sa.func.count()).select_from(webhook_deliveries)).scalar_one(),
        )


async def test_the_worker_webhook_step_purges_what_is_older_than_the_retention(
    world: World, transport
) -> None:
    retention = world.container.settings().webhooks.retention
    assert retention == timedelta(days=30)
    worker = Worker(
        world.container.uow_factory(),
        world.container.sync(),
        world.container.dispatcher(),
        world.clock,
        "w1",
        webhooks=world.container.webhook_dispatcher(),
    )
    await _subscribe(world, EventType.PUSH_FAILED)
    outbox = world.container.events()

    def emit(n: int) -> None:
        with world.container.uow_factory()() as uow:
            outbox.emit(uow, world.organization.id, EventType.PUSH_FAILED, {"n": n})
            uow.commit()

    emit(1)
    transport.statuses = [204]
    assert await worker.deliver_webhooks() == 1  # delivered
    emit(2)
    transport.statuses = [PermanentChannelError("address_refused", "refused")]
    assert await worker.deliver_webhooks() == 1  # failed
    emit(3)
    transport.statuses = [503]
    assert await worker.deliver_webhooks() == 1  # pending, in backoff
    assert _rows(world) == (3, 3)

    world.clock.advance(retention - timedelta(minutes=1))
    transport.statuses = [503] * 100
    await worker.deliver_webhooks()
    assert _rows(world) == (3, 3)  # none old enough yet
    world.clock.advance(timedelta(hours=2))
    await worker.deliver_webhooks()
    # The delivered and the failed went with their events; the pending one (still retried)
    # and its event stay.
    assert _rows(world) == (1, 1)
    with world.container.engine().connect() as db:
        assert db.execute(sa.select(webhook_events.c.data)).scalar_one() == {"n": 3}


def _readme_order_table() -> dict[str, str]:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    start = readme.index("<!-- webhook order table")
    end = readme.index("<!-- end of the webhook order table -->")
    rows = [line for line in readme[start:end].splitlines() if line.startswith("| `")]
    table = {}
    for row in rows:
        event, key = (cell.strip().strip("`") for cell in row.strip("|").split("|"))
        table[event] = key
    return table


async def test_the_readme_states_the_order_key_of_every_event(world: World, transport) -> None:
    table = _readme_order_table()
    assert sorted(table) == sorted(e.value for e in EventType)
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert "deduplicate on the body's `id`" in readme
    # The key a booking's events carry is the one the README names.
    await _subscribe(world, EventType.RESERVATION_CREATED)
    connection = await _connected(world)
    world.channel.enqueue(booking("R1"))
    await world.container.sync().poll(connection.id)
    with world.container.engine().connect() as db:
        key = db.execute(sa.select(webhook_events.c.order_key)).scalar_one()
    documented = re.split(r"<[^>]+>", table["reservation.created"])
    assert re.fullmatch("[^:]+".join(re.escape(part) for part in documented), key or "")
    assert table["reservation.flagged"] == "none"
