"""Contract: browser sessions and one-time sign-in tokens, by the hash of their secret."""

from __future__ import annotations

import threading

from channel_manager.domain.web_sessions import SigninToken, WebSession

from .repository_builders import at, new_organization


def _session(id_hash="a" * 64, data='{"organization_id": "x"}', expires_minute=60):
    return WebSession(id_hash=id_hash, data=data, created_at=at(0), expires_at=at(expires_minute))


def _organization(uow_factory):
    organization = new_organization()
    with uow_factory() as uow:
        uow.organizations.add(organization)
        uow.commit()
    return organization


def _token(organization_id, token_hash="t" * 64, expires_minute=15):
    return SigninToken(
        token_hash=token_hash,
        organization_id=organization_id,
        created_at=at(0),
        expires_at=at(expires_minute),
    )


def test_a_session_is_stored_replaced_and_deleted(uow_factory):
    with uow_factory() as uow:
        uow.web_sessions.put(_session())
        uow.commit()
    with uow_factory() as uow:
        assert uow.web_sessions.get("a" * 64) == _session()
        assert uow.web_sessions.get("b" * 64) is None
        uow.web_sessions.put(_session(data="{}", expires_minute=90))
        uow.commit()
    with uow_factory() as uow:
        assert uow.web_sessions.get("a" * 64) == _session(data="{}", expires_minute=90)
        uow.web_sessions.delete("a" * 64)
        uow.web_sessions.delete("c" * 64)  # unknown: no error
        uow.commit()
    with uow_factory() as uow:
        assert uow.web_sessions.get("a" * 64) is None


def test_an_uncommitted_session_is_not_stored(uow_factory):
    with uow_factory() as uow:
        uow.web_sessions.put(_session())
    with uow_factory() as uow:
        assert uow.web_sessions.get("a" * 64) is None


def test_purging_deletes_only_expired_sessions(uow_factory):
    with uow_factory() as uow:
        uow.web_sessions.put(_session("a" * 64, expires_minute=10))
        uow.web_sessions.put(_session("b" * 64, expires_minute=20))
        uow.web_sessions.put(_session("c" * 64, expires_minute=30))
        uow.commit()
    with uow_factory() as uow:
        assert uow.web_sessions.purge_expired(at(20)) == 2
        uow.commit()
    with uow_factory() as uow:
        assert uow.web_sessions.get("a" * 64) is None
        assert uow.web_sessions.get("b" * 64) is None
        assert uow.web_sessions.get("c" * 64) == _session("c" * 64, expires_minute=30)


def test_a_signin_token_is_taken_once(uow_factory):
    organization = _organization(uow_factory)
    with uow_factory() as uow:
        uow.signin_tokens.add(_token(organization.id))
        uow.commit()
    with uow_factory() as uow:
        assert uow.signin_tokens.get("t" * 64) == _token(organization.id)
        assert uow.signin_tokens.take("t" * 64) == _token(organization.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.signin_tokens.get("t" * 64) is None
        assert uow.signin_tokens.take("t" * 64) is None


def test_a_token_taken_in_a_rolled_back_unit_of_work_stays(uow_factory):
    organization = _organization(uow_factory)
    with uow_factory() as uow:
        uow.signin_tokens.add(_token(organization.id))
        uow.commit()
    with uow_factory() as uow:
        assert uow.signin_tokens.take("t" * 64) is not None
    with uow_factory() as uow:
        assert uow.signin_tokens.take("t" * 64) == _token(organization.id)


def test_of_concurrent_takers_one_gets_the_token(uow_factory):
    organization = _organization(uow_factory)
    with uow_factory() as uow:
        uow.signin_tokens.add(_token(organization.id))
        uow.commit()
    barrier = threading.Barrier(4)
    taken = []

    def take():
        with uow_factory() as uow:
            barrier.wait(timeout=10)
            found = uow.signin_tokens.take("t" * 64)
            uow.commit()
        taken.append(found)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(taken) == 4
    assert [t for t in taken if t is not None] == [_token(organization.id)]


def test_purging_deletes_only_expired_tokens(uow_factory):
    organization = _organization(uow_factory)
    with uow_factory() as uow:
        uow.signin_tokens.add(_token(organization.id, "t" * 64, expires_minute=5))
        uow.signin_tokens.add(_token(organization.id, "u" * 64, expires_minute=30))
        uow.commit()
    with uow_factory() as uow:
        assert uow.signin_tokens.purge_expired(at(10)) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.signin_tokens.get("t" * 64) is None
        assert uow.signin_tokens.get("u" * 64) is not None
