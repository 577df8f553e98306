"""The one logging set-up of every long-running process (``serve``, ``worker``, ``demo``)."""

from __future__ import annotations

import logging

from channel_manager.adapters.vault import install_log_redaction
from channel_manager.settings import Settings


def configure_logging(settings: Settings) -> None:
    """Log at CM_LOG_LEVEL with every configured secret masked.

    The redacting filter sits on the root handlers, so every record that reaches them (ours,
    httpx's, uvicorn's when it is given ``log_config=None``) is masked, whatever its logger.
    """
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install_log_redaction(known_secrets=settings.known_secrets())
