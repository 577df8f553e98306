"""Channel credentials at rest: sealed by the vault, stored as opaque blobs by reference."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from channel_manager.ports.repositories import UnitOfWork, UnitOfWorkFactory
from channel_manager.ports.vault import CredentialVault, Secret

#: What a PKCE verifier (a column of its auth state, not a row of the secrets repository) is
#: sealed for: it opens as nothing else.
CODE_VERIFIER_CONTEXT = "auth_state:code_verifier"


def credential_ref(connection_id: UUID) -> str:
    """The secrets-repository reference of a connection's credentials."""
    return f"connection:{connection_id}"


class CredentialStore:
    """Seals credentials on the way in and opens them on the way out; plaintext never
    reaches the database.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, vault: CredentialVault) -> None:
        self._uow_factory = uow_factory
        self._vault = vault

    def put(self, uow: UnitOfWork, ref: str, material: bytes) -> None:
        """Seal ``material`` and store it under ``ref`` inside the caller's unit of work."""
        # Bound to ``ref``: a sealed blob copied to another connection's row does not open.
        uow.secrets.put(ref, self._vault.seal(Secret(material), ref))

    def save(self, ref: str, material: bytes) -> None:
        """Seal and store ``material`` in a transaction of its own (token refreshes)."""
        with self._uow_factory() as uow:
            self.put(uow, ref, material)
            uow.commit()

    def take_lease(self, ref: str, owner: str, now: datetime, until: datetime) -> bool:
        """Lease ``ref`` to ``owner`` in a transaction of its own (see
        :meth:`SecretRepository.take_lease`); False while another owner's lease runs."""
        with self._uow_factory() as uow:
            taken = uow.secrets.take_lease(ref, owner, now, until)
            uow.commit()
        return taken

    def release_lease(self, ref: str, owner: str) -> None:
        """End ``owner``'s lease on ``ref`` (after saving what it was taken for)."""
        with self._uow_factory() as uow:
            uow.secrets.release_lease(ref, owner)
            uow.commit()

    def seal_text(self, text: str) -> str:
        """``text`` sealed by the vault, as storable ASCII (PKCE verifiers of pending
        authorisations: whoever reads the database must not be able to finish them)."""
        return self._vault.seal(Secret(text), CODE_VERIFIER_CONTEXT).decode("ascii")

    def open_text(self, sealed: str) -> str:
        """What :meth:`seal_text` sealed; a ``VaultError`` when it cannot be opened."""
        return self._vault.open(sealed.encode("ascii"), CODE_VERIFIER_CONTEXT).reveal_text()

    def load(self, ref: str) -> bytes:
        """The plaintext credentials stored under ``ref``."""
        with self._uow_factory() as uow:
            sealed = uow.secrets.get(ref)
        return self._vault.open(sealed, ref).reveal_bytes()
