"""`AesGcmVault`: the `CredentialVault` adapter built on AES-256-GCM.

Sealed token format (ASCII bytes, so it also fits a text column)::

    v2:<key_id>:<urlsafe-base64(nonce[12] || ciphertext || tag[16])>

The plaintext inside the ciphertext is prefixed with one byte, ``t`` (text, UTF-8) or ``b``
(bytes), so `open` returns exactly the type that was sealed. The associated data is
``channel-manager/vault/v2:<key_id>:<context>``: the header is authenticated, so a token whose
key id was edited to point at another key fails as tampered instead of decrypting to garbage;
and the token is bound to its ``context`` (the reference it is stored under), so a token copied
from one row to another (one organisation's credentials into another's connection) fails as
tampered too.

``v1`` tokens (associated data without the context) are the format before that binding. `open`
refuses them; `rotate` and `open_unbound` read them so the migration (``0006``) and
``keys rotate`` can re-seal them bound to their reference.
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

FORMAT_VERSION = b"v2"
#: The format without the context in the associated data (read only to re-seal it).
UNBOUND_FORMAT_VERSION = b"v1"
NONCE_BYTES = 12
TAG_BYTES = 16
_SEPARATOR = b":"
_ASSOCIATED_DATA_PREFIX = b"channel-manager/vault/v2:"
_UNBOUND_ASSOCIATED_DATA_PREFIX = b"channel-manager/vault/v1:"
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

    def seal(self, secret: Secret, context: str = "") -> bytes:
        """Encrypt `secret` under the newest key with a fresh random nonce, bound to
        `context` (the reference it will be stored under)."""
        marker = _TEXT_MARKER if secret.is_text else _BYTES_MARKER
        key_id = self._newest_key_id
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._ciphers[key_id].encrypt(
            nonce, marker + secret.reveal_bytes(), _associated_data(key_id, context)
        )
        body = base64.urlsafe_b64encode(nonce + ciphertext)
        return _SEPARATOR.join((FORMAT_VERSION, key_id.encode("ascii"), body))

    def open(self, sealed: bytes, context: str = "") -> Secret:
        """Decrypt a token sealed under any configured key for the same `context`."""
        version, key_id, payload = _split_token(sealed)
        if version != FORMAT_VERSION:
            raise TamperedSecret(
                "sealed secret is in the v1 format, not bound to its reference; "
                "re-seal it with `channel-manager db upgrade`"
            )
        return self._decrypt(key_id, payload, _associated_data(key_id, context))

    def open_unbound(self, sealed: bytes) -> Secret:
        """Decrypt a v1 token (sealed before tokens were bound to their reference), only to
        re-seal it; a v2 token is refused here (it must be opened with its context)."""
        version, key_id, payload = _split_token(sealed)
        if version != UNBOUND_FORMAT_VERSION:
            raise TamperedSecret("sealed secret is bound to a reference; open it with it")
        return self._decrypt(key_id, payload, _UNBOUND_ASSOCIATED_DATA_PREFIX + key_id.encode())

    def seal_unbound(self, secret: Secret) -> bytes:
        """A v1 token (not bound to a reference): only for the migration's downgrade, for the
        older code that reads nothing else."""
        marker = _TEXT_MARKER if secret.is_text else _BYTES_MARKER
        key_id = self._newest_key_id
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = self._ciphers[key_id].encrypt(
            nonce, marker + secret.reveal_bytes(), _UNBOUND_ASSOCIATED_DATA_PREFIX + key_id.encode()
        )
        body = base64.urlsafe_b64encode(nonce + ciphertext)
        return _SEPARATOR.join((UNBOUND_FORMAT_VERSION, key_id.encode("ascii"), body))

    def is_unbound(self, sealed: bytes) -> bool:
        """True for a v1 token (not bound to its reference)."""
        version, _, _ = _split_token(sealed)
        return version == UNBOUND_FORMAT_VERSION

    def needs_rotation(self, sealed: bytes) -> bool:
        """True when the token names a key other than the newest (known or not), or is not
        yet bound to its reference (v1)."""
        version, key_id, _ = _split_token(sealed)
        return key_id != self._newest_key_id or version != FORMAT_VERSION

    def rotate(self, sealed: bytes, context: str = "") -> bytes:
        """Open `sealed` and seal it again under the newest key for `context` (always a fresh
        nonce); a v1 token is bound to `context` on the way."""
        if self.is_unbound(sealed):
            return self.seal(self.open_unbound(sealed), context)
        return self.seal(self.open(sealed, context), context)

    def _decrypt(self, key_id: str, payload: bytes, associated_data: bytes) -> Secret:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKeyId(key_id)
        nonce, ciphertext = payload[:NONCE_BYTES], payload[NONCE_BYTES:]
        try:
            framed = cipher.decrypt(nonce, ciphertext, associated_data)
        except InvalidTag:
            raise TamperedSecret(
                f"sealed secret under vault key id {key_id!r} failed authentication"
            ) from None
        return _unframe(framed)

    def __repr__(self) -> str:
        return f"AesGcmVault(key_ids={list(self._ciphers)!r})"


def _associated_data(key_id: str, context: str) -> bytes:
    # The key id never contains ":" (is_valid_key_id), so the context cannot shift into it.
    return _ASSOCIATED_DATA_PREFIX + key_id.encode("ascii") + b":" + context.encode("utf-8")


def _split_token(sealed: bytes) -> tuple[bytes, str, bytes]:
    """The format version, key id and raw nonce+ciphertext of a token, or `TamperedSecret`."""
    parts = bytes(sealed).split(_SEPARATOR, 2)
    if len(parts) != 3 or parts[0] not in (FORMAT_VERSION, UNBOUND_FORMAT_VERSION):
        # Never echo the token: a caller may have passed plaintext by mistake.
        raise TamperedSecret("sealed secret is not in the vault's v2 (or v1) format")
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
    return parts[0], key_id, payload


def _unframe(framed: bytes) -> Secret:
    marker, plaintext = framed[:1], framed[1:]
    if marker == _TEXT_MARKER:
        return Secret(plaintext.decode("utf-8"))
    if marker == _BYTES_MARKER:
        return Secret(plaintext)
    # Authenticated but unframed: only a bug in a future format could produce this.
    raise TamperedSecret("sealed secret has an unknown plaintext type marker")
