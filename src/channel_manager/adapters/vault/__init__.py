"""Credential vault adapters: AES-256-GCM sealing, key parsing, rotation and log redaction."""

from channel_manager.adapters.vault.aesgcm import AesGcmVault
from channel_manager.adapters.vault.keys import VaultKey, generate_key, parse_vault_keys
from channel_manager.adapters.vault.log_redaction import (
    SecretRedactingFilter,
    install_log_redaction,
    redact,
)
from channel_manager.adapters.vault.rotation import SealedSecretStore, rotate_all

__all__ = [
    "AesGcmVault",
    "SealedSecretStore",
    "SecretRedactingFilter",
    "VaultKey",
    "generate_key",
    "install_log_redaction",
    "parse_vault_keys",
    "redact",
    "rotate_all",
]
