"""The credential vault port: how the core keeps channel credentials encrypted at rest.

`Secret` wraps a plaintext credential so it cannot leak through `repr`, `str`, f-strings or log
formatting by accident; code that really needs the value calls `reveal()` at the last moment.
`CredentialVault` turns a `Secret` into an opaque sealed token (bytes, safe to store) and back.
"""

from __future__ import annotations

import hmac
from typing import Protocol, final

_MASKED = "Secret('***')"


@final
class Secret:
    """A plaintext credential (bytes or text) that never shows its value when printed.

    `repr`, `str` and formatting all render as ``Secret('***')``. Equality compares in constant
    time and distinguishes text from bytes, so a round trip through a vault is exact.
    """

    __slots__ = ("_value",)

    def __init__(self, value: bytes | str) -> None:
        if not isinstance(value, bytes | str):
            raise TypeError("Secret wraps bytes or str")
        self._value = value

    def reveal(self) -> bytes | str:
        """Return the plaintext exactly as it was given (bytes stay bytes, text stays text)."""
        return self._value

    def reveal_text(self) -> str:
        """Return the plaintext as text; bytes are decoded as UTF-8."""
        if isinstance(self._value, bytes):
            return self._value.decode("utf-8")
        return self._value

    def reveal_bytes(self) -> bytes:
        """Return the plaintext as bytes; text is encoded as UTF-8."""
        if isinstance(self._value, str):
            return self._value.encode("utf-8")
        return self._value

    @property
    def is_text(self) -> bool:
        """True when the wrapped value is `str`, False when it is `bytes`."""
        return isinstance(self._value, str)

    def __repr__(self) -> str:
        return _MASKED

    def __str__(self) -> str:
        return _MASKED

    def __format__(self, format_spec: str) -> str:
        # Ignore the spec: a width or conversion must never become a way to print the value.
        return _MASKED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        if self.is_text != other.is_text:
            return False
        return hmac.compare_digest(self.reveal_bytes(), other.reveal_bytes())

    def __hash__(self) -> int:
        return hash((Secret, self._value))


class VaultError(Exception):
    """Base class of every vault failure. Messages never contain plaintext or key material."""


class UnknownKeyId(VaultError):  # noqa: N818 -- named for the failure, as in the domain
    """A sealed token names a key id that is not configured (e.g. removed from CM_VAULT_KEYS)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"sealed secret uses vault key id {key_id!r}, which is not configured in CM_VAULT_KEYS"
        )
        self.key_id = key_id


class TamperedSecret(VaultError):  # noqa: N818 -- named for the failure, as in the domain
    """A sealed token is malformed or fails authentication: corrupted, altered or truncated."""


class InvalidVaultKey(VaultError):  # noqa: N818 -- named for the failure, as in the domain
    """A configured vault key cannot be used (bad encoding, wrong length, duplicate id)."""


class CredentialVault(Protocol):
    """Authenticated encryption of credentials at rest, with key rotation.

    Sealed tokens are opaque bytes that name the key that sealed them, so a vault configured with
    several keys (newest first) opens tokens sealed under any of them and seals new ones under the
    newest. Every method raises a `VaultError` subclass on failure.
    """

    def seal(self, secret: Secret, context: str = "") -> bytes:
        """Encrypt `secret` under the newest key, bound to `context` (the reference it is
        stored under: a token copied to another reference does not open there)."""
        ...

    def open(self, sealed: bytes, context: str = "") -> Secret:
        """Decrypt a sealed token for the `context` it was sealed for.

        Raises `UnknownKeyId` when its key is not configured and `TamperedSecret` when the token
        is malformed, has been altered or was sealed for another context.
        """
        ...

    def needs_rotation(self, sealed: bytes) -> bool:
        """True when `sealed` was sealed under a key other than the newest one, or in an older
        format."""
        ...

    def rotate(self, sealed: bytes, context: str = "") -> bytes:
        """Open `sealed` and seal its plaintext again under the newest key for `context`."""
        ...
