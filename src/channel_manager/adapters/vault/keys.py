"""Vault keys and the `CM_VAULT_KEYS` format.

`CM_VAULT_KEYS` is a comma-separated list of keys, **newest first**. Each entry is either

* ``key_id:base64key`` -- an explicit id (1-64 characters from ``A-Z a-z 0-9 _ -``), or
* ``base64key`` -- the id is derived from the key: the first 12 hex digits of its SHA-256.

The key is 32 random bytes (AES-256) in base64, standard or URL-safe alphabet, padding optional.
Whitespace around entries is ignored. `generate_key()` returns a ready-made ``key_id:base64key``
entry. To rotate: put a new key in front, run ``channel-manager keys rotate``, and remove the old
key only after that finished (readers keep working throughout because old keys stay configured).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Sequence

from attrs import field, frozen

from channel_manager.ports.vault import InvalidVaultKey

KEY_BYTES = 32
_KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def derive_key_id(material: bytes) -> str:
    """The id used for a key given without one: a short SHA-256 fingerprint of the key."""
    return hashlib.sha256(material).hexdigest()[:12]


def is_valid_key_id(key_id: str) -> bool:
    """True when `key_id` may appear in a sealed token header (no separators, bounded length)."""
    return _KEY_ID_PATTERN.fullmatch(key_id) is not None


def _check_key_id(_instance: VaultKey, _attribute: object, key_id: str) -> None:
    if not is_valid_key_id(key_id):
        raise InvalidVaultKey(
            f"vault key id {key_id!r} must be 1-64 characters from A-Z, a-z, 0-9, '_' and '-'"
        )


def _check_material(instance: VaultKey, _attribute: object, material: bytes) -> None:
    if len(material) != KEY_BYTES:
        raise InvalidVaultKey(
            f"vault key {instance.key_id!r} must be {KEY_BYTES} bytes, not {len(material)}"
        )


@frozen
class VaultKey:
    """One AES-256 key and the id that sealed tokens use to name it. The key never prints."""

    key_id: str = field(validator=_check_key_id)
    material: bytes = field(repr=False, validator=_check_material)

    @classmethod
    def from_entry(cls, entry: str) -> VaultKey:
        """Parse one `CM_VAULT_KEYS` entry (``key_id:base64key`` or ``base64key``)."""
        key_id, separator, encoded = entry.strip().rpartition(":")
        material = _decode_key(encoded.strip())
        if not separator:
            return cls(derive_key_id(material), material)
        return cls(key_id.strip(), material)

    def to_entry(self) -> str:
        """This key as a `CM_VAULT_KEYS` entry (reveals the key: for writing config only)."""
        return f"{self.key_id}:{base64.urlsafe_b64encode(self.material).decode('ascii')}"


def _decode_key(encoded: str) -> bytes:
    # Accept both base64 alphabets and missing padding: keys get copied through shells and YAML.
    normalized = encoded.replace("-", "+").replace("_", "/")
    normalized += "=" * (-len(normalized) % 4)
    try:
        return base64.b64decode(normalized, validate=True)
    except (binascii.Error, ValueError):
        # The message must not echo the entry: it is key material.
        raise InvalidVaultKey("vault key is not valid base64") from None


def parse_vault_keys(text: str) -> tuple[VaultKey, ...]:
    """Parse a whole `CM_VAULT_KEYS` value into keys, newest first.

    Raises `InvalidVaultKey` naming the entry's position (never its content) when an entry is
    malformed, when the list is empty, or when two entries share a key id.
    """
    entries = [entry for entry in text.split(",") if entry.strip()]
    if not entries:
        raise InvalidVaultKey("no vault keys given: expected a comma-separated list, newest first")
    keys: list[VaultKey] = []
    for position, entry in enumerate(entries, start=1):
        try:
            keys.append(VaultKey.from_entry(entry))
        except InvalidVaultKey as error:
            raise InvalidVaultKey(f"entry {position}: {error}") from None
    _reject_duplicate_ids(keys)
    return tuple(keys)


def _reject_duplicate_ids(keys: Sequence[VaultKey]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key.key_id in seen:
            raise InvalidVaultKey(f"vault key id {key.key_id!r} appears more than once")
        seen.add(key.key_id)


def generate_key(key_id: str | None = None) -> str:
    """Make a fresh random key and return it as a `CM_VAULT_KEYS` entry ``key_id:base64key``.

    Without `key_id` the id is derived from the key, as for entries given without one.
    """
    material = secrets.token_bytes(KEY_BYTES)
    return VaultKey(key_id or derive_key_id(material), material).to_entry()
