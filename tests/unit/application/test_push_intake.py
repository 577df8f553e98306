"""The push use cases over a fake channel codec, whatever the channel's message format (the OTA
form has its own suites under tests/unit/rest and tests/e2e): the intake checks a push, stores
it sealed in the inbox and answers; the inbox applies it (routing, logging, applying in one
unit of work), retries or flags what it cannot apply, and lets it be retried.

The fake's messages are JSON: ``[{"id": "R1", "hotel": "1234567"}, ...]``; its answers are JSON
too, naming the refusal reason, so each test reads what the core decided, not an encoding.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest
import sqlalchemy as sa
from dependency_injector import providers

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.rows.operations import message_log_from_row
from channel_manager.application.push_inbox import NOT_YOURS, UNSHAREABLE, PushInbox
from channel_manager.application.push_intake import UNROUTED, PushIntake
from channel_manager.container import Container
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.errors import DomainError, InvalidValue, NotFound
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.push_inbox import (
    RETRY_FIRST,
    InboxFailure,
    InboxRow,
    InboxState,
    seal_context,
)
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.inbound import PushAnswer, PushRefused, RefusalReason
from tests.support.builders import booking
from tests.support.clock import MovableClock
from tests.support.containers import app_container
from tests.support.database import row_counts
from tests.unit.rest.conftest import HOTEL_CODE, ROOM_TYPE, MappedHotel, map_hotel

OTHER_HOTEL = "7654321"
ENDPOINT = "/test/push"


@attrs.frozen
class FakePushed:
    reservation_id: str | None
    hotel_code: str | None


@attrs.frozen
class FakePush:
    """A decoded fake message; a reservation whose id starts with ``bad`` maps to an invalid
    value, one starting with ``boom`` to a failure on our side; with ``late-`` before them,
    only once routed to a connection (when applied, as a refusal that depends on the
    connection's mappings would)."""

    reservations: Sequence[FakePushed]
    message_type: str = "fake-push"
    answer_type: str = "fake-answer"
    ruid: str | None = "ruid-1"

    def to_channel_reservation(
        self,
        index: int,
        *,
        ack_key: str,
        connection_id: UUID,
        now: Callable[[], datetime],
    ) -> ChannelReservation:
        pushed = self.reservations[index]
        external_id = pushed.reservation_id or ""
        if connection_id != UNROUTED:
            external_id = external_id.removeprefix("late-")
        if external_id.startswith("bad"):
            raise InvalidValue(f"reservation {external_id} has a negative price")
        if external_id.startswith("boom"):
            raise ConnectionError("database connection lost")
        message = booking(external_id, room=ROOM_TYPE, hotel_code=pushed.hotel_code or HOTEL_CODE)
        reservation = attrs.evolve(message.reservation, connection_id=connection_id)
        return attrs.evolve(message, reservation=reservation, ack_key=ack_key)


class FakeCodec:
    """JSON in, JSON out; ``secret`` is what redaction masks."""

    def __init__(self) -> None:
        self.error_forms: list[FakePush | None] = []

    def decode(self, body: bytes) -> FakePush:
        try:
            items = json.loads(body)
        except ValueError:
            raise PushRefused(400, RefusalReason.MALFORMED, "not JSON") from None
        return FakePush(tuple(FakePushed(item.get("id"), item.get("hotel")) for item in items))

    def encode_success(self, message: FakePush, timestamp: datetime) -> PushAnswer:
        ids = [r.reservation_id for r in message.reservations]
        body = json.dumps({"ok": ids, "at": timestamp.isoformat()}).encode()
        return PushAnswer(200, body, "application/json")

    def encode_error(
        self,
        refusal: PushRefused,
        *,
        message: FakePush | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> PushAnswer:
        self.error_forms.append(message)
        answer = {"error": refusal.reason.value, "message": refusal.message}
        return PushAnswer(
            refusal.status, json.dumps(answer).encode(), "application/json", refusal.headers
        )

    def redact(self, body: bytes) -> bytes:
        return body.replace(b"secret", b"***")

    def share(self, body: bytes, indices: Collection[int]) -> bytes | None:
        try:
            document = json.loads(body)
        except ValueError:
            return None
        if isinstance(document, list):
            return json.dumps([document[i] for i in sorted(indices)]).encode()
        ids = document.get("ok")
        if ids is None:
            return body  # an error answer names no reservation
        return json.dumps({**document, "ok": [ids[i] for i in sorted(indices)]}).encode()


def status_of(error: DomainError) -> int:
    """The API's statuses for the errors these tests raise (404 elsewhere, to be seen)."""
    return 422 if isinstance(error, InvalidValue) else 404


@attrs.define
class World:
    container: Container
    codec: FakeCodec
    intake: PushIntake[FakePush]
    inbox: PushInbox[FakePush]
    hotel: MappedHotel
    clock: MovableClock

    def receive(self, *items: dict[str, Any], secret: str = "") -> PushAnswer:
        body = json.dumps([{**item, "note": secret} if secret else item for item in items])
        return self.intake.receive(body.encode())

    def apply(self) -> int:
        """Apply the inbox until nothing is due (what the worker does)."""
        total = 0
        while done := self.inbox.apply_due():
            total += done
        return total

    def counts(self) -> dict[str, int]:
        """How many rows each non-empty table holds."""
        return row_counts(self.container.engine())

    def reservations(self, organization_id: UUID | None = None) -> list[Reservation]:
        """The reservations of the hotel's organisation (or of ``organization_id``)."""
        with self.container.uow_factory()() as uow:
            return uow.reservations.list(organization_id or self.hotel.organization_id, limit=1000)

    def rows(self) -> list[InboxRow]:
        with self.container.uow_factory()() as uow:
            return list(uow.push_inbox.list())

    def log(self, connection_id: UUID | None = None) -> list[MessageLogEntry]:
        """The message log of ``connection_id``, or the messages of no connection."""
        table = tables.message_log
        with self.container.engine().connect() as connection:
            found = connection.execute(
                sa.select(table).where(
                    table.c.connection_id.is_(None)
                    if connection_id is None
                    else table.c.connection_id == connection_id
                )
            )
            return [message_log_from_row(row) for row in found.mappings()]


def make_world(codec: FakeCodec | None = None) -> World:
    container = app_container()
    clock = MovableClock()
    container.clock.override(providers.Object(clock))
    hotel = map_hotel(container)
    codec = codec or FakeCodec()
    intake = PushIntake(
        codec,
        container.uow_factory(),
        container.message_log(),
        clock,
        container.ids(),
        container.vault(),
        channel="booking",
        endpoint=ENDPOINT,
        status_of=status_of,
    )
    inbox = PushInbox(
        codec,
        container.uow_factory(),
        container.intake(),
        container.message_log(),
        clock,
        container.vault(),
        channel="booking",
        endpoint=ENDPOINT,
    )
    return World(container, codec, intake, inbox, hotel, clock)


@pytest.fixture
def world() -> World:
    return make_world()


def answer_of(answer: PushAnswer) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(answer.body)
    return document


def test_a_push_is_stored_sealed_and_acknowledged_then_applied_and_logged(world: World) -> None:
    answer = world.receive(
        {"id": "R1", "hotel": HOTEL_CODE}, {"id": "R2", "hotel": HOTEL_CODE}, secret="secret"
    )

    assert answer.status == 200
    assert answer_of(answer)["ok"] == ["R1", "R2"]
    # Stored, not applied yet; the body sealed by the vault for its row.
    [row] = world.rows()
    assert world.reservations() == []
    assert b"secret" not in row.sealed_body
    assert b'"R1"' not in row.sealed_body  # quoted: base64 may hold R1 by chance
    opened = world.container.vault().open(row.sealed_body, seal_context(row.id))
    assert b"secret" in opened.reveal_bytes()
    assert [(r.reservation_id, r.hotel_code) for r in row.routes] == [
        ("R1", HOTEL_CODE),
        ("R2", HOTEL_CODE),
    ]

    assert world.apply() == 1
    assert world.rows() == []
    stored = {r.external_id: r for r in world.reservations()}
    assert set(stored) == {"R1", "R2"}
    inbound, outbound = sorted(world.log(world.hotel.connection_id), key=lambda e: e.direction)
    assert inbound.direction is MessageDirection.INBOUND
    assert (inbound.message_type, inbound.endpoint, inbound.ruid) == (
        "fake-push",
        ENDPOINT,
        "ruid-1",
    )
    assert "***" in inbound.body  # the codec's redaction
    assert "secret" not in inbound.body
    assert (outbound.message_type, outbound.http_status, outbound.outcome) == (
        "fake-answer",
        200,
        "success",
    )
    assert outbound.body == answer.body.decode()  # the answer we gave, logged
    # Each reservation links the logged message it came in.
    assert {r.raw_message_id for r in stored.values()} == {inbound.id}
    assert world.log(None) == []


def test_an_unreadable_message_is_answered_and_neither_stored_nor_logged(world: World) -> None:
    answer = world.intake.receive(b"<not json>", {"content-type": "text/plain"})

    assert answer.status == 400
    assert answer_of(answer) == {"error": "malformed", "message": "not JSON"}
    assert world.codec.error_forms == [None]  # answered in the form the request suggests
    assert world.rows() == []
    assert "message_log" not in world.counts()


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ((), "no_reservations"),
        (({"hotel": HOTEL_CODE},), "missing_reservation_id"),
    ],
)
def test_an_incomplete_message_is_refused_with_400_and_kept_in_the_log(
    world: World, items: tuple[dict[str, Any], ...], reason: str
) -> None:
    answer = world.receive(*items)

    assert answer.status == 400
    assert answer_of(answer)["error"] == reason
    assert world.rows() == []
    # Not routed, so logged unattached: what came and what we answered.
    logged = world.log(None)
    assert sorted((e.direction, e.http_status) for e in logged) == [
        (MessageDirection.INBOUND, None),
        (MessageDirection.OUTBOUND, 400),
    ]


def test_an_unknown_property_is_flagged_at_once_and_applied_once_after_its_mapping(
    world: World,
) -> None:
    assert world.receive({"id": "R1", "hotel": OTHER_HOTEL}).status == 200
    assert world.apply() == 1

    [row] = world.rows()
    assert (row.state, row.failure, row.attempts) == (
        InboxState.FLAGGED,
        InboxFailure.UNKNOWN_PROPERTY,
        1,
    )
    assert world.reservations() == []
    # Nobody's row: an admin sees it, no organisation does.
    assert [v.id for v in world.inbox.list(InboxState.FLAGGED)] == [row.id]
    assert world.inbox.list(organization_id=world.hotel.organization_id) == []
    assert world.inbox.count(InboxState.FLAGGED) == 1

    # Flagged rows are not retried by themselves, however long.
    world.clock.advance(timedelta(days=1))
    assert world.apply() == 0

    other = map_hotel(world.container, OTHER_HOTEL)
    retried = world.inbox.retry(row.id)
    assert retried.state is InboxState.PENDING
    assert world.apply() == 1
    assert world.rows() == []
    [stored] = world.reservations(other.organization_id)
    assert stored.connection_id == other.connection_id
    # Again by hand (a double click): nothing left to retry, nothing applied twice.
    with pytest.raises(NotFound):
        world.inbox.retry(row.id)
    assert len(world.reservations(other.organization_id)) == 1


def test_a_cancellation_before_its_booking_is_retried_by_the_inbox_until_it_applies(
    world: World,
) -> None:
    assert world.receive({"id": "R7"}).status == 200  # no hotel: routed by its reservation
    assert world.apply() == 1
    [row] = world.rows()
    assert (row.state, row.failure) == (InboxState.PENDING, InboxFailure.NOT_YET_KNOWN)
    assert row.next_attempt_at == row.received_at + RETRY_FIRST

    assert world.receive({"id": "R7", "hotel": HOTEL_CODE}).status == 200
    assert world.apply() == 1  # the booking, not the cancellation (not due yet)
    assert [r.id for r in world.rows()] == [row.id]

    world.clock.advance(RETRY_FIRST)
    assert world.apply() == 1
    assert world.rows() == []


def test_a_refused_reservation_keeps_its_whole_message_flagged_and_the_batch_goes_on(
    world: World,
) -> None:
    world.receive({"id": "R1", "hotel": HOTEL_CODE}, {"id": "late-bad-2", "hotel": HOTEL_CODE})
    world.receive({"id": "R3", "hotel": HOTEL_CODE})

    assert world.apply() == 2

    assert [r.external_id for r in world.reservations()] == ["R3"]  # R1 not without bad-2
    [row] = world.rows()
    assert (row.state, row.failure) == (InboxState.FLAGGED, InboxFailure.REFUSED)
    assert row.last_error == "reservation bad-2 has a negative price"
    # Only the applied message is logged.
    logged = world.log(world.hotel.connection_id)
    assert len(logged) == 2
    assert all("bad-2" not in e.body for e in logged)


def test_content_the_domain_refuses_is_refused_with_the_apis_status_and_not_stored(
    world: World,
) -> None:
    answer = world.receive({"id": "R1", "hotel": HOTEL_CODE}, {"id": "bad-2", "hotel": HOTEL_CODE})

    assert answer.status == 422
    assert answer_of(answer) == {
        "error": "refused",
        "message": "reservation bad-2 has a negative price",
    }
    assert world.rows() == []
    logged = world.log(None)  # never routed: logged unattached
    assert sorted((e.direction, e.outcome) for e in logged) == [
        (MessageDirection.INBOUND, None),
        (MessageDirection.OUTBOUND, "error"),
    ]


def test_our_own_failure_before_storing_is_a_500_that_asks_for_a_resend(world: World) -> None:
    answer = world.receive({"id": "boom-1", "hotel": HOTEL_CODE})

    assert answer.status == 500
    assert answer_of(answer) == {"error": "failed", "message": "internal error, please retry"}
    assert world.rows() == []


def test_our_own_failure_is_retried_with_backoff(world: World) -> None:
    world.receive({"id": "late-boom-1", "hotel": HOTEL_CODE})

    assert world.apply() == 1

    [row] = world.rows()
    assert (row.state, row.failure, row.attempts) == (InboxState.PENDING, InboxFailure.FAILED, 1)
    world.clock.advance(RETRY_FIRST)
    assert world.apply() == 1
    [again] = world.rows()
    assert again.attempts == 2
    assert again.next_attempt_at == world.clock.now() + 2 * RETRY_FIRST


def test_a_message_stored_but_not_applied_is_applied_on_the_next_pass(world: World) -> None:
    """A crash between the INSERT and the apply (or in the middle of applying: the
    transaction rolls back) leaves the row pending: nothing is lost."""
    assert world.receive({"id": "R1", "hotel": HOTEL_CODE}).status == 200
    with world.container.uow_factory()() as uow:  # an applier that dies before committing
        [claimed] = uow.push_inbox.claim_due(world.clock.now(), 10)
        uow.push_inbox.delete([claimed.id])
    [row] = world.rows()
    assert row.state is InboxState.PENDING

    # A fresh process: a new applier over the same store.
    assert make_inbox(world).apply_due() == 1
    assert [r.external_id for r in world.reservations()] == ["R1"]


def make_inbox(world: World) -> PushInbox[FakePush]:
    return PushInbox(
        world.codec,
        world.container.uow_factory(),
        world.container.intake(),
        world.container.message_log(),
        world.clock,
        world.container.vault(),
        channel="booking",
        endpoint=ENDPOINT,
    )


def test_an_organisation_sees_and_retries_only_rows_routed_to_it(world: World) -> None:
    other = map_hotel(world.container, OTHER_HOTEL)
    world.receive({"id": "R1", "hotel": HOTEL_CODE}, {"id": "late-bad-2", "hotel": OTHER_HOTEL})
    world.apply()
    [row] = world.rows()

    ours = world.inbox.list(InboxState.FLAGGED, world.hotel.organization_id)
    theirs = world.inbox.list(InboxState.FLAGGED, other.organization_id)
    assert [v.reservations for v in ours] == [(("R1", HOTEL_CODE),)]
    assert [v.reservations for v in theirs] == [(("late-bad-2", OTHER_HOTEL),)]
    # The error may name either part: neither sees it (an admin does).
    assert ours[0].last_error == theirs[0].last_error == NOT_YOURS
    [admin] = world.inbox.list(InboxState.FLAGGED)
    assert admin.last_error == "reservation bad-2 has a negative price"

    stranger = map_hotel(world.container, "5550001")
    assert world.inbox.list(organization_id=stranger.organization_id) == []
    assert world.inbox.count(InboxState.FLAGGED, stranger.organization_id) == 0
    with pytest.raises(NotFound):
        world.inbox.retry(row.id, stranger.organization_id)
    assert world.inbox.retry(row.id, other.organization_id).state is InboxState.PENDING


def test_each_connection_logs_only_its_own_reservations(world: World) -> None:
    other = map_hotel(world.container, OTHER_HOTEL)

    answer = world.receive(
        {"id": "R1", "hotel": HOTEL_CODE},
        {"id": "R2", "hotel": OTHER_HOTEL},
        {"id": "R3", "hotel": HOTEL_CODE},
    )
    world.apply()

    assert answer.status == 200
    ours = {e.direction: e.body for e in world.log(world.hotel.connection_id)}
    theirs = {e.direction: e.body for e in world.log(other.connection_id)}
    assert [i["id"] for i in json.loads(ours[MessageDirection.INBOUND])] == ["R1", "R3"]
    assert [i["id"] for i in json.loads(theirs[MessageDirection.INBOUND])] == ["R2"]
    assert json.loads(ours[MessageDirection.OUTBOUND])["ok"] == ["R1", "R3"]
    assert json.loads(theirs[MessageDirection.OUTBOUND])["ok"] == ["R2"]


def test_a_body_that_cannot_be_shared_is_not_logged_whole() -> None:
    class Unshareable(FakeCodec):
        def share(self, body: bytes, indices: Collection[int]) -> bytes | None:
            return None

    world = make_world(Unshareable())
    other = map_hotel(world.container, OTHER_HOTEL)

    world.receive({"id": "R1", "hotel": HOTEL_CODE}, {"id": "R2", "hotel": OTHER_HOTEL})
    world.apply()

    for connection_id in (world.hotel.connection_id, other.connection_id):
        assert {e.body for e in world.log(connection_id)} == {UNSHAREABLE}
