"""`AesGcmVault`: the `CredentialVault` adapter built on AES-256-GCM.

Sealed token format (ASCII bytes, so it also fits a text column)::

    v1:<key_id>:<urlsafe-base64(nonce[12] || ciphertext || tag[16])>

The plaintext inside the ciphertext is prefixed with one byte, ``t`` (text, UTF-8) or ``b``
(bytes), so `open` returns exactly the type that was sealed. The associated data is
``channel-manager/vault/v1:<key_id>``: the header is authenticated, so a token whose key id was
edited to point at another key fails as tampered instead of decrypting to garbage.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from channel_manager.adapters.vault.keys import VaultKey, is_valid_key_id, parse_vault_keys
from channel_manager.ports.vault import (
    InvalidVaultKey,
    Secret,
    TamperedSecret,
    UnknownKeyId,
)

FORMAT_VERSION = b"v1"
NONCE_BYTES = 12
TAG_BYTES = 16
_SEPARATOR = b":"
_ASSOCIATED_DATA_PREFIX = b"channel-manager/vault/v1:"
_TEXT_MARKER = b"t"
_BYTES_MARKER = b"b"


class AesGcmVault:
    """Seals secrets with AES-256-GCM under the newest key; opens tokens under any known key.

    `keys` are newest first, as in `CM_VAULT_KEYS`. Keeping old keys configured after adding a
    new one lets every reader open old tokens while `rotate_all` re-seals them.
    """

    def __init__(self, keys: Sequence[VaultKey]) -> None:
        if not keys:
            raise InvalidVaultKey("a vault needs at least one key")
        self._ciphers: dict[str, AESGCM] = {}
        for key in keys:
            if key.key_id in self._ciphers:
                raise InvalidVaultKey(f"vault key id {key.key_id!r} appears more than once")
            self._ciphers[key.key_id] = AESGCM(key.material)
        self._newest_key_id = keys[0].key_id

    @classmethod
    def from_config(cls, vault_keys: str) -> AesGcmVault:
        """Build a vault from a `CM_VAULT_KEYS` value (format: `adapters.vault.keys`)."""
        return cls(parse_vault_keys(vault_keys))

    @property
    def newest_key_id(self) -> str:
        """The id of the key new tokens are sealed under."""
        return self._newest_key_id

    def seal(self, secret: Secret) -> bytes:
        """Encrypt `secret` under the newest key with a fresh random nonce."""
        marker = _TEXT_MARKER if secret.is_text else _BYTES_MARKER
        key_id = self._newest_key_id
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._ciphers[key_id].encrypt(
            nonce, marker + secret.reveal_bytes(), _associated_data(key_id)
        )
        body = base64.urlsafe_b64encode(nonce + ciphertext)
        return _SEPARATOR.join((FORMAT_VERSION, key_id.encode("ascii"), body))

    def open(self, sealed: bytes) -> Secret:
        """Decrypt a token sealed under any configured key."""
        key_id, payload = _split_token(sealed)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKeyId(key_id)
        nonce, ciphertext = payload[:NONCE_BYTES], payload[NONCE_BYTES:]
        try:
            framed = cipher.decrypt(nonce, ciphertext, _associated_data(key_id))
        except InvalidTag:
            raise TamperedSecret(
                f"sealed secret under vault key id {key_id!r} failed authentication"
            ) from None
        return _unframe(framed)

    def needs_rotation(self, sealed: bytes) -> bool:
        """True when the token names a key other than the newest (known or not)."""
        key_id, _ = _split_token(sealed)
        return key_id != self._newest_key_id

    def rotate(self, sealed: bytes) -> bytes:
        """Open `sealed` and seal it again under the newest key (always a fresh nonce)."""
        return self.seal(self.open(sealed))

    def __repr__(self) -> str:
        return f"AesGcmVault(key_ids={list(self._ciphers)!r})"


def _associated_data(key_id: str) -> bytes:
    return _ASSOCIATED_DATA_PREFIX + key_id.encode("ascii")


def _split_token(sealed: bytes) -> tuple[str, bytes]:
    """Return the key id and the raw nonce+ciphertext of a token, or raise `TamperedSecret`."""
    parts = bytes(sealed).split(_SEPARATOR, 2)
    if len(parts) != 3 or parts[0] != FORMAT_VERSION:
        # Never echo the token: a caller may have passed plaintext by mistake.
        raise TamperedSecret("sealed secret is not in the v1 vault format")
    raw_key_id, body = parts[1], parts[2]
    try:
        key_id = raw_key_id.decode("ascii")
        payload = base64.urlsafe_b64decode(body)
    except (UnicodeDecodeError, binascii.Error, ValueError):
        raise TamperedSecret("sealed secret has an unreadable header or body") from None
    # Only the canonical encoding is accepted, so no two distinct tokens carry the same payload
    # and any edit to the text of a token is detected, not silently absorbed by the decoder.
    if base64.urlsafe_b64encode(payload) != body:
        raise TamperedSecret("sealed secret has a non-canonical body encoding")
    if not is_valid_key_id(key_id):
        raise TamperedSecret("sealed secret names an invalid vault key id")
    if len(payload) < NONCE_BYTES + TAG_BYTES + len(_TEXT_MARKER):
        raise TamperedSecret(f"sealed secret under vault key id {key_id!r} is truncated")
    return key_id, payload


def _unframe(framed: bytes) -> Secret:
    marker, plaintext = framed[:1], framed[1:]
    if marker == _TEXT_MARKER:
        return Secret(plaintext.decode("utf-8"))
    if marker == _BYTES_MARKER:
        return Secret(plaintext)
    # Authenticated but unframed: only a bug in a future format could produce this.
    raise TamperedSecret("sealed secret has an unknown plaintext type marker")
