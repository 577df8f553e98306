"""The ASGI application: JSON API, connection wizard hops, OTA push endpoint, web UI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from litestar import Litestar, Request, Router, get
from litestar.di import Provide
from litestar.exceptions import TooManyRequestsException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components
from litestar.types import ControllerRouterHandler

from channel_manager.adapters.throttle import API_KEY, FailureThrottle, LockedOut
from channel_manager.application.apikeys import ApiKeyService
from channel_manager.application.errors import Unauthenticated
from channel_manager.container import Container, close_resources, open_resources
from channel_manager.entrypoints.rest.api import API_CONTROLLERS
from channel_manager.entrypoints.rest.auth import (
    API_KEY_SECURITY,
    SECURITY_SCHEMES,
    authenticate,
    bearer_token,
)
from channel_manager.entrypoints.rest.connect import (
    booking_callback,
    channel_callback,
    connect_booking,
    connect_channel,
)
from channel_manager.entrypoints.rest.feeds import FEED_CONTROLLERS, calendar_export
from channel_manager.entrypoints.rest.json_depth import JsonDepthMiddleware
from channel_manager.entrypoints.rest.openapi_pages import (
    RENDER_PLUGINS,
    SCHEMA_PATH,
    OpenApiHeadersMiddleware,
)
from channel_manager.entrypoints.rest.throttle import RequestThrottle, request_address
from channel_manager.entrypoints.web.errors import APP_EXCEPTION_HANDLERS
from channel_manager.settings import IpNetwork

API_PREFIX = "/api/v1"


@get("/healthz", tags=["ops"], sync_to_thread=False)
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/openapi.json", tags=["ops"], include_in_schema=False, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The generated OpenAPI document."""
    return request.app.openapi_schema.to_schema()


def _service(provider: Callable[[], object]) -> Provide:
    """A Litestar dependency resolving a container provider (built once, then cached)."""
    instance = provider()

    def provide() -> object:
        return instance

    return Provide(provide, use_cache=True, sync_to_thread=False)


def locked_out(error: LockedOut) -> TooManyRequestsException:
    """The 429 for a locked-out caller, with when to try again."""
    return TooManyRequestsException(
        detail=str(error), headers={"Retry-After": str(error.retry_after)}
    )


def _organization_provider(
    api_keys: ApiKeyService, throttle: FailureThrottle, trusted: Sequence[IpNetwork]
) -> Callable[..., UUID]:
    def organization_id(request: Request[Any, Any, Any]) -> UUID:
        # Only a presented bearer key can be guessed; a page without a session is no failure.
        token = bearer_token(request)
        if token is None:
            return authenticate(request, api_keys)
        address = request_address(request, trusted)
        try:
            return throttle.attempt(
                API_KEY, address, token, lambda: authenticate(request, api_keys), Unauthenticated
            )
        except LockedOut as error:
            raise locked_out(error) from None

    return organization_id


def create_app(
    container: Container,
    *,
    extra_handlers: Sequence[ControllerRouterHandler] = (),
    middleware: Sequence[Any] = (),
    debug: bool = False,
) -> Litestar:
    """Build the app over ``container``; ``extra_handlers`` adds the web UI and push endpoint."""
    settings = container.settings()
    request_throttle = RequestThrottle(container.auth_throttle(), settings.http.trusted_proxies)
    dependencies = {
        "organization_id": Provide(
            _organization_provider(
                container.api_keys(), container.auth_throttle(), settings.http.trusted_proxies
            ),
            sync_to_thread=True,
        ),
        "auth_throttle": Provide(lambda: request_throttle, use_cache=True, sync_to_thread=False),
        "connect": _service(container.connect),
        "inventory": _service(container.inventory),
        "mappings": _service(container.mappings),
        "ari": _service(container.ari),
        "calendar": _service(container.calendar),
        "rate_plans": _service(container.rate_plans),
        "repair": _service(container.repair),
        "dispatcher": _service(container.dispatcher),
        "sync": _service(container.sync),
        "queries": _service(container.queries),
        "api_keys": _service(container.api_keys),
        "signin_links": _service(container.signin_links),
        "intake": _service(container.intake),
        "message_log": _service(container.message_log),
        "excerpts": _service(container.message_excerpts),
        "feeds": _service(container.feeds),
        "overbookings": _service(container.overbookings),
        "push_inbox": _service(container.push_inbox),
        "webhooks": _service(container.webhooks),
        "connection_rules": _service(container.connection_rules),
        "channel_health": _service(container.health),
    }
    api = Router(
        path=API_PREFIX,
        route_handlers=[*API_CONTROLLERS, *FEED_CONTROLLERS],
        security=API_KEY_SECURITY,
    )

    async def open_container() -> None:
        await open_resources(container)

    async def close_container() -> None:
        await close_resources(container)

    return Litestar(
        route_handlers=[
            api,
            healthz,
            openapi_json,
            connect_booking,
            booking_callback,
            connect_channel,
            channel_callback,
            calendar_export,
            *extra_handlers,
        ],
        dependencies=dependencies,
        # JSON for API clients; a page in the site's layout for a person's browser.
        exception_handlers=dict[Any, Any](APP_EXCEPTION_HANDLERS),
        # The depth guard first: nothing may parse a body before it has been counted.
        middleware=[JsonDepthMiddleware(), OpenApiHeadersMiddleware(), *middleware],
        request_max_body_size=settings.http.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="channel-manager",
            version="0.1.0",
            description="Connects a property manager's system to Booking.com.",
            path=SCHEMA_PATH,
            # The document only: the UI pages would load their code from CDNs.
            render_plugins=RENDER_PLUGINS,
            components=Components(security_schemes=dict(SECURITY_SCHEMES)),
        ),
        on_startup=[open_container],
        on_shutdown=[close_container],
        debug=debug,
        # Logging is the process's to configure (CM_LOG_LEVEL and the secret-redacting filter,
        # `configure_logging`). Litestar's default would replace the root handlers, dropping
        # that filter, and reset the level to INFO.
        logging_config=None,
    )
