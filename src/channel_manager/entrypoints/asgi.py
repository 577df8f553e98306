"""The complete ASGI application: JSON API, OTA push endpoint and web UI over one container."""

from __future__ import annotations

from litestar import Litestar

from channel_manager.container import Container
from channel_manager.entrypoints.rest.app import create_app
from channel_manager.entrypoints.rest.push import push_handlers
from channel_manager.entrypoints.web import web_handlers, web_middleware


def build_asgi_app(container: Container) -> Litestar:
    """The app `channel-manager serve` and the demo run."""
    return create_app(
        container,
        extra_handlers=[*push_handlers(container), *web_handlers(container)],
        middleware=web_middleware(container),
    )
