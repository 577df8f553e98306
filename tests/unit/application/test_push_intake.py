"""The push use case over a fake channel codec: it routes, logs, applies and answers in one
unit of work, whatever the channel's message format (the OTA form has its own suites under
tests/unit/rest and tests/e2e).

The fake's messages are JSON: ``[{"id": "R1", "hotel": "1234567"}, ...]``; its answers are JSON
too, naming the refusal reason, so each test reads what the core decided, not an encoding.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
import pytest
import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.rows.operations import message_log_from_row
from channel_manager.application.push_intake import UNSHAREABLE, PushIntake
from channel_manager.container import Container
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.errors import DomainError, InvalidValue
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.reservation import Reservation
from channel_manager.ports.inbound import PushAnswer, PushRefused, RefusalReason
from tests.support.builders import booking
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
    value, one starting with ``boom`` to a failure on our side."""

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
    hotel: MappedHotel

    def receive(self, *items: dict[str, Any], secret: str = "") -> PushAnswer:
        body = json.dumps([{**item, "note": secret} if secret else item for item in items])
        return self.intake.receive(body.encode())

    def counts(self) -> dict[str, int]:
        """How many rows each non-empty table holds."""
        return row_counts(self.container.engine())

    def reservations(self) -> list[Reservation]:
        with self.container.uow_factory()() as uow:
            return uow.reservations.list(self.hotel.organization_id, limit=1000)

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


@pytest.fixture
def world() -> World:
    container = app_container()
    hotel = map_hotel(container)
    codec = FakeCodec()
    intake = PushIntake(
        codec,
        container.uow_factory(),
        container.intake(),
        container.message_log(),
        container.clock(),
        channel="booking",
        endpoint=ENDPOINT,
        status_of=status_of,
    )
    return World(container, codec, intake, hotel)


def answer_of(answer: PushAnswer) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(answer.body)
    return document


def test_a_push_is_applied_logged_and_acknowledged_in_one_go(world: World) -> None:
    answer = world.receive(
        {"id": "R1", "hotel": HOTEL_CODE}, {"id": "R2", "hotel": HOTEL_CODE}, secret="secret"
    )

    assert answer.status == 200
    assert answer_of(answer)["ok"] == ["R1", "R2"]
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
    assert outbound.body == answer.body.decode()
    # Each reservation links the logged message it came in.
    assert {r.raw_message_id for r in stored.values()} == {inbound.id}
    assert world.log(None) == []


def test_an_unreadable_message_is_answered_and_neither_stored_nor_logged(world: World) -> None:
    answer = world.intake.receive(b"<not json>", {"content-type": "text/plain"})

    assert answer.status == 400
    assert answer_of(answer) == {"error": "malformed", "message": "not JSON"}
    assert world.codec.error_forms == [None]  # answered in the form the request suggests
    assert world.reservations() == []
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
    assert world.reservations() == []
    # Not routed, so logged unattached: what came and what we answered.
    logged = world.log(None)
    assert sorted((e.direction, e.http_status) for e in logged) == [
        (MessageDirection.INBOUND, None),
        (MessageDirection.OUTBOUND, 400),
    ]


def test_an_unknown_property_is_refused_with_the_apis_status(world: World) -> None:
    answer = world.receive({"id": "R1", "hotel": "9999999"})

    assert answer.status == 404  # what status_of gives UnknownHotel here
    assert answer_of(answer)["error"] == "unknown_property"
    assert world.reservations() == []
    assert world.codec.error_forms == [world.codec.decode(b'[{"id": "R1", "hotel": "9999999"}]')]


def test_a_cancellation_for_a_reservation_not_here_yet_asks_to_be_resent(world: World) -> None:
    answer = world.receive({"id": "R404"})  # no property: routed by the reservation it names

    assert answer.status == 503
    assert answer.headers == {"Retry-After": "5"}
    assert answer_of(answer)["error"] == "not_yet_known"


def test_a_refused_reservation_rolls_back_the_whole_message(world: World) -> None:
    answer = world.receive({"id": "R1", "hotel": HOTEL_CODE}, {"id": "bad-2", "hotel": HOTEL_CODE})

    assert answer.status == 422
    assert answer_of(answer) == {
        "error": "refused",
        "message": "reservation bad-2 has a negative price",
    }
    assert world.reservations() == []  # R1 was applied, then rolled back with the rest
    logged = world.log(world.hotel.connection_id)
    assert sorted((e.direction, e.outcome) for e in logged) == [
        (MessageDirection.INBOUND, None),
        (MessageDirection.OUTBOUND, "error"),
    ]


def test_our_own_failure_is_a_500_that_asks_for_a_resend(world: World) -> None:
    answer = world.receive({"id": "boom-1", "hotel": HOTEL_CODE})

    assert answer.status == 500
    assert answer_of(answer) == {"error": "failed", "message": "internal error, please retry"}
    assert world.reservations() == []


def test_each_connection_logs_only_its_own_reservations(world: World) -> None:
    other = map_hotel(world.container, OTHER_HOTEL)

    answer = world.receive(
        {"id": "R1", "hotel": HOTEL_CODE},
        {"id": "R2", "hotel": OTHER_HOTEL},
        {"id": "R3", "hotel": HOTEL_CODE},
    )

    assert answer.status == 200
    ours = {e.direction: e.body for e in world.log(world.hotel.connection_id)}
    theirs = {e.direction: e.body for e in world.log(other.connection_id)}
    assert [i["id"] for i in json.loads(ours[MessageDirection.INBOUND])] == ["R1", "R3"]
    assert [i["id"] for i in json.loads(theirs[MessageDirection.INBOUND])] == ["R2"]
    assert json.loads(ours[MessageDirection.OUTBOUND])["ok"] == ["R1", "R3"]
    assert json.loads(theirs[MessageDirection.OUTBOUND])["ok"] == ["R2"]


def test_a_body_that_cannot_be_shared_is_not_logged_whole(world: World) -> None:
    class Unshareable(FakeCodec):
        def share(self, body: bytes, indices: Collection[int]) -> bytes | None:
            return None

    world.intake = PushIntake(
        Unshareable(),
        world.container.uow_factory(),
        world.container.intake(),
        world.container.message_log(),
        world.container.clock(),
        channel="booking",
        endpoint=ENDPOINT,
        status_of=status_of,
    )
    other = map_hotel(world.container, OTHER_HOTEL)

    world.receive({"id": "R1", "hotel": HOTEL_CODE}, {"id": "R2", "hotel": OTHER_HOTEL})

    for connection_id in (world.hotel.connection_id, other.connection_id):
        assert {e.body for e in world.log(connection_id)} == {UNSHAREABLE}
