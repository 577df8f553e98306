"""PostgreSQL under concurrency: SKIP LOCKED claims and racing reservation writers.

Each worker is a thread with its own unit of work (its own connection), as separate worker
processes would have.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from uuid import uuid4

import attrs
import pytest

from channel_manager.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from channel_manager.adapters.system import SystemClock
from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.ledger import ReservationLedger
from channel_manager.domain.reservation import Revision
from tests.support.clock import session_offset

from .repository_builders import at, availability_message, new_connection, rich_reservation, seed

pytestmark = pytest.mark.postgres

WORKERS = 4


def _run_in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = work(index)
        except BaseException as error:  # reported below, so a failing thread fails the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_concurrent_workers_never_claim_the_same_message(postgres_engine):
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    seeded = seed(factory, active=True)
    messages = [
        availability_message(seeded.connection.id, ordering_key=f"H{n}", created_minute=n)
        for n in range(60)
    ]
    with factory() as uow:
        for message in messages:
            uow.outbound.add(message)
        uow.commit()
    barrier = threading.Barrier(WORKERS)

    def drain(index: int) -> list[object]:
        taken: list[object] = []
        barrier.wait()
        while True:
            with factory() as uow:
                batch = uow.outbound.claim_due(at(100), f"worker-{index}", 3)
                uow.commit()
            if not batch:
                return taken
            taken.extend(message.id for message in batch)

    per_worker = _run_in_threads(WORKERS, drain)
    claimed = [message_id for batch in per_worker for message_id in batch]  # type: ignore[attr-defined]
    assert sorted(claimed) == sorted(m.id for m in messages)
    assert len(claimed) == len(set(claimed))


def test_open_claims_are_skipped_not_waited_for(postgres_engine):
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    seeded = seed(factory, active=True)
    first = availability_message(seeded.connection.id, ordering_key="H1", created_minute=1)
    successor = availability_message(seeded.connection.id, ordering_key="H1", created_minute=2)
    other = availability_message(seeded.connection.id, ordering_key="H2", created_minute=3)
    with factory() as uow:
        for message in (first, successor, other):
            uow.outbound.add(message)
        uow.commit()
    active = [new_connection(seeded.organization.id, n).activate(f"r{n}", at(0)) for n in range(2)]
    with factory() as uow:
        for connection in active:
            uow.connections.add(connection)
        uow.commit()
    with factory() as holder, factory() as rival:
        assert [m.id for m in holder.outbound.claim_due(at(10), "holder", 1)] == [first.id]
        polled = holder.connections.due_for_poll(at(10), 1)
        # The rival skips the locked head, and the head's successor stays blocked behind it.
        assert [m.id for m in rival.outbound.claim_due(at(10), "rival", 10)] == [other.id]
        rival_polled = rival.connections.due_for_poll(at(10), 10)
        due = {c.id for c in active} | {seeded.connection.id}  # seeded active: due too
        assert {c.id for c in polled} | {c.id for c in rival_polled} == due
        assert not {c.id for c in polled} & {c.id for c in rival_polled}


def test_the_same_reservation_applied_concurrently_ends_as_one_row_at_the_newest_revision(
    postgres_engine,
):
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    seeded = seed(factory, active=True)
    ledger = ReservationLedger()
    versions = [
        attrs.evolve(
            rich_reservation(seeded, external_id="RACE", revision=Revision(at(n), 0)), id=uuid4()
        )
        for n in range(WORKERS)
    ]
    barrier = threading.Barrier(WORKERS)

    def apply(index: int) -> None:
        incoming = versions[index]
        kind = ReservationMessageKind.NEW if index == 0 else ReservationMessageKind.MODIFY
        barrier.wait()
        with factory() as uow:
            current = uow.reservations.get_by_external(seeded.connection.id, "RACE")
            decision = ledger.apply(current, incoming, kind)
            if decision.changed and decision.result is not None:
                if current is None:
                    uow.reservations.add(decision.result)
                else:
                    uow.reservations.update(attrs.evolve(decision.result, id=current.id))
            uow.commit()

    _run_in_threads(WORKERS, apply)
    with factory() as uow:
        stored = uow.reservations.list(seeded.organization.id)
    assert len(stored) == 1
    assert stored[0].revision == Revision(at(WORKERS - 1), 0)


def test_a_claim_and_a_merge_never_both_win_the_same_message(postgres_engine):
    """Issue 18: the message a merge has locked is skipped by a claim (and blocks its key),
    and a message a claim holds is not merged into."""
    factory = SqlAlchemyUnitOfWorkFactory(postgres_engine, clock=SystemClock(session_offset()))
    seeded = seed(factory, active=True)
    head = availability_message(seeded.connection.id, ordering_key="H1", created_minute=1)
    behind = attrs.evolve(
        availability_message(seeded.connection.id, ordering_key="H1", created_minute=2),
        payload=attrs.evolve(head.payload, month=head.payload.month.replace(month=7)),
    )
    other = availability_message(seeded.connection.id, ordering_key="H2", created_minute=3)
    with factory() as uow:
        for message in (head, behind, other):
            uow.outbound.add(message)
        uow.commit()
    kind, month = head.kind, head.payload.month
    with factory() as merger, factory() as worker:
        assert merger.outbound.lock_mergeable("H1", kind, month) == head
        # The locked head is skipped, and what follows it on its key stays blocked.
        assert [m.id for m in worker.outbound.claim_due(at(10), "worker", 10)] == [other.id]
        worker.commit()
        merger.commit()
    with factory() as worker, factory() as merger:
        assert [m.id for m in worker.outbound.claim_due(at(10), "worker", 1)] == [head.id]
        # Claimed (not yet committed): the merge skips it rather than wait or win.
        assert merger.outbound.lock_mergeable("H1", kind, month) is None
        worker.commit()
        assert merger.outbound.lock_mergeable("H1", kind, month) is None  # in flight now
