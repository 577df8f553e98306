"""Browser sessions by hashed id with sliding expiry, and one-time sign-in tokens."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from channel_manager.adapters.memory.store import InMemoryStore
from channel_manager.adapters.memory.unit_of_work import InMemoryUnitOfWorkFactory
from channel_manager.application.errors import InvalidRequest, Unauthenticated
from channel_manager.application.web_sessions import RENEW_INTERVAL, hash_secret
from channel_manager.domain.errors import NotFound
from tests.unit.application.conftest import World


def _memory_store(world: World) -> InMemoryStore:
    """The in-memory database these tests run on (the container's type names SQLAlchemy's)."""
    factory: object = world.container.uow_factory()
    assert isinstance(factory, InMemoryUnitOfWorkFactory)
    return factory.store


SESSION_ID = "5" * 64


def _expiry(world: World) -> object:
    with world.container.uow_factory()() as uow:
        found = uow.web_sessions.get(hash_secret(SESSION_ID))
    return None if found is None else found.expires_at


def test_a_session_is_found_by_its_id_and_stored_by_its_hash(world: World) -> None:
    sessions = world.container.web_sessions()
    sessions.save(SESSION_ID, '{"a": 1}', timedelta(hours=1))

    assert sessions.load(SESSION_ID) == '{"a": 1}'
    assert sessions.load("6" * 64) is None
    assert sessions.expires_in(SESSION_ID) == timedelta(hours=1)
    with world.container.uow_factory()() as uow:
        assert uow.web_sessions.get(SESSION_ID) is None  # the id itself is no key


def test_the_expiry_slides_at_most_every_renew_interval(world: World) -> None:
    sessions = world.container.web_sessions()
    sessions.save(SESSION_ID, "{}", timedelta(hours=1))
    start = world.clock.now()

    world.clock.advance(RENEW_INTERVAL - timedelta(seconds=1))
    sessions.load(SESSION_ID, renew_for=timedelta(hours=1))
    assert _expiry(world) == start + timedelta(hours=1)  # too soon: no write

    world.clock.advance(timedelta(seconds=2))
    sessions.load(SESSION_ID, renew_for=timedelta(hours=1))
    assert _expiry(world) == world.clock.now() + timedelta(hours=1)


def test_an_expired_session_is_refused_and_deleted(world: World) -> None:
    sessions = world.container.web_sessions()
    sessions.save(SESSION_ID, "{}", timedelta(minutes=10))

    world.clock.advance(timedelta(minutes=10))

    assert sessions.load(SESSION_ID) is None
    assert sessions.expires_in(SESSION_ID) is None
    assert _expiry(world) is None


def test_a_new_session_purges_the_expired_ones(world: World) -> None:
    sessions = world.container.web_sessions()
    sessions.save("1" * 64, "{}", timedelta(minutes=10))
    sessions.save("2" * 64, "{}", timedelta(hours=2))
    world.clock.advance(timedelta(hours=1))

    sessions.save(SESSION_ID, "{}")

    table = _memory_store(world).table("web_sessions")
    assert set(table) == {hash_secret("2" * 64), hash_secret(SESSION_ID)}


def test_a_signin_token_signs_in_once(world: World) -> None:
    links = world.container.signin_links()
    issued = links.issue(world.organization.id)

    assert links.peek(issued.plaintext) == world.organization  # peeking uses nothing up
    assert links.redeem(issued.plaintext) == world.organization.id
    with pytest.raises(Unauthenticated, match="already used or expired"):
        links.redeem(issued.plaintext)
    with pytest.raises(Unauthenticated):
        links.peek(issued.plaintext)


def test_a_signin_token_expires(world: World) -> None:
    links = world.container.signin_links()
    issued = links.issue(world.organization.id, timedelta(minutes=2))

    world.clock.advance(timedelta(minutes=2))

    with pytest.raises(Unauthenticated):
        links.peek(issued.plaintext)
    with pytest.raises(Unauthenticated):
        links.redeem(issued.plaintext)


@pytest.mark.parametrize(
    "presented", [None, "", "cm_not-a-signin-token", "cms_unknown", "x" * 5000]
)
def test_anything_but_an_issued_token_is_refused(world: World, presented: str | None) -> None:
    world.container.signin_links().issue(world.organization.id)

    with pytest.raises(Unauthenticated):
        world.container.signin_links().redeem(presented)


@pytest.mark.parametrize("minutes", [0, -1, 61])
def test_a_signin_token_lasts_minutes_not_longer(world: World, minutes: int) -> None:
    with pytest.raises(InvalidRequest):
        world.container.signin_links().issue(world.organization.id, timedelta(minutes=minutes))


def test_a_signin_token_needs_an_existing_organisation(world: World) -> None:
    with pytest.raises(NotFound):
        world.container.signin_links().issue(uuid4())
