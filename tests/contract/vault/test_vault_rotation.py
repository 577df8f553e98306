"""`rotate_all` over a dict-backed stand-in for the secrets repository."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from channel_manager.adapters.vault.aesgcm import AesGcmVault
from channel_manager.adapters.vault.keys import KEY_BYTES, VaultKey
from channel_manager.adapters.vault.rotation import rotate_all
from channel_manager.ports.vault import Secret, TamperedSecret

OLD = VaultKey("old", secrets.token_bytes(KEY_BYTES))
NEW = VaultKey("new", secrets.token_bytes(KEY_BYTES))


class DictSecretStore:
    """The secrets repository's get/put/all_refs over a dict, recording each write."""

    def __init__(self) -> None:
        self.tokens: dict[str, bytes] = {}
        self.writes: list[str] = []

    def get(self, ref: str) -> bytes:
        return self.tokens[ref]

    def put(self, ref: str, sealed: bytes) -> None:
        self.tokens[ref] = sealed
        self.writes.append(ref)

    def all_refs(self) -> Iterator[str]:
        # A live view, like a database cursor: rotate_all must not depend on it staying still.
        return iter(self.tokens.keys())


class ReaderCheckingStore(DictSecretStore):
    """After every write, checks that a reader configured with both keys opens every token."""

    def __init__(self, reader: AesGcmVault, expected: dict[str, Secret]) -> None:
        super().__init__()
        self.reader = reader
        self.expected = expected

    def put(self, ref: str, sealed: bytes) -> None:
        super().put(ref, sealed)
        for stored_ref, token in self.tokens.items():
            assert self.reader.open(token, stored_ref) == self.expected[stored_ref]


def _fill(store: DictSecretStore, vault: AesGcmVault, count: int, prefix: str) -> dict[str, Secret]:
    plaintexts = {f"{prefix}-{n}": Secret(f"{prefix}-secret-{n}") for n in range(count)}
    for ref, secret in plaintexts.items():
        store.put(ref, vault.seal(secret, ref))
    store.writes.clear()
    return plaintexts


def test_rotate_all_reseals_only_tokens_under_older_keys() -> None:
    store = DictSecretStore()
    rotating = AesGcmVault([NEW, OLD])
    expected = _fill(store, AesGcmVault([OLD]), 5, "old") | _fill(store, rotating, 3, "new")

    assert rotate_all(rotating, store) == 5

    assert sorted(store.writes) == sorted(f"old-{n}" for n in range(5))
    new_only = AesGcmVault([NEW])
    assert {ref: new_only.open(token, ref) for ref, token in store.tokens.items()} == expected


def test_rotate_all_twice_finds_nothing_left_to_do() -> None:
    store = DictSecretStore()
    _fill(store, AesGcmVault([OLD]), 4, "old")
    vault = AesGcmVault([NEW, OLD])
    assert rotate_all(vault, store) == 4
    store.writes.clear()
    assert rotate_all(vault, store) == 0
    assert store.writes == []


def test_readers_with_old_and_new_keys_keep_working_during_rotation() -> None:
    reader = AesGcmVault([NEW, OLD])
    expected = {f"conn-{n}": Secret(f"token-{n}") for n in range(6)}
    store = ReaderCheckingStore(reader, expected)
    old_vault = AesGcmVault([OLD])
    for ref, secret in expected.items():
        store.tokens[ref] = old_vault.seal(secret, ref)

    assert rotate_all(AesGcmVault([NEW, OLD]), store) == 6
    assert len(store.writes) == 6


def test_empty_store_rotates_nothing() -> None:
    assert rotate_all(AesGcmVault([NEW]), DictSecretStore()) == 0


def test_a_tampered_token_stops_rotation_with_a_vault_error() -> None:
    store = DictSecretStore()
    _fill(store, AesGcmVault([OLD]), 2, "old")
    store.tokens["broken"] = b"v1:old:" + b"A" * 64
    with pytest.raises(TamperedSecret):
        rotate_all(AesGcmVault([NEW, OLD]), store)


def test_rotate_all_binds_unbound_v1_tokens_to_their_reference() -> None:
    """Tokens sealed before the binding (v1) are re-sealed bound to their ref by rotation too,
    even under the newest key."""
    store = DictSecretStore()
    vault = AesGcmVault([NEW])
    store.tokens = {
        "conn-a": vault.seal_unbound(Secret("a")),
        "conn-b": vault.seal(Secret("b"), "conn-b"),
    }

    assert rotate_all(vault, store) == 1

    assert store.writes == ["conn-a"]
    assert vault.open(store.tokens["conn-a"], "conn-a") == Secret("a")
    assert rotate_all(vault, store) == 0
