"""Contract: sync runs, the message log and sealed secrets."""

from __future__ import annotations

from uuid import uuid4

import pytest

from channel_manager.domain.errors import NotFound
from channel_manager.domain.messages import MessageDirection, MessageLogEntry
from channel_manager.domain.sync import SyncRun, SyncRunKind, SyncRunStatus

from .repository_builders import at, seed


def test_sync_runs_round_trip_newest_first(uow_factory):
    seeded = seed(uow_factory)
    runs = [
        SyncRun(
            id=uuid4(), connection_id=seeded.connection.id, kind=SyncRunKind.FULL, started_at=at(n)
        )
        for n in range(3)
    ]
    with uow_factory() as uow:
        for run in runs:
            uow.sync_runs.add(run)
        uow.commit()
    finished = runs[0].count("reservations", 7).finish(at(9), errors=("H2: timeout",))
    with uow_factory() as uow:
        uow.sync_runs.update(finished)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.sync_runs.get(runs[0].id)
        assert stored == finished
        assert stored.status is SyncRunStatus.PARTIAL
        assert dict(stored.counts) == {"reservations": 7}
        assert uow.sync_runs.list_by_connection(seeded.connection.id) == [
            runs[2],
            runs[1],
            finished,
        ]
        assert uow.sync_runs.list_by_connection(seeded.connection.id, limit=1) == [runs[2]]
        with pytest.raises(NotFound):
            uow.sync_runs.get(uuid4())


def test_message_log_newest_first_per_connection(uow_factory):
    seeded = seed(uow_factory)
    entries = [
        MessageLogEntry(
            id=uuid4(),
            connection_id=seeded.connection.id,
            direction=direction,
            message_type="OTA_HotelAvailNotifRQ",
            endpoint="/hotels/ota/OTA_HotelAvailNotif",
            http_status=200,
            outcome="success",
            ruid=f"ruid-{n}",
            body=f"<xml n='{n}'/>",
            created_at=at(n),
        )
        for n, direction in enumerate((MessageDirection.OUTBOUND, MessageDirection.INBOUND))
    ]
    unrelated = MessageLogEntry(
        id=uuid4(),
        connection_id=None,
        direction=MessageDirection.INBOUND,
        message_type="OTA_HotelResNotifRQ",
        endpoint="/ota/booking/reservations",
        created_at=at(9),
    )
    with uow_factory() as uow:
        for entry in (*entries, unrelated):
            uow.message_log.add(entry)
        uow.commit()
    with uow_factory() as uow:
        assert uow.message_log.list(seeded.connection.id) == [entries[1], entries[0]]
        assert uow.message_log.list(seeded.connection.id, limit=1, offset=1) == [entries[0]]


def test_the_latest_message_of_an_endpoint_and_direction(uow_factory):
    seeded = seed(uow_factory)
    other = seed(uow_factory)  # a second organisation with a connection of its own

    def entry(n, connection_id, endpoint, direction):
        return MessageLogEntry(
            id=uuid4(),
            connection_id=connection_id,
            direction=direction,
            message_type="OTA_HotelResNotifRS",
            endpoint=endpoint,
            http_status=200 if n % 2 else 400,
            outcome="success" if n % 2 else "error",
            created_at=at(n),
        )

    ours, theirs = seeded.connection.id, other.connection.id
    push, poll = "/ota/booking/reservations", "https://supply.example/OTA_HotelResNotif"
    inbound, outbound = MessageDirection.INBOUND, MessageDirection.OUTBOUND
    entries = [
        entry(1, ours, push, outbound),
        entry(2, ours, push, outbound),  # the one
        entry(3, ours, push, inbound),  # other direction
        entry(4, ours, poll, outbound),  # other endpoint
        entry(5, theirs, push, outbound),  # other connection
        entry(6, None, push, outbound),  # unattached
    ]
    with uow_factory() as uow:
        for logged in entries:
            uow.message_log.add(logged)
        uow.commit()
    with uow_factory() as uow:
        latest = uow.message_log.latest(ours, endpoint=push, direction=outbound)
        assert latest == entries[1]
        assert uow.message_log.latest(ours, endpoint=push, direction=inbound) == entries[2]
        assert uow.message_log.latest(theirs, endpoint=push, direction=outbound) == entries[4]
        assert uow.message_log.latest(theirs, endpoint=poll, direction=outbound) is None
        assert uow.message_log.latest(uuid4(), endpoint=push, direction=outbound) is None


def test_secrets_put_replace_delete(uow_factory):
    with uow_factory() as uow:
        uow.secrets.put("conn/b", b"\x00sealed-b")
        uow.secrets.put("conn/a", b"sealed-a")
        uow.commit()
    with uow_factory() as uow:
        uow.secrets.put("conn/a", b"sealed-a-rotated")
        uow.secrets.delete("conn/b")
        uow.secrets.delete("never-there")
        uow.commit()
    with uow_factory() as uow:
        assert uow.secrets.get("conn/a") == b"sealed-a-rotated"
        assert uow.secrets.all_refs() == ["conn/a"]
        with pytest.raises(NotFound):
            uow.secrets.get("conn/b")
