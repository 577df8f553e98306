"""Each sealed secret is bound to its reference (issue 12 §5), and migration 0006 re-seals the
tokens sealed before that binding, on SQLite and PostgreSQL.

The attack: whoever can write the database copied one organisation's sealed channel
credentials onto another organisation's connection (or swapped two rows); the v1 associated
data named only the key, so the copy opened and the attacker's connection acted as the victim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa
from hypothesis import assume, given
from hypothesis import strategies as st

from channel_manager.adapters.sqlalchemy import create_database_engine, current, downgrade, upgrade
from channel_manager.adapters.sqlalchemy.tables import auth_states, organizations, sealed_secrets
from channel_manager.adapters.vault import AesGcmVault, generate_key
from channel_manager.application.credentials import CODE_VERIFIER_CONTEXT, CredentialStore
from channel_manager.ports.vault import Secret, TamperedSecret
from tests.support.containers import app_container, make_settings

KEYS = generate_key("k1")
VAULT = AesGcmVault.from_config(KEYS)
refs = st.text(min_size=1, max_size=40)


@given(first=refs, second=refs)
def test_a_token_opens_only_for_the_reference_it_was_sealed_for(first: str, second: str) -> None:
    assume(first != second)
    token = VAULT.seal(Secret("refresh-token"), first)
    assert VAULT.open(token, first) == Secret("refresh-token")
    with pytest.raises(TamperedSecret, match="failed authentication"):
        VAULT.open(token, second)


def test_an_unbound_v1_token_is_refused_until_it_is_resealed() -> None:
    old = VAULT.seal_unbound(Secret("s"))
    assert old.startswith(b"v1:")
    with pytest.raises(TamperedSecret, match="db upgrade"):
        VAULT.open(old, "connection:1")
    assert VAULT.needs_rotation(old)
    bound = VAULT.rotate(old, "connection:1")
    assert VAULT.open(bound, "connection:1") == Secret("s")
    assert not VAULT.needs_rotation(bound)


def test_credentials_copied_onto_another_connection_do_not_open_there() -> None:
    container = app_container(settings=make_settings({"CM_VAULT_KEYS": KEYS}))
    credentials: CredentialStore = container.credentials()
    credentials.save("connection:victim", b"victim-refresh-token")
    with container.uow_factory()() as uow:
        uow.secrets.put("connection:attacker", uow.secrets.get("connection:victim"))
        uow.commit()

    assert credentials.load("connection:victim") == b"victim-refresh-token"
    with pytest.raises(TamperedSecret):
        credentials.load("connection:attacker")


# --- migration 0006 ------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    make_postgres_database: Callable[[str], AbstractContextManager[str]],
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reseal.db'}"
        return
    # Like every PostgreSQL test: no server is a failure, not a skip.
    server = request.getfixturevalue("postgres_server_url")
    with make_postgres_database(server) as url:
        yield url


def _seed_v1(url: str) -> dict[str, bytes]:
    """At revision 0002: two connections' v1 credentials and a v1-sealed PKCE verifier."""
    upgrade(url, "0002")
    now = datetime(2026, 11, 24, tzinfo=UTC)
    tokens = {
        "connection:a": VAULT.seal_unbound(Secret(b"token-a")),
        "connection:b": VAULT.seal_unbound(Secret(b"token-b")),
    }
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            organization = uuid4()
            connection.execute(organizations.insert().values(id=organization, name="Org"))
            for ref, token in tokens.items():
                connection.execute(
                    sealed_secrets.insert().values(
                        ref=ref, sealed=token, created_at=now, updated_at=now
                    )
                )
            connection.execute(
                auth_states.insert().values(
                    state="state-1",
                    organization_id=organization,
                    auth_mode="oauth2",
                    code_verifier=VAULT.seal_unbound(Secret("verifier")).decode(),
                    redirect_uri="https://cm.example/cb",
                    created_at=now,
                    expires_at=now,
                )
            )
    finally:
        engine.dispose()
    return tokens


def _stored(url: str) -> tuple[dict[str, bytes], bytes]:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            secrets = {
                r.ref: bytes(r.sealed) for r in connection.execute(sa.select(sealed_secrets))
            }
            verifier = connection.execute(sa.select(auth_states.c.code_verifier)).scalar_one()
    finally:
        engine.dispose()
    return secrets, verifier.encode()


@pytest.mark.parametrize("keys_from", ["argument", "environment"])
def test_migration_0006_reseals_every_secret_bound_to_its_reference(
    empty_database: str, keys_from: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _seed_v1(empty_database)

    if keys_from == "environment":  # as `channel-manager db upgrade` runs
        monkeypatch.setenv("CM_VAULT_KEYS", KEYS)
        upgrade(empty_database)
    else:
        monkeypatch.delenv("CM_VAULT_KEYS", raising=False)
        upgrade(empty_database, vault_keys=KEYS)

    secrets, verifier = _stored(empty_database)
    assert set(secrets) == set(before)
    for ref, token in secrets.items():
        assert token.startswith(b"v2:")
        assert VAULT.open(token, ref).reveal() == before_plaintext(before, ref)
    assert VAULT.open(verifier, CODE_VERIFIER_CONTEXT) == Secret("verifier")
    # Swapping the two rows now fails: each opens only under its own reference.
    with pytest.raises(TamperedSecret):
        VAULT.open(secrets["connection:a"], "connection:b")

    downgrade(empty_database, "0002", vault_keys=KEYS)
    secrets, verifier = _stored(empty_database)
    assert {ref: VAULT.open_unbound(t).reveal() for ref, t in secrets.items()} == {
        "connection:a": b"token-a",
        "connection:b": b"token-b",
    }
    assert VAULT.open_unbound(verifier) == Secret("verifier")


def before_plaintext(tokens: dict[str, bytes], ref: str) -> bytes | str:
    return VAULT.open_unbound(tokens[ref]).reveal()


def test_migration_0006_without_the_keys_stops_and_changes_nothing(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _seed_v1(empty_database)
    monkeypatch.delenv("CM_VAULT_KEYS", raising=False)

    with pytest.raises(RuntimeError, match="set CM_VAULT_KEYS"):
        upgrade(empty_database)

    assert current(empty_database) == "0002"
    assert _stored(empty_database)[0] == before
