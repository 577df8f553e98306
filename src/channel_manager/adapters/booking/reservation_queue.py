"""The reservation queues (OTA_HotelResNotif, OTA_HotelResModifyNotif) on the documented cadence.

Rules (BOOKING_CONNECTIVITY.md section 3): no concurrent calls per machine account; at least
``ack_pause`` (5 s) after an acknowledgement before the next GET; a 5xx on a fetch is raised as
retryable (the caller polls again on schedule, never at once); a 5xx on an acknowledgement is
retried until it is not a 5xx (bounded, with backoff and jitter: ``stamina``), because the
message stays pending meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs
import stamina

from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.errors import (
    ChannelServerError,
    MalformedResponseError,
    raise_for_status,
)
from channel_manager.adapters.booking.http import message_log_id
from channel_manager.adapters.booking.ota.errors import OtaParseError
from channel_manager.adapters.booking.ota.reservation_ids import HotelReservationId
from channel_manager.adapters.booking.ota.reservations import OtaReservation, ResNotifRQ
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.ota.responses import (
    AcknowledgedReservation,
    ResAckKind,
    ResAcknowledgement,
    decode_res_acknowledgement,
    encode_res_acknowledgement,
)
from channel_manager.domain.channel import ChannelReservation
from channel_manager.domain.errors import PermanentChannelError

#: Documented minimum pause after an acknowledgement before the next GET.
DEFAULT_ACK_PAUSE = 5.0
#: Attempts at an acknowledgement answered with 5xx, and the first pause between them (it
#: doubles, plus up to as much again of jitter, capped at eight times the first).
DEFAULT_ACK_ATTEMPTS = 5
DEFAULT_ACK_BACKOFF = 1.0
#: Messages asked for per GET (``limit``; 10-200 in third-party code, unconfirmed). Without it a
#: backlog comes back as one body, and past a few thousand reservations that body exceeds what
#: the parser accepts: the queue could then never be read again. Unacknowledged messages stay
#: first in the queue, so the next poll, after this page is acknowledged, gets the next page.
DEFAULT_QUEUE_LIMIT = 200


@attrs.frozen
class Queue:
    """One of the two reservation queues."""

    name: str  # "new" | "modify": also the prefix of ack keys
    message: str  # endpoint name
    ack_kind: ResAckKind


NEW_QUEUE = Queue("new", "OTA_HotelResNotif", ResAckKind.NEW)
MODIFY_QUEUE = Queue("modify", "OTA_HotelResModifyNotif", ResAckKind.MODIFY)
QUEUES = (NEW_QUEUE, MODIFY_QUEUE)


class AccountCadence:
    """Per machine account: one reservation call at a time, and the pause after an ack."""

    def __init__(self, ack_pause: float = DEFAULT_ACK_PAUSE) -> None:
        self.ack_pause = ack_pause
        self.lock = asyncio.Lock()
        self._last_ack: float | None = None

    async def pause_before_get(self) -> None:
        """Sleep until ``ack_pause`` has passed since the last acknowledgement."""
        if self._last_ack is None:
            return
        remaining = self._last_ack + self.ack_pause - time.monotonic()
        if remaining > 0:
            await asyncio.sleep(remaining)

    def acknowledged(self) -> None:
        """Remember that an acknowledgement was just sent."""
        self._last_ack = time.monotonic()


class CadenceRegistry:
    """One :class:`AccountCadence` per account, shared by every gateway of the process."""

    def __init__(self, ack_pause: float = DEFAULT_ACK_PAUSE) -> None:
        self._ack_pause = ack_pause
        self._by_account: dict[str, AccountCadence] = {}

    def for_account(self, account_key: str) -> AccountCadence:
        """The cadence of ``account_key`` (created on first use)."""
        return self._by_account.setdefault(account_key, AccountCadence(self._ack_pause))


#: Turns one decoded reservation into the domain message (kind, reservation, ack key).
class ReservationMapper(Protocol):
    """Turns one fetched OTA reservation into the domain's message (see reservation_mapping)."""

    def __call__(
        self,
        ota: OtaReservation,
        message: ResNotifRQ,
        ack_key: str,
        *,
        raw_message_id: UUID | None = None,
    ) -> ChannelReservation: ...


def ack_key(queue: Queue, reservation_id: str, hotel_code: str | None) -> str:
    """``queue:reservation id:hotel``: everything an acknowledgement needs."""
    return f"{queue.name}:{reservation_id}:{hotel_code or ''}"


def _parse_ack_key(key: str) -> tuple[str, str, str | None]:
    queue, _, rest = key.partition(":")
    reservation_id, _, hotel = rest.partition(":")
    return queue, reservation_id, hotel or None


class ReservationQueues:
    """Fetch and acknowledge for one account, scoped to the connection's hotels."""

    def __init__(
        self,
        api: BookingApi,
        cadence: AccountCadence,
        mapper: ReservationMapper,
        *,
        hotel_codes: frozenset[str] | None = None,
        ack_attempts: int = DEFAULT_ACK_ATTEMPTS,
        ack_backoff: float = DEFAULT_ACK_BACKOFF,
        clock: Callable[[], datetime],
        page_size: int = DEFAULT_QUEUE_LIMIT,
    ) -> None:
        self._api = api
        self._page_size = page_size
        self._cadence = cadence
        self._mapper = mapper
        self._hotel_codes = hotel_codes
        self._ack_attempts = ack_attempts
        self._ack_backoff = ack_backoff
        self._clock = clock

    def _params(self) -> Mapping[str, str]:
        page = {"limit": str(self._page_size)}
        if self._hotel_codes is None:
            return page
        return {"hotel_ids": ",".join(sorted(self._hotel_codes)), **page}

    async def fetch(self, queue: Queue) -> list[ChannelReservation]:
        """The oldest pending messages of ``queue``, at most a page (one GET, under the
        account's lock)."""
        async with self._cadence.lock:
            await self._cadence.pause_before_get()
            response = await self._api.send(
                "GET",
                self._api.endpoints.secure_ota(queue.message),
                message_type=f"{queue.message}RQ",
                params=self._params(),
            )
        raise_for_status(response, f"{queue.message} fetch")
        try:
            message = decode_res_notif_rq(response.content)
        except OtaParseError as error:
            raise MalformedResponseError(f"{queue.message} could not be read: {error}") from error
        fetched = []
        logged_as = message_log_id(response)
        for reservation in message.reservations:
            reservation_id = reservation.reservation_id
            if reservation_id is None:
                continue  # nothing to acknowledge it by; the codec keeps such input out
            key = ack_key(queue, reservation_id, reservation.hotel_code)
            fetched.append(self._mapper(reservation, message, key, raw_message_id=logged_as))
        return fetched

    async def acknowledge(self, messages: Sequence[ChannelReservation]) -> None:
        """Acknowledge per queue; a 5xx is retried, any other refusal raised."""
        for queue in QUEUES:
            keys = [m.ack_key for m in messages if m.ack_key.startswith(f"{queue.name}:")]
            if keys:
                await self._acknowledge_queue(queue, keys)
        unknown = [
            m.ack_key for m in messages if _parse_ack_key(m.ack_key)[0] not in ("new", "modify")
        ]
        if unknown:
            raise PermanentChannelError("", f"not Booking.com acknowledgement keys: {unknown}")

    async def _acknowledge_queue(self, queue: Queue, keys: Sequence[str]) -> None:
        """Acknowledge a batch; if it is refused, one by one: Booking.com refuses the whole
        batch when one message in it was superseded meanwhile ("wrong type"), and the others
        would otherwise come back on every poll.
        """
        try:
            await self._post_acknowledgement(queue, keys)
        except PermanentChannelError:
            if len(keys) == 1:
                raise
            refusals = []
            for key in keys:
                try:
                    await self._post_acknowledgement(queue, [key])
                except PermanentChannelError as error:
                    refusals.append(error)
            if refusals:
                raise refusals[0] from None

    async def _post_acknowledgement(self, queue: Queue, keys: Sequence[str]) -> None:
        reservations = []
        for key in keys:
            _, reservation_id, hotel = _parse_ack_key(key)
            reservations.append(
                AcknowledgedReservation(
                    ids=(HotelReservationId(value=reservation_id),), hotel_code=hotel
                )
            )
        body = encode_res_acknowledgement(
            ResAcknowledgement(
                kind=queue.ack_kind, reservations=tuple(reservations), timestamp=self._clock()
            )
        )
        # The message stays pending while the acknowledgement fails with a 5xx: retry it, with
        # exponential backoff and jitter (stamina), a bounded number of times.
        try:
            async for attempt in stamina.retry_context(
                on=ChannelServerError,
                attempts=self._ack_attempts,
                timeout=None,
                wait_initial=self._ack_backoff,
                wait_jitter=self._ack_backoff,
                wait_max=self._ack_backoff * 8,
            ):
                with attempt:
                    status, content = await self._post_once(queue, body)
        except ChannelServerError as error:
            raise ChannelServerError(
                f"{queue.message} acknowledgement still failing after {self._ack_attempts} tries",
                status_code=error.status_code,
            ) from error
        _check_acknowledgement(status, content, queue)

    async def _post_once(self, queue: Queue, body: bytes) -> tuple[int, bytes]:
        """One acknowledgement POST under the account's lock; a 5xx raises
        :class:`ChannelServerError` (retried by the caller)."""
        async with self._cadence.lock:
            response = await self._api.send(
                "POST",
                self._api.endpoints.secure_ota(queue.message),
                message_type=queue.ack_kind.value,
                content=body,
                headers={"Content-Type": "application/xml"},
            )
            self._cadence.acknowledged()
        if response.status_code >= 500:
            raise ChannelServerError(
                f"{queue.message} acknowledgement answered {response.status_code}",
                status_code=response.status_code,
            )
        return response.status_code, response.content


def _check_acknowledgement(status: int, body: bytes, queue: Queue) -> None:
    """Raise when the acknowledgement was refused (4xx, or ``Errors`` in the answer)."""
    try:
        answer = decode_res_acknowledgement(body) if body.strip() else None
    except OtaParseError:
        answer = None
    if answer is not None and answer.errors:
        first = answer.errors[0]
        raise PermanentChannelError(first.code or str(status), first.description)
    if status >= 400:
        raise PermanentChannelError(str(status), f"{queue.message} acknowledgement refused")
