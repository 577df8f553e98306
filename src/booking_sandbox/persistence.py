"""Keeping the sandbox's world in a file, so that a restarted sandbox goes on where it stopped.

With ``SandboxConfig(state_path=...)`` (``--state PATH`` on the command line) the state is read
from that JSON file at start, or seeded and written there the first time. It is written again,
atomically (a temporary file renamed over the old one), before the answer to every request that
may have changed it (the answer is only sent once the change is on disk), after every event of
the background generator, and at shutdown. A restart therefore never serves an older version of
a booking as a newer one, and a hotel connected through the Extranet stays connected.

Kept: hotels, ARI (availability, rates, restrictions), hotel connections, reservations with
their revisions, queue messages with their delivered/acknowledged state, issued machine tokens
(the hourly cap), OAuth codes, refresh tokens and revocations, the push target, the clock's
offset, the random generator and the next reservation id, and the iCal listings with their
events and imports. Not kept: recorded requests, the push log and fault rules (iCal feed faults
too: test instruments). Machine JWTs and OAuth access tokens are signed with the configured key,
so those issued before a restart stay valid until they expire.

Without a state path (the default, and what the tests use) nothing touches the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import tempfile
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import cattrs
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_sandbox import seed as seeding
from booking_sandbox.clock import SandboxClock
from booking_sandbox.config import SandboxConfig
from booking_sandbox.ical import CalendarRecords
from booking_sandbox.model import Hotel, HotelConnection, QueueMessage, RateCell, Reservation
from booking_sandbox.oauth import OAuthRecords
from booking_sandbox.state import SandboxState

logger = logging.getLogger(__name__)

#: Bumped when the file's layout changes incompatibly; an unknown format is refused.
FORMAT = 1


class SandboxStateError(RuntimeError):
    """The state file cannot be used (unreadable, another format, another seed)."""


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    converter.register_unstructure_hook(dt.datetime, lambda value: value.isoformat())
    converter.register_structure_hook(
        dt.datetime, lambda value, _: dt.datetime.fromisoformat(value)
    )
    converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
    converter.register_structure_hook(dt.date, lambda value, _: dt.date.fromisoformat(value))
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, lambda value, _: Decimal(value))
    converter.register_unstructure_hook_func(_is_set, sorted)
    return converter


def _is_set(kind: object) -> bool:
    """Sets (revoked ids) become sorted lists: JSON has no sets."""
    return typing.get_origin(kind) in {set, frozenset} or kind in {set, frozenset}


_CONVERTER = _converter()


def snapshot(state: SandboxState) -> dict[str, Any]:
    """Everything a restart must keep, as JSON-ready values (taken under the state's locks)."""
    convert = _CONVERTER.unstructure
    with state.lock, state.queue.lock, state.ical.lock:
        return {
            "format": FORMAT,
            "seed": state.seed,
            "clock_offset": state.clock.offset_seconds,
            "rng": convert(state.rng.getstate()),
            "next_reservation": state.last_reservation_number,
            "hotels": convert(list(state.hotels.values())),
            "connections": convert(state.connections),
            "availability": [
                [room, day.isoformat(), count]
                for (room, day), count in sorted(state.availability.items())
            ],
            "cells": [
                [room, rate, day.isoformat(), *_cell_row(cell)]
                for (room, rate, day), cell in sorted(state.cells.items())
            ],
            "reservations": convert(list(state.reservations.values())),
            "queue": convert(state.queue.messages),
            "push_target": state.push_target,
            "tokens": convert(state.tokens.issued()),
            "oauth": convert(state.oauth.records()),
            "ical": convert(state.ical.records()),
        }


def _cell_row(cell: RateCell) -> list[Any]:
    price = None if cell.price is None else str(cell.price)
    return [
        price,
        cell.min_los,
        cell.max_los,
        cell.closed,
        cell.closed_to_arrival,
        cell.closed_to_departure,
    ]


def restore(data: dict[str, Any], config: SandboxConfig) -> SandboxState:
    """A state rebuilt from :func:`snapshot`'s output."""
    structure = _CONVERTER.structure
    # The clock never runs backwards across a restart; a later configured day still wins.
    clock = SandboxClock(max(float(data["clock_offset"]), config.clock_offset))
    state = SandboxState(config, clock, int(data["seed"]))
    state.rng.setstate(_rng_state(data["rng"]))
    state.last_reservation_number = int(data["next_reservation"])
    for hotel in structure(data["hotels"], list[Hotel]):
        state.add_hotel(hotel)
    state.connections.update(structure(data["connections"], dict[str, HotelConnection]))
    state.availability.update(
        {
            (room, dt.date.fromisoformat(day)): int(count)
            for room, day, count in data["availability"]
        }
    )
    for room, rate, day, price, min_los, max_los, closed, cta, ctd in data["cells"]:
        state.cells[room, rate, dt.date.fromisoformat(day)] = RateCell(
            price=None if price is None else Decimal(price),
            min_los=min_los,
            max_los=max_los,
            closed=closed,
            closed_to_arrival=cta,
            closed_to_departure=ctd,
        )
    for reservation in structure(data["reservations"], list[Reservation]):
        state.reservations[reservation.id] = reservation
    state.queue.messages.extend(structure(data["queue"], list[QueueMessage]))
    state.push_target = data["push_target"]
    state.tokens.restore_issued(structure(data["tokens"], dict[str, list[dt.datetime]]))
    state.oauth.restore(structure(data["oauth"], OAuthRecords))
    if "ical" in data:
        state.ical.restore(structure(data["ical"], CalendarRecords))
    elif config.ical_seed_listing:  # a file from before the iCal listings: seed them now
        seeding.seed_ical_listing(state.ical, clock.today())
    return state


def _rng_state(value: list[Any]) -> tuple[Any, ...]:
    """``random.getstate()`` came back from JSON with lists where it had tuples."""
    version, internal, gauss = value
    return (version, tuple(internal), gauss)


class StateFile:
    """One JSON file holding a sandbox's state, replaced atomically on every save."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written: bytes | None = None

    def load(self, config: SandboxConfig, seed: int) -> SandboxState | None:
        """The saved state, or None when there is no file yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise SandboxStateError(f"{self.path} is not a sandbox state file: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SandboxStateError(
                f"{self.path} is not a sandbox state file of format {FORMAT}; move it away to "
                "start a new sandbox"
            )
        if data["seed"] != seed:
            raise SandboxStateError(
                f"{self.path} holds a sandbox seeded with {data['seed']}, not {seed}: start it "
                f"with --seed {data['seed']}, or move the file away to start over"
            )
        try:
            state = restore(data, config)
        except (KeyError, TypeError, ValueError, cattrs.BaseValidationError) as exc:
            raise SandboxStateError(f"{self.path} could not be read back: {exc!r}") from exc
        self._written = raw
        return state

    def save(self, state: SandboxState) -> bool:
        """Write the state if it changed since the last save; True when it wrote."""
        encoded = json.dumps(snapshot(state), ensure_ascii=False, separators=(",", ":")).encode()
        if encoded == self._written:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(encoded)
                file.flush()
                os.fsync(file.fileno())
            # Holds the sandbox's refresh tokens and guests' (test) card data: owner only.
            Path(temporary).chmod(0o600)
            Path(temporary).replace(self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise
        self._written = encoded
        return True


def open_state(seed: int, config: SandboxConfig) -> SandboxState:
    """The state for an app: loaded from ``config.state_path`` when that file exists, else
    seeded (and, with a state path, written there at once)."""
    if config.state_path is None:
        return SandboxState.seeded(seed, config)
    store = StateFile(config.state_path)
    state = store.load(config, seed)
    if state is None:
        state = SandboxState.seeded(seed, config)
        logger.info("sandbox state seeded (seed %s) into %s", seed, config.state_path)
    else:
        logger.info("sandbox state restored from %s", config.state_path)
    state.store = store
    state.persist()
    return state


class PersistMiddleware:
    """Saves the state before an answer starts, so what a client was told is on disk.

    Reads of the ``/_sandbox/`` controls are let through untouched; anything else may change
    the state (a queue GET marks messages delivered), and a save that finds nothing new does not
    write.
    """

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _read_only(scope):
            await self.app(scope, receive, send)
            return
        saved = False

        async def send_when_saved(message: Message) -> None:
            nonlocal saved
            if message["type"] == "http.response.start" and not saved:
                saved = True
                await save_quietly(self.state)
            await send(message)

        await self.app(scope, receive, send_when_saved)


def _read_only(scope: Scope) -> bool:
    return scope.get("method") in {"GET", "HEAD"} and str(scope.get("path", "")).startswith(
        "/_sandbox/"
    )


async def save_quietly(state: SandboxState) -> None:
    """Save off the event loop; a failure is logged (the sandbox keeps serving)."""
    try:
        await asyncio.to_thread(state.persist)
    except OSError:
        logger.exception("the sandbox state could not be saved")
