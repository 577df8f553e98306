"""The sandbox ASGI application (Starlette): routes, middleware, error shapes, background ticker."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from booking_sandbox.auth import SandboxAuthError
from booking_sandbox.config import SandboxConfig
from booking_sandbox.faults import FaultInjector, FaultMiddleware
from booking_sandbox.generator import GenerationError
from booking_sandbox.ical_fetch import fetch_all
from booking_sandbox.model import MessageKind
from booking_sandbox.persistence import PersistMiddleware, open_state, save_quietly
from booking_sandbox.push import PushDispatcher
from booking_sandbox.recording import RecordingMiddleware
from booking_sandbox.responses import envelope_error, error_response, json_response
from booking_sandbox.routes import (
    admin,
    ari,
    auth,
    connections,
    content,
    ical,
    ical_imports,
    oauth,
    reservations,
)
from booking_sandbox.routes.common import BadRequestError
from booking_sandbox.state import ConnectionsApiError, SandboxState
from booking_sandbox.xml import XmlInputError

logger = logging.getLogger(__name__)


def _now(request: Request) -> dt.datetime:
    state: SandboxState = request.app.state.sandbox
    return state.clock.now()


async def _auth_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SandboxAuthError)
    headers = {"WWW-Authenticate": 'Bearer realm="booking-sandbox"'} if exc.status == 401 else {}
    return error_response(
        request.url.path, exc.status, exc.code, exc.message, headers, now=_now(request)
    )


async def _connections_refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConnectionsApiError)
    return envelope_error(exc.status, exc.code, exc.message)


async def _bad_request(request: Request, exc: Exception) -> Response:
    code = 367 if isinstance(exc, XmlInputError) else 400
    return error_response(request.url.path, 400, code, str(exc), now=_now(request))


async def _health(_request: Request) -> Response:
    return json_response({"status": "ok"})


async def _tick(state: SandboxState, push: PushDispatcher, every: float) -> None:
    """Every `every` seconds: a new booking (60%), a modification (25%) or a cancellation."""
    while True:
        await asyncio.sleep(every)
        kind = state.rng.choices(
            (MessageKind.NEW, MessageKind.MODIFY, MessageKind.CANCEL), (60, 25, 15)
        )[0]
        try:
            reservation = state.generate(kind.value)
        except GenerationError as exc:
            logger.info("ticker skipped a %s event: %s", kind.value, exc)
            continue
        await save_quietly(state)
        if state.push_target is not None:
            await push.push(kind, reservation)


async def _fetch_imports(state: SandboxState, every: float) -> None:
    """Every `every` seconds: fetch every iCal listing's imported feed, as Airbnb does."""
    while True:
        await asyncio.sleep(every)
        await fetch_all(state.ical)
        await save_quietly(state)


def create_app(
    state: SandboxState | None = None, *, seed: int = 1, config: SandboxConfig | None = None
) -> Starlette:
    """The sandbox app. Without `state`, a fresh `SandboxState.seeded(seed, config)`, or with
    `config.state_path` the state kept in that file (booking_sandbox.persistence).

    `app.state.sandbox` is the SandboxState, `app.state.faults` the FaultInjector and
    `app.state.push` the PushDispatcher.
    """
    sandbox_state = state if state is not None else open_state(seed, config or SandboxConfig())
    faults = FaultInjector(seed, sandbox_state.clock.now)
    push = PushDispatcher(sandbox_state)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        every = sandbox_state.config.generate_every
        ticker = asyncio.create_task(_tick(sandbox_state, push, every)) if every else None
        fetch_every = sandbox_state.config.ical_fetch_every
        importer = (
            asyncio.create_task(_fetch_imports(sandbox_state, fetch_every)) if fetch_every else None
        )
        try:
            yield
        finally:
            for task in (ticker, importer):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await push.close()
            await save_quietly(sandbox_state)

    app = Starlette(
        routes=[
            Route("/_sandbox/health", _health, methods=["GET"]),
            *auth.ROUTES,
            *oauth.ROUTES,
            *connections.ROUTES,
            *content.ROUTES,
            *reservations.ROUTES,
            *ari.ROUTES,
            *admin.ROUTES,
            *ical.ROUTES,
            *ical_imports.ROUTES,
        ],
        middleware=[
            Middleware(RecordingMiddleware, state=sandbox_state),
            Middleware(FaultMiddleware, faults=faults),
            *([Middleware(PersistMiddleware, state=sandbox_state)] if sandbox_state.store else []),
        ],
        exception_handlers={
            SandboxAuthError: _auth_failed,
            ConnectionsApiError: _connections_refused,
            XmlInputError: _bad_request,
            BadRequestError: _bad_request,
        },
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox_state
    app.state.faults = faults
    app.state.push = push
    return app
