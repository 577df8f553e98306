"""Bind every sealed secret to its reference: re-seal v1 vault tokens as v2.

A v1 token's associated data named only its key, so a sealed blob copied from one row to
another (one organisation's channel credentials into another organisation's connection) opened
there. v2 tokens carry the reference they are stored under in the associated data (see
``adapters.vault.aesgcm``). This revision re-seals what exists: each ``sealed_secrets`` row for
its ``ref``, and each pending authorisation's PKCE verifier for its purpose.

It needs the vault keys: ``config.attributes["vault_keys"]`` when the caller passes them, else
``CM_VAULT_KEYS`` from the environment (as ``channel-manager db upgrade`` runs). A database
with nothing to re-seal needs no key.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-05 15:00:00.000000
"""

import os
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from channel_manager.adapters.vault import AesGcmVault
from channel_manager.application.credentials import CODE_VERIFIER_CONTEXT
from channel_manager.ports.vault import VaultError

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_secrets = sa.table(
    "sealed_secrets", sa.column("ref", sa.String), sa.column("sealed", sa.LargeBinary)
)
_states = sa.table(
    "auth_states", sa.column("state", sa.String), sa.column("code_verifier", sa.String)
)


class VaultKeysNeeded(RuntimeError):  # noqa: N818 -- named for what is missing
    """Sealed secrets must be re-sealed and no vault key was given."""


def _vault(count: int) -> AesGcmVault:
    keys = context.config.attributes.get("vault_keys") or os.environ.get("CM_VAULT_KEYS")
    if not keys:
        raise VaultKeysNeeded(
            f"{count} sealed secret(s) must be re-sealed bound to their reference: "
            "set CM_VAULT_KEYS and run `channel-manager db upgrade` again"
        )
    return AesGcmVault.from_config(str(keys))


def _reseal(convert: Callable[[AesGcmVault, bytes, str], bytes | None]) -> None:
    bind = op.get_bind()
    secrets = bind.execute(sa.select(_secrets.c.ref, _secrets.c.sealed)).all()
    verifiers = bind.execute(
        sa.select(_states.c.state, _states.c.code_verifier).where(_states.c.code_verifier != "")
    ).all()
    if not secrets and not verifiers:
        return
    vault = _vault(len(secrets) + len(verifiers))
    for ref, sealed in secrets:
        new = convert(vault, bytes(sealed), ref)
        if new is not None:
            bind.execute(_secrets.update().where(_secrets.c.ref == ref).values(sealed=new))
    for state, verifier in verifiers:
        new = convert(vault, verifier.encode("ascii"), CODE_VERIFIER_CONTEXT)
        if new is not None:
            bind.execute(
                _states.update()
                .where(_states.c.state == state)
                .values(code_verifier=new.decode("ascii"))
            )


def _is_unbound(vault: AesGcmVault, sealed: bytes) -> bool | None:
    """Whether ``sealed`` is a v1 token; ``None`` when it is no token at all (left as it is:
    it failed to open before this revision and fails the same way after it)."""
    try:
        return vault.is_unbound(sealed)
    except VaultError:
        return None


def _bind(vault: AesGcmVault, sealed: bytes, bound_to: str) -> bytes | None:
    return vault.rotate(sealed, bound_to) if _is_unbound(vault, sealed) else None


def _unbind(vault: AesGcmVault, sealed: bytes, bound_to: str) -> bytes | None:
    if _is_unbound(vault, sealed) is not False:
        return None
    return vault.seal_unbound(vault.open(sealed, bound_to))


def upgrade() -> None:
    """Apply this revision."""
    _reseal(_bind)


def downgrade() -> None:
    """Revert this revision: the older code reads only v1 tokens."""
    _reseal(_unbind)
