"""`AesGcmVault` specifics beyond the contract: token format, key parsing, key-id binding."""

from __future__ import annotations

import base64
import secrets

import pytest

from channel_manager.adapters.vault.aesgcm import NONCE_BYTES, AesGcmVault
from channel_manager.adapters.vault.keys import (
    KEY_BYTES,
    VaultKey,
    derive_key_id,
    generate_key,
    parse_vault_keys,
)
from channel_manager.ports.vault import InvalidVaultKey, Secret, TamperedSecret


def _key(key_id: str) -> VaultKey:
    return VaultKey(key_id, secrets.token_bytes(KEY_BYTES))


def _split(sealed: bytes) -> tuple[bytes, bytes, bytes]:
    version, key_id, body = sealed.split(b":", 2)
    return version, key_id, base64.urlsafe_b64decode(body)


def _join(version: bytes, key_id: bytes, payload: bytes) -> bytes:
    return b":".join((version, key_id, base64.urlsafe_b64encode(payload)))


def test_token_header_names_format_version_and_key_id() -> None:
    vault = AesGcmVault([_key("k2025"), _key("k2024")])
    version, key_id, payload = _split(vault.seal(Secret("x")))
    assert (version, key_id) == (b"v2", b"k2025")
    assert len(payload) == NONCE_BYTES + 1 + len("x") + 16
    assert vault.newest_key_id == "k2025"


@pytest.mark.parametrize("position", [0, NONCE_BYTES, -1])
def test_flipping_a_bit_in_nonce_ciphertext_or_tag_is_tampering(position: int) -> None:
    vault = AesGcmVault([_key("k")])
    version, key_id, payload = _split(vault.seal(Secret(b"\x00secret")))
    altered = bytearray(payload)
    altered[position] ^= 0x01
    with pytest.raises(TamperedSecret, match="failed authentication"):
        vault.open(_join(version, key_id, bytes(altered)))


def test_relabelling_a_token_with_another_configured_key_id_is_tampering() -> None:
    first, second = _key("first"), _key("second")
    vault = AesGcmVault([first, second])
    version, _, payload = _split(vault.seal(Secret("bound to first")))
    with pytest.raises(TamperedSecret):
        vault.open(_join(version, b"second", payload))


def test_non_canonical_base64_body_is_tampering() -> None:
    vault = AesGcmVault([_key("k")])
    sealed = vault.seal(Secret("ab"))  # 12 + 1 + 2 + 16 = 31 bytes: the last char has spare bits
    body = sealed.rsplit(b":", 1)[1]
    stripped = body.rstrip(b"=")
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # Setting an unused low bit of the last character decodes to the very same payload.
    last = alphabet.index(stripped[-1:])
    twin = stripped[:-1] + alphabet[last | 1 : (last | 1) + 1] + body[len(stripped) :]
    assert twin != body
    assert base64.urlsafe_b64decode(twin) == base64.urlsafe_b64decode(body)
    with pytest.raises(TamperedSecret, match="non-canonical"):
        vault.open(sealed[: -len(body)] + twin)


def test_unsupported_format_version_is_rejected_without_echoing_the_token() -> None:
    vault = AesGcmVault([_key("k")])
    _, key_id, payload = _split(vault.seal(Secret("x")))
    with pytest.raises(TamperedSecret) as caught:
        vault.open(_join(b"v9", key_id, payload))
    assert "v9" not in str(caught.value)


def test_vault_needs_a_key_and_unique_key_ids() -> None:
    with pytest.raises(InvalidVaultKey):
        AesGcmVault([])
    with pytest.raises(InvalidVaultKey, match="more than once"):
        AesGcmVault([_key("same"), _key("same")])


def test_repr_of_keys_and_vault_never_show_key_material() -> None:
    key = _key("visible-id")
    shown = repr(key) + repr(AesGcmVault([key]))
    assert "visible-id" in shown
    assert key.material.hex() not in shown
    assert repr(key.material) not in shown
    assert base64.urlsafe_b64encode(key.material).decode() not in shown


def test_parse_accepts_explicit_ids_derived_ids_both_alphabets_and_no_padding() -> None:
    first, second = secrets.token_bytes(KEY_BYTES), secrets.token_bytes(KEY_BYTES)
    standard = base64.b64encode(second).decode()
    text = f" primary:{base64.urlsafe_b64encode(first).decode().rstrip('=')} , {standard} ,"
    keys = parse_vault_keys(text)
    assert keys == (VaultKey("primary", first), VaultKey(derive_key_id(second), second))


def test_generate_key_gives_a_parseable_entry_with_a_derived_id() -> None:
    entry = generate_key()
    (key,) = parse_vault_keys(entry)
    assert entry.startswith(f"{key.key_id}:")
    assert key.key_id == derive_key_id(key.material)
    assert parse_vault_keys(generate_key("named"))[0].key_id == "named"
    assert generate_key() != generate_key()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "no vault keys"),
        (" , ", "no vault keys"),
        ("k:" + base64.b64encode(b"short").decode(), "must be 32 bytes, not 5"),
        ("k:not*base64!", "not valid base64"),
        ("bad id:" + base64.b64encode(bytes(32)).decode(), "must be 1-64 characters"),
        (":" + base64.b64encode(bytes(32)).decode(), "must be 1-64 characters"),
        (
            f"a:{base64.b64encode(bytes(32)).decode()},a:{base64.b64encode(bytes(32)).decode()}",
            "more than once",
        ),
    ],
)
def test_parse_rejects_bad_entries_with_a_reason(text: str, expected: str) -> None:
    with pytest.raises(InvalidVaultKey, match=expected):
        parse_vault_keys(text)


def test_parse_errors_name_the_position_but_never_the_key() -> None:
    good = generate_key()
    bad_key = base64.b64encode(b"seventeen bytes!!").decode()
    with pytest.raises(InvalidVaultKey) as caught:
        parse_vault_keys(f"{good},oops:{bad_key}")
    message = str(caught.value)
    assert message.startswith("entry 2:")
    assert bad_key not in message
    assert good.split(":")[1] not in message
