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
    # httpx logs every request's whole URL at INFO, and a calendar's import URL is a secret
    # (Airbnb's carries it in ?s=, Vrbo's in the path): its request lines stay out of the log.
    # Our adapters log what they fetch themselves, by scheme and host only.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
