"""Re-seal every stored secret under the vault's newest key (`channel-manager keys rotate`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from channel_manager.ports.vault import CredentialVault

RefT = TypeVar("RefT")


class SealedSecretStore(Protocol[RefT]):
    """What rotation needs from a secrets repository: read, write and list sealed tokens."""

    def get(self, ref: RefT, /) -> bytes:
        """The sealed token stored under `ref`."""
        ...

    def put(self, ref: RefT, sealed: bytes, /) -> None:
        """Store (or replace) the sealed token under `ref`."""
        ...

    def all_refs(self) -> Iterable[RefT]:
        """Every reference that has a stored token."""
        ...


def rotate_all(vault: CredentialVault, secrets: SealedSecretStore[RefT]) -> int:
    """Re-seal each stored token not already under the newest key; return how many changed.

    Readers keep working while this runs because the vault still holds the old keys. The caller
    owns the transaction (commit the unit of work afterwards); running it twice is harmless, the
    second run finds nothing to do. A token that cannot be opened raises its `VaultError` and
    stops the run before anything is committed.
    """
    # Snapshot the refs first: writing while iterating a live cursor or dict view is unsafe.
    refs = list(secrets.all_refs())
    rotated = 0
    for ref in refs:
        sealed = secrets.get(ref)
        if vault.needs_rotation(sealed):
            # Bound to its reference: a v1 token (not yet bound) is bound on the way.
            secrets.put(ref, vault.rotate(sealed, str(ref)))
            rotated += 1
    return rotated
