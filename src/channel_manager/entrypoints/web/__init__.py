"""The browser UI for property managers, served by the same Litestar app as the JSON API.

Server-rendered Jinja2 pages with plain CSS and a little JavaScript, all shipped as package
files (no CDN, no build step). Wire it in with::

    create_app(container, extra_handlers=web_handlers(container),
               middleware=web_middleware(container, settings))
"""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from litestar import Router
from litestar.di import Provide
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from channel_manager.container import Container
from channel_manager.entrypoints.web.calendars import CALENDAR_HANDLERS
from channel_manager.entrypoints.web.connection_rules import CONNECTION_RULES_HANDLERS
from channel_manager.entrypoints.web.errors import WEB_EXCEPTION_HANDLERS
from channel_manager.entrypoints.web.favicon import favicon
from channel_manager.entrypoints.web.health import HEALTH_HANDLERS
from channel_manager.entrypoints.web.history import HISTORY_HANDLERS
from channel_manager.entrypoints.web.inbound_push import PushEndpoint
from channel_manager.entrypoints.web.integrations import INTEGRATION_HANDLERS
from channel_manager.entrypoints.web.mapping import MAPPING_HANDLERS
from channel_manager.entrypoints.web.rates import RATES_HANDLERS
from channel_manager.entrypoints.web.reservations import RESERVATION_HANDLERS
from channel_manager.entrypoints.web.security import web_middleware
from channel_manager.entrypoints.web.signin import SIGNIN_HANDLERS
from channel_manager.entrypoints.web.sync_pages import SYNC_HANDLERS
from channel_manager.entrypoints.web.webhooks import WEBHOOK_HANDLERS

__all__ = ["web_handlers", "web_middleware"]

#: The package folder holding the stylesheet and script.
STATIC_DIRECTORY = Path(str(files("channel_manager.entrypoints.web") / "static"))


def web_handlers(container: Container) -> list[ControllerRouterHandler]:
    """The UI's routes (pages under ``/``, files under ``/static``) for ``create_app``."""
    clock = container.clock()

    def now() -> datetime:
        return clock.now()

    push_endpoint = PushEndpoint.of(container.settings())
    feeds = container.feeds()
    overbookings = container.overbookings()

    pages = Router(
        path="/",
        route_handlers=[
            *SIGNIN_HANDLERS,
            *INTEGRATION_HANDLERS,
            *CALENDAR_HANDLERS,
            *CONNECTION_RULES_HANDLERS,
            *MAPPING_HANDLERS,
            *SYNC_HANDLERS,
            *RESERVATION_HANDLERS,
            *RATES_HANDLERS,
            *HISTORY_HANDLERS,
            *WEBHOOK_HANDLERS,
            *HEALTH_HANDLERS,
        ],
        dependencies={
            "now": Provide(now, sync_to_thread=False),
            "push_endpoint": Provide(lambda: push_endpoint, sync_to_thread=False),
            "feeds": Provide(lambda: feeds, sync_to_thread=False),
            "overbookings": Provide(lambda: overbookings, sync_to_thread=False),
        },
        exception_handlers=dict[Any, Any](WEB_EXCEPTION_HANDLERS),
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/static", directories=[STATIC_DIRECTORY], include_in_schema=False
    )
    return [pages, static, favicon]
