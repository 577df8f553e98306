"""Push mode: POST OTA_HotelResNotifRQ (ResStatus Commit/Modify/Cancel) to a configured URL.

Delivery is retried with exponential backoff until the receiver answers OTA_HotelResNotifRS with
`<Success/>`; an answer with `<Errors>` and a 4xx status is a rejection and is not retried
(the receiver said the message is bad). Every attempt lands in `state.push_log`.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
from lxml import etree

from booking_sandbox.model import MessageKind, Reservation
from booking_sandbox.ota_reservations import RES_STATUS, res_modify_notif_rq, res_notif_rq
from booking_sandbox.state import SandboxState
from booking_sandbox.xml import XmlInputError, descendants, parse


class PushNotConfiguredError(Exception):
    """No push target was set (`POST /_sandbox/push-target`)."""


class PushDispatcher:
    """Sends reservations to the push target; first attempt awaited, retries in background."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()

    async def push(self, kind: MessageKind, reservation: Reservation) -> dict[str, Any]:
        """Deliver one message; returns the first attempt's log entry."""
        target = self._state.push_target
        if target is None:
            raise PushNotConfiguredError("no push target configured")
        delivery_id = next(self._ids)
        now = self._state.clock.now()
        if kind is MessageKind.MODIFY:
            # As push senders that send modifications as OTA_HotelResModifyNotifRQ do.
            body = res_modify_notif_rq([(kind, reservation)], self._state.hotels, now)
        else:
            body = res_notif_rq(
                [(kind, reservation)], self._state.hotels, now, root_status=RES_STATUS[kind]
            )
        meta = {"delivery_id": delivery_id, "kind": kind.value, "reservation_id": reservation.id}
        first = await self._attempt(target, body, meta, 1)
        if first["outcome"] == "retry":
            task = asyncio.create_task(self._retry(target, body, meta))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return first

    async def _retry(self, target: dict[str, str], body: bytes, meta: dict[str, Any]) -> None:
        config = self._state.config
        for attempt in range(2, config.push_max_attempts + 1):
            await asyncio.sleep(config.push_backoff * 2 ** (attempt - 2))
            entry = await self._attempt(target, body, meta, attempt)
            if entry["outcome"] != "retry":
                return

    async def _attempt(
        self, target: dict[str, str], body: bytes, meta: dict[str, Any], attempt: int
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            **meta,
            "attempt": attempt,
            "at": self._state.clock.now().isoformat(),
            "url": target["url"],
            "status_code": None,
            "error": None,
        }
        try:
            async with httpx.AsyncClient(timeout=self._state.config.push_timeout) as client:
                response = await client.post(
                    target["url"],
                    content=body,
                    headers={"Content-Type": "application/xml; charset=utf-8"},
                    auth=(target.get("username", ""), target.get("password", "")),
                )
        except httpx.HTTPError as exc:
            entry.update(outcome="retry", error=f"{type(exc).__name__}: {exc}")
        else:
            entry["status_code"] = response.status_code
            entry["outcome"] = _outcome(response)
            entry["response"] = response.text[:2000]
        with self._state.lock:
            self._state.push_log.append(entry)
        return entry

    async def close(self) -> None:
        """Cancel retries still waiting (on shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _outcome(response: httpx.Response) -> str:
    """delivered (Success), rejected (4xx with Errors) or retry (anything else)."""
    try:
        root: etree._Element | None = parse(response.content)
    except XmlInputError:
        root = None
    has = {
        name: root is not None and bool(descendants(root, name)) for name in ("Success", "Errors")
    }
    if response.status_code == 200 and has["Success"] and not has["Errors"]:
        return "delivered"
    if 400 <= response.status_code < 500 and has["Errors"]:
        return "rejected"
    return "retry"
