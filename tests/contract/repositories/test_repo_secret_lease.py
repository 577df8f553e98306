"""Contract: the lease on a sealed secret, which keeps an OAuth token refresh to one process.

Refresh tokens rotate, so two processes refreshing one connection at once break it (the second
refresh is a reuse and the authorisation server revokes the grant). The lease is taken in a
short transaction of its own, so nothing stays locked across the refresh's HTTP call.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from channel_manager.domain.errors import NotFound

from .repository_builders import at

LEASE = timedelta(seconds=90)


def _store(uow_factory, ref="connection:1", sealed=b"sealed-tokens"):
    with uow_factory() as uow:
        uow.secrets.put(ref, sealed)
        uow.commit()


def _take(uow_factory, owner, now, ref="connection:1"):
    with uow_factory() as uow:
        taken = uow.secrets.take_lease(ref, owner, now, now + LEASE)
        uow.commit()
    return taken


def _release(uow_factory, owner, ref="connection:1"):
    with uow_factory() as uow:
        uow.secrets.release_lease(ref, owner)
        uow.commit()


def test_one_owner_at_a_time_until_released(uow_factory):
    _store(uow_factory)
    assert _take(uow_factory, "a", at(0))
    assert not _take(uow_factory, "b", at(0))
    assert _take(uow_factory, "a", at(0))  # the holder may take it again (extends it)
    _release(uow_factory, "b")  # not b's lease: nothing happens
    assert not _take(uow_factory, "b", at(1))
    _release(uow_factory, "a")
    assert _take(uow_factory, "b", at(1))
    assert not _take(uow_factory, "a", at(1))


def test_an_expired_lease_is_taken_over(uow_factory):
    # A process killed mid-refresh never releases; the others wait for the expiry, no longer.
    _store(uow_factory)
    assert _take(uow_factory, "dead", at(0))
    assert not _take(uow_factory, "b", at(0) + LEASE - timedelta(seconds=1))
    assert _take(uow_factory, "b", at(0) + LEASE)
    _release(uow_factory, "dead")  # too late: the lease is b's now
    assert not _take(uow_factory, "c", at(0) + LEASE)


def test_leases_are_per_secret_and_leave_the_blob_alone(uow_factory):
    _store(uow_factory, "connection:1", b"one")
    _store(uow_factory, "connection:2", b"two")
    assert _take(uow_factory, "a", at(0), "connection:1")
    assert _take(uow_factory, "b", at(0), "connection:2")
    with uow_factory() as uow:
        uow.secrets.put("connection:1", b"one-rotated")  # the holder saves the new tokens
        uow.commit()
    with uow_factory() as uow:
        assert uow.secrets.get("connection:1") == b"one-rotated"
        assert uow.secrets.get("connection:2") == b"two"
    assert not _take(uow_factory, "b", at(0), "connection:1")  # saving does not release


def test_an_uncommitted_lease_is_not_taken(uow_factory):
    _store(uow_factory)
    with uow_factory() as uow:
        assert uow.secrets.take_lease("connection:1", "a", at(0), at(0) + LEASE)
        uow.rollback()
    assert _take(uow_factory, "b", at(0))


def test_nothing_stored_means_nothing_to_lease(uow_factory):
    with uow_factory() as uow, pytest.raises(NotFound):
        uow.secrets.take_lease("connection:none", "a", at(0), at(0) + LEASE)
    _store(uow_factory)
    assert _take(uow_factory, "a", at(0))
    with uow_factory() as uow:
        uow.secrets.delete("connection:1")
        uow.commit()
    _store(uow_factory)  # a reconnect stores new tokens: the old lease went with the old ones
    assert _take(uow_factory, "b", at(0))


def test_concurrent_takers_get_exactly_one_lease(uow_factory):
    # Eight threads, each with its own unit of work (and database connection), all at once.
    _store(uow_factory)
    start = threading.Barrier(8)
    results: dict[str, bool] = {}
    errors: list[BaseException] = []

    def take(owner: str) -> None:
        try:
            start.wait()
            results[owner] = _take(uow_factory, owner, at(0))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=take, args=(f"w{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results.values()) == [False] * 7 + [True]
