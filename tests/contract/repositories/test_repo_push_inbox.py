"""Contract: the push inbox (issue 17) on memory, SQLite and PostgreSQL.

Rows come back oldest first, due ones only, under one applier at a time; a failed row keeps
its reason and attempts; an organisation's rows are found by the connections they route to.
"""

from __future__ import annotations

import threading
from uuid import UUID, uuid4

import pytest

from channel_manager.domain.errors import NotFound
from channel_manager.domain.push_inbox import InboxFailure, InboxRoute, InboxRow, InboxState

from .repository_builders import at, new_connection, new_organization


def new_row(
    minute: int = 0, *, connection_id: UUID | None = None, body: bytes = b"sealed"
) -> InboxRow:
    return InboxRow(
        id=uuid4(),
        channel="booking",
        received_at=at(minute),
        sealed_body=body,
        message_type="OTA_HotelResNotifRQ",
        ruid="ruid-1",
        routes=(InboxRoute("R1", "1234567", connection_id), InboxRoute("R2", None)),
        next_attempt_at=at(minute),
    )


def _add(uow_factory, *rows):
    with uow_factory() as uow:
        for row in rows:
            uow.push_inbox.add(row)
        uow.commit()


def _connection(uow_factory):
    organization = new_organization()
    connection = new_connection(organization.id)
    with uow_factory() as uow:
        uow.organizations.add(organization)
        uow.connections.add(connection)
        uow.commit()
    return connection


def test_a_row_round_trips_and_is_claimed_oldest_first_when_due(uow_factory):
    connection = _connection(uow_factory)
    late, early = new_row(5, connection_id=connection.id), new_row(1, body=b"\x00\xffsealed")
    _add(uow_factory, late, early)
    with uow_factory() as uow:
        assert uow.push_inbox.get(early.id) == early
        assert uow.push_inbox.get(late.id) == late
        assert [r.id for r in uow.push_inbox.claim_due(at(10), 10)] == [early.id, late.id]
    with uow_factory() as uow:
        assert [r.id for r in uow.push_inbox.claim_due(at(3), 10)] == [early.id]
    with uow_factory() as uow:
        assert [r.id for r in uow.push_inbox.claim_due(at(10), 1)] == [early.id]
    with uow_factory() as uow:
        assert [r.id for r in uow.push_inbox.claim_due(at(10), 10, ids={late.id})] == [late.id]


def test_a_failed_row_keeps_its_reason_and_waits_flagged_rows_are_not_due(uow_factory):
    waiting, flagged = new_row(0), new_row(1)
    _add(uow_factory, waiting, flagged)
    with uow_factory() as uow:
        uow.push_inbox.update(waiting.failed(InboxFailure.NOT_YET_KNOWN, "not here yet", at(0)))
        uow.push_inbox.update(flagged.failed(InboxFailure.UNKNOWN_PROPERTY, "unknown", at(1)))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.push_inbox.get(waiting.id)
        assert (stored.state, stored.failure, stored.attempts) == (
            InboxState.PENDING,
            InboxFailure.NOT_YET_KNOWN,
            1,
        )
        assert stored.last_error == "not here yet"
        assert stored.next_attempt_at is not None
        assert stored.next_attempt_at > at(0)
        assert uow.push_inbox.claim_due(at(0), 10) == []
        assert [r.id for r in uow.push_inbox.claim_due(at(60 * 24), 10)] == [waiting.id]
        assert uow.push_inbox.get(flagged.id).state is InboxState.FLAGGED
        assert uow.push_inbox.count(InboxState.FLAGGED) == 1
        assert uow.push_inbox.count(InboxState.PENDING) == 1


def test_applied_rows_are_deleted_only_when_the_transaction_commits(uow_factory):
    row = new_row()
    _add(uow_factory, row)
    with uow_factory() as uow:
        uow.push_inbox.delete([row.id])
        uow.rollback()
    with uow_factory() as uow:
        assert uow.push_inbox.get(row.id) == row
        uow.push_inbox.delete([row.id])
        uow.commit()
    with uow_factory() as uow:
        with pytest.raises(NotFound):
            uow.push_inbox.get(row.id)
        with pytest.raises(NotFound):
            uow.push_inbox.update(row)


def test_rows_are_listed_and_counted_by_the_connections_they_route_to(uow_factory):
    ours, theirs = _connection(uow_factory), _connection(uow_factory)
    mine, nobodys = new_row(0, connection_id=ours.id), new_row(1)
    _add(uow_factory, mine, nobodys)
    with uow_factory() as uow:
        assert [r.id for r in uow.push_inbox.list()] == [mine.id, nobodys.id]
        assert [r.id for r in uow.push_inbox.list(connection_ids={ours.id})] == [mine.id]
        assert uow.push_inbox.list(connection_ids={theirs.id}) == []
        assert uow.push_inbox.list(connection_ids=set()) == []
        assert uow.push_inbox.count(InboxState.PENDING, {ours.id, theirs.id}) == 1
        assert uow.push_inbox.list(InboxState.FLAGGED) == []
        assert [r.id for r in uow.push_inbox.list(InboxState.PENDING, limit=1)] == [mine.id]


#: PostgreSQL only: its advisory lock is what this proves. On SQLite a second writer waits
#: at ``BEGIN IMMEDIATE`` for the first one's transaction (the database's own single writer).
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_one_applier_at_a_time(uow_factory, backend):
    _add(uow_factory, new_row())
    holding, tried = threading.Event(), threading.Event()
    seen: list[int] = []

    def first() -> None:
        with uow_factory() as uow:
            seen.append(len(uow.push_inbox.claim_due(at(10), 10)))
            holding.set()
            assert tried.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(10)
    with uow_factory() as uow:
        seen.append(len(uow.push_inbox.claim_due(at(10), 10)))
    tried.set()
    thread.join(10)
    with uow_factory() as uow:  # released with the first applier's transaction
        seen.append(len(uow.push_inbox.claim_due(at(10), 10)))
    assert seen == [1, 0, 1]
