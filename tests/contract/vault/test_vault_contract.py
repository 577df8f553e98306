"""The `CredentialVault` contract: every vault adapter must pass `CredentialVaultContract`.

An adapter's test class subclasses the contract and implements `make_vault(key_ids)`: a vault
holding the named keys, newest first, where the same id always means the same key material.
"""

from __future__ import annotations

import abc
import secrets
from collections.abc import Sequence
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.adapters.vault.aesgcm import AesGcmVault
from channel_manager.adapters.vault.keys import KEY_BYTES, VaultKey
from channel_manager.ports.vault import (
    CredentialVault,
    Secret,
    TamperedSecret,
    UnknownKeyId,
    VaultError,
)

plaintexts = st.one_of(st.binary(max_size=512), st.text(max_size=256))


class CredentialVaultContract(abc.ABC):
    """Behaviour every `CredentialVault` shares, whatever its cipher or token format."""

    @abc.abstractmethod
    def make_vault(self, key_ids: Sequence[str]) -> CredentialVault:
        """A vault holding keys with these ids, newest first."""

    @abc.abstractmethod
    def key_material(self, key_ids: Sequence[str]) -> list[bytes]:
        """The raw key bytes behind `key_ids`, to prove error messages never contain them."""

    @given(plaintext=plaintexts)
    def test_open_returns_exactly_what_was_sealed(self, plaintext: bytes | str) -> None:
        vault = self.make_vault(["current"])
        opened = vault.open(vault.seal(Secret(plaintext)))
        assert opened.reveal() == plaintext
        assert type(opened.reveal()) is type(plaintext)

    def test_sealed_token_is_bytes_without_the_plaintext(self) -> None:
        plaintext = secrets.token_hex(16)
        sealed = self.make_vault(["current"]).seal(Secret(plaintext))
        assert isinstance(sealed, bytes)
        assert plaintext.encode() not in sealed

    def test_sealing_twice_gives_different_tokens(self) -> None:
        vault = self.make_vault(["current"])
        assert vault.seal(Secret("same")) != vault.seal(Secret("same"))

    @given(data=st.data())
    def test_any_single_byte_change_is_rejected(self, data: st.DataObject) -> None:
        vault = self.make_vault(["current"])
        sealed = vault.seal(Secret("client-secret-value"))
        position = data.draw(st.integers(0, len(sealed) - 1), label="position")
        replacement = data.draw(st.integers(0, 255).filter(lambda b: b != sealed[position]))
        altered = sealed[:position] + bytes([replacement]) + sealed[position + 1 :]
        with pytest.raises(VaultError):
            vault.open(altered)

    @pytest.mark.parametrize("garbage", [b"", b"not a token", b"v1:", b"v1:current:", b"\xff" * 40])
    def test_garbage_is_rejected_as_tampered(self, garbage: bytes) -> None:
        with pytest.raises(TamperedSecret):
            self.make_vault(["current"]).open(garbage)

    def test_truncated_token_is_rejected_as_tampered(self) -> None:
        vault = self.make_vault(["current"])
        sealed = vault.seal(Secret("refresh-token-value"))
        with pytest.raises(TamperedSecret):
            vault.open(sealed[: len(sealed) // 2])

    def test_tokens_sealed_under_an_older_key_still_open(self) -> None:
        old_token = self.make_vault(["old"]).seal(Secret("sealed-last-year"))
        assert self.make_vault(["new", "old"]).open(old_token).reveal() == "sealed-last-year"

    def test_new_tokens_use_the_newest_key(self) -> None:
        token = self.make_vault(["new", "old"]).seal(Secret("fresh"))
        assert self.make_vault(["new"]).open(token).reveal() == "fresh"
        with pytest.raises(UnknownKeyId):
            self.make_vault(["old"]).open(token)

    def test_needs_rotation_is_true_only_for_older_keys(self) -> None:
        vault = self.make_vault(["new", "old"])
        assert vault.needs_rotation(self.make_vault(["old"]).seal(Secret("x")))
        assert not vault.needs_rotation(vault.seal(Secret("x")))

    @given(plaintext=plaintexts)
    def test_rotate_moves_a_token_to_the_newest_key(self, plaintext: bytes | str) -> None:
        vault = self.make_vault(["new", "old"])
        rotated = vault.rotate(self.make_vault(["old"]).seal(Secret(plaintext)))
        assert not vault.needs_rotation(rotated)
        assert self.make_vault(["new"]).open(rotated) == Secret(plaintext)

    def test_unknown_key_id_error_names_the_key_but_holds_no_secret(self) -> None:
        plaintext = "oauth-refresh-" + secrets.token_hex(8)
        token = self.make_vault(["retired"]).seal(Secret(plaintext))
        with pytest.raises(UnknownKeyId) as caught:
            self.make_vault(["current"]).open(token)
        message = str(caught.value)
        assert "retired" in message
        assert plaintext not in message
        for material in self.key_material(["retired", "current"]):
            assert material.hex() not in message
            assert repr(material) not in message

    def test_rotating_a_token_under_an_unknown_key_fails(self) -> None:
        token = self.make_vault(["retired"]).seal(Secret("x"))
        with pytest.raises(UnknownKeyId):
            self.make_vault(["current"]).rotate(token)


@cache
def _material_for(key_id: str) -> bytes:
    # One random key per id for the whole test run: "the same id means the same key".
    return secrets.token_bytes(KEY_BYTES)


class TestAesGcmVaultContract(CredentialVaultContract):
    """`AesGcmVault` against the contract."""

    def make_vault(self, key_ids: Sequence[str]) -> CredentialVault:
        return AesGcmVault([VaultKey(key_id, _material_for(key_id)) for key_id in key_ids])

    def key_material(self, key_ids: Sequence[str]) -> list[bytes]:
        return [_material_for(key_id) for key_id in key_ids]
