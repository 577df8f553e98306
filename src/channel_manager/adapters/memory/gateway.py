"""In-memory stand-ins for the channel gateway port: ``FakeChannel`` (a channel's state:
hotels, reservation queues, ARI, OAuth grants), ``FakeChannelGateway`` over it and its factory.
The fake authorisers over the same ``FakeChannel`` live in ``fake_authorizers``.

They follow the sandbox's (and Booking.com's) rules closely enough to pass the same contract
suite as the real gateway: messages repeat until acknowledged, acknowledging a message that was
never served is refused, unknown rooms or rate plans in a push are per-item ``402`` errors.
Failures and delays are scripted per operation.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

import attrs

from channel_manager.domain.ari import (
    AriChangeSet,
    AriKey,
    AvailRange,
    AvailRequest,
    DayValues,
    RateRange,
    RateRequest,
    dates_between,
)
from channel_manager.domain.channel import (
    ChannelReservation,
    ExternalCatalog,
    ExternalProperty,
    PushError,
    PushItemOutcome,
    PushOutcome,
    ReservationMessageKind,
)
from channel_manager.domain.connection import AuthMode, Connection
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.domain.money import Money

_Item = TypeVar("_Item", AvailRange, RateRange)


class GatewayOperation(StrEnum):
    """The gateway calls a failure or delay can be scripted for."""

    LIST_PROPERTIES = "list_properties"
    GET_CATALOG = "get_catalog"
    FETCH_RESERVATIONS = "fetch_reservations"
    ACKNOWLEDGE = "acknowledge"
    PUSH_AVAILABILITY = "push_availability"
    PUSH_RATES = "push_rates"
    READ_ARI = "read_ari"


@attrs.frozen
class _Script:
    error: Exception | None
    delay: float


@attrs.define
class _QueuedMessage:
    message: ChannelReservation
    queue: str
    served: bool = False
    acknowledged: bool = False
    superseded: bool = False

    @property
    def pending(self) -> bool:
        return not (self.acknowledged or self.superseded)


def _queue_of(kind: ReservationMessageKind) -> str:
    return "new" if kind is ReservationMessageKind.NEW else "modify"


def ack_key_for(queue: str, external_id: str) -> str:
    """The ``ack_key`` of a message: its queue and reservation id (the real gateway's form)."""
    return f"{queue}:{external_id}"


class FakeChannel:
    """A channel's state, shared by every fake gateway and authoriser made from it."""

    def __init__(self) -> None:
        self.catalogs: dict[str, ExternalCatalog] = {}
        self.sold: dict[tuple[str, str], frozenset[str]] = {}
        self.connected: set[str] = set()
        #: Pending connection requests: hotel -> when it was made, on the ``tick`` counter.
        self.requested: dict[str, int] = {}
        self.ticks = itertools.count(1)
        self.availability: dict[tuple[str, str, date], int] = {}
        self.restrictions: dict[tuple[str, str, str | None, date], dict[str, object]] = {}
        self.rates: dict[tuple[str, str, str | None, date], Money] = {}
        self.calls: list[GatewayOperation] = []
        self._messages: list[_QueuedMessage] = []
        self._scripts: dict[GatewayOperation, deque[_Script]] = defaultdict(deque)
        self.oauth_codes: dict[str, tuple[str, str]] = {}  # code -> (challenge, redirect_uri)
        self.refresh_tokens: dict[str, bool] = {}  # refresh token -> still usable

    # -- set-up --------------------------------------------------------------------------------
    def add_hotel(self, catalog: ExternalCatalog, *, connected: bool = True) -> None:
        """Add a hotel; every rate plan is sold on every room unless :meth:`sell` says else."""
        code = catalog.property.hotel_code
        self.catalogs[code] = catalog
        plans = frozenset(plan.code for plan in catalog.rate_plans)
        for room in catalog.room_types:
            self.sold[(code, room.code)] = plans
        if connected:
            self.connected.add(code)

    def sell(self, hotel_code: str, room_code: str, rate_plan_codes: Iterable[str]) -> None:
        """Restrict the rate plans sold on one room."""
        self.sold[(hotel_code, room_code)] = frozenset(rate_plan_codes)

    def enqueue(self, message: ChannelReservation) -> ChannelReservation:
        """Queue a reservation message, superseding what it replaces (as the sandbox does: a
        change before the booking was acknowledged arrives as a new message)."""
        external_id = message.reservation.external_id
        pending_new = self._pending(external_id, "new")
        kind = message.kind
        if kind is ReservationMessageKind.MODIFY and pending_new:
            kind = ReservationMessageKind.NEW
        queue = _queue_of(kind)
        for queued in pending_new if queue == "new" else self._pending(external_id, "modify"):
            queued.superseded = True
        stored = ChannelReservation(kind, message.reservation, ack_key_for(queue, external_id))
        self._messages.append(_QueuedMessage(stored, queue))
        return stored

    def fail_next(self, operation: GatewayOperation, error: Exception, times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` raise ``error``."""
        self._scripts[operation].extend(_Script(error, 0.0) for _ in range(times))

    def delay_next(self, operation: GatewayOperation, seconds: float, times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` take ``seconds`` longer."""
        self._scripts[operation].extend(_Script(None, seconds) for _ in range(times))

    def pending_messages(self) -> list[ChannelReservation]:
        """Every message not yet acknowledged or superseded."""
        return [queued.message for queued in self._messages if queued.pending]

    async def enter(self, operation: GatewayOperation) -> None:
        """Record a call and play its script (delay, then failure) if one is queued."""
        self.calls.append(operation)
        script = self._scripts[operation]
        if not script:
            return
        step = script.popleft()
        if step.delay:
            await asyncio.sleep(step.delay)
        if step.error is not None:
            raise step.error

    # -- queue rules ---------------------------------------------------------------------------
    def _pending(self, external_id: str, queue: str) -> list[_QueuedMessage]:
        return [
            queued
            for queued in self._messages
            if queued.pending
            and queued.queue == queue
            and queued.message.reservation.external_id == external_id
        ]

    def serve(self, hotel_codes: frozenset[str]) -> list[ChannelReservation]:
        """Pending messages of both queues for these hotels (new first); marks them served."""
        served = [
            queued
            for queue in ("new", "modify")
            for queued in self._messages
            if queued.pending
            and queued.queue == queue
            and queued.message.reservation.external_property_id in hotel_codes
        ]
        for queued in served:
            queued.served = True
        return [queued.message for queued in served]

    def acknowledge(self, ack_keys: Sequence[str], hotel_codes: frozenset[str]) -> None:
        """Acknowledge served messages, all or nothing; refuse what was never served."""
        chosen: list[_QueuedMessage] = []
        for key in ack_keys:
            queue, _, external_id = key.partition(":")
            mine = [q for q in self._messages if q.message.reservation.external_id == external_id]
            if not mine:
                raise PermanentChannelError("400", f"unknown reservation {external_id}")
            if mine[0].message.reservation.external_property_id not in hotel_codes:
                raise PermanentChannelError("403", f"access denied for reservation {external_id}")
            in_queue = [q for q in mine if q.queue == queue]
            pending = [q for q in in_queue if q.pending]
            if pending and all(q.served for q in pending):
                chosen.extend(pending)
            elif pending or not in_queue:
                raise PermanentChannelError(
                    "400", f"transaction message of the wrong type for reservation {external_id}"
                )
        for queued in chosen:
            queued.acknowledged = True

    # -- ARI -----------------------------------------------------------------------------------
    def item_error(self, hotel_code: str, item: AvailRange | RateRange) -> PushError | None:
        """The 402 error Booking.com gives an item naming an unknown room or rate plan."""
        sold = self.sold.get((hotel_code, item.room_type_code))
        if sold is None:
            text = f"InvTypeCode '{item.room_type_code}' is not a room of hotel {hotel_code}"
        elif item.rate_plan_code is not None and item.rate_plan_code not in sold:
            text = (
                f"RatePlanCode '{item.rate_plan_code}' not active for InvTypeCode "
                f"'{item.room_type_code}'"
            )
        else:
            return None
        return PushError(code="402", type="3", status="NotProcessed", message=text)

    def apply_avail(self, hotel_code: str, item: AvailRange) -> None:
        """Store availability and restrictions for every date of ``item``."""
        day = item.start
        while day <= item.end:
            if item.booking_limit is not None:
                self.availability[(hotel_code, item.room_type_code, day)] = item.booking_limit
            values = self.restrictions.setdefault(
                (hotel_code, item.room_type_code, item.rate_plan_code, day), {}
            )
            for name in ("min_los", "max_los", "stop_sell", "closed_to_arrival"):
                if getattr(item, name) is not None:
                    values[name] = getattr(item, name)
            if item.closed_to_departure is not None:
                values["closed_to_departure"] = item.closed_to_departure
            day += timedelta(days=1)

    def apply_rate(self, hotel_code: str, item: RateRange) -> None:
        """Store the rate for every night of ``item``."""
        day = item.start
        while day <= item.end:
            self.rates[(hotel_code, item.room_type_code, item.rate_plan_code, day)] = item.amount
            day += timedelta(days=1)

    def held(self, hotel_code: str, start: date, end: date) -> AriChangeSet:
        """What the channel holds for the hotel's nights ``start..end``, keyed as pushed:
        availability per room type (no rate plan), restrictions under the key they were
        pushed with, rates per room type and rate plan."""
        wanted = set(dates_between(start, end))
        days: dict[AriKey, dict[date, DayValues]] = defaultdict(dict)

        def add(key: AriKey, day: date, values: DayValues) -> None:
            days[key][day] = days[key].get(day, DayValues()).merged(values)

        for (hotel, room, day), count in self.availability.items():
            if hotel == hotel_code and day in wanted:
                add(AriKey(hotel, room), day, DayValues(availability=count))
        for (hotel, room, plan, day), values in self.restrictions.items():
            if hotel == hotel_code and day in wanted and values:
                # The stored names are DayValues' own (apply_avail writes them).
                add(AriKey(hotel, room, plan), day, DayValues(**values))  # type: ignore[arg-type]
        for (hotel, room, plan, day), amount in self.rates.items():
            if hotel == hotel_code and day in wanted:
                add(AriKey(hotel, room, plan), day, DayValues(rate=amount))
        return AriChangeSet(days)


class FakeChannelGateway:
    """``ChannelGateway`` over a :class:`FakeChannel`; ``hotel_codes`` scopes it to the hotels
    one connection may manage (``None``: every connected hotel, as a machine account sees)."""

    #: Messages repeat until acknowledged, as Booking.com's do.
    acknowledges = True

    def __init__(self, channel: FakeChannel, hotel_codes: frozenset[str] | None = None) -> None:
        self.channel = channel
        self._hotel_codes = hotel_codes
        self.closed = False

    def _visible(self) -> frozenset[str]:
        connected = frozenset(self.channel.connected)
        return connected if self._hotel_codes is None else connected & self._hotel_codes

    def _hotel(self, hotel_code: str) -> ExternalCatalog:
        if hotel_code not in self._visible():
            raise PermanentChannelError("403", f"access denied for hotel {hotel_code}")
        return self.channel.catalogs[hotel_code]

    async def list_properties(self) -> AsyncIterator[ExternalProperty]:
        """Every visible hotel, ordered by hotel code."""
        await self.channel.enter(GatewayOperation.LIST_PROPERTIES)
        for code in sorted(self._visible()):
            yield self.channel.catalogs[code].property

    async def get_catalog(self, hotel_code: str) -> ExternalCatalog:
        """The hotel's rooms and rate plans."""
        await self.channel.enter(GatewayOperation.GET_CATALOG)
        return self._hotel(hotel_code)

    async def fetch_reservations(self) -> AsyncIterator[ChannelReservation]:
        """Pending messages of both queues; they repeat until acknowledged."""
        await self.channel.enter(GatewayOperation.FETCH_RESERVATIONS)
        for message in self.channel.serve(self._visible()):
            yield message

    async def acknowledge(self, reservations: Sequence[ChannelReservation]) -> None:
        """Acknowledge served messages; when the channel refuses the batch (it is all or
        nothing), one by one, so one superseded message does not hold the others back.
        """
        if not reservations:
            return
        await self.channel.enter(GatewayOperation.ACKNOWLEDGE)
        keys = [r.ack_key for r in reservations]
        try:
            self.channel.acknowledge(keys, self._visible())
        except PermanentChannelError:
            if len(keys) == 1:
                raise
            refusals = []
            for key in keys:
                try:
                    self.channel.acknowledge([key], self._visible())
                except PermanentChannelError as error:
                    refusals.append(error)
            if refusals:
                raise refusals[0] from None

    async def push_availability(self, request: AvailRequest) -> PushOutcome:
        """Apply the valid items; unknown rooms or rate plans are per-item 402 errors."""
        await self.channel.enter(GatewayOperation.PUSH_AVAILABILITY)
        self._hotel(request.hotel_code)
        return self._push(request.hotel_code, request.items, self.channel.apply_avail)

    async def push_rates(self, request: RateRequest) -> PushOutcome:
        """Apply the valid rates; unknown rooms or rate plans are per-item 402 errors."""
        await self.channel.enter(GatewayOperation.PUSH_RATES)
        catalog = self._hotel(request.hotel_code)
        currency = catalog.property.currency
        for item in request.items:
            if currency is not None and item.amount.currency != currency:
                raise PermanentChannelError(
                    "400", f"rates of hotel {request.hotel_code} must be in {currency}"
                )
        return self._push(request.hotel_code, request.items, self.channel.apply_rate)

    async def read_ari(self, hotel_code: str, start: date, end: date) -> AriChangeSet:
        """What the channel holds for a visible hotel's nights (the optional
        :class:`~channel_manager.ports.readback.AriReadback` capability)."""
        await self.channel.enter(GatewayOperation.READ_ARI)
        self._hotel(hotel_code)
        return self.channel.held(hotel_code, start, end)

    def _push(
        self, hotel_code: str, items: Sequence[_Item], apply: Callable[[str, _Item], None]
    ) -> PushOutcome:
        outcomes = []
        for locator, item in enumerate(items, start=1):
            error = self.channel.item_error(hotel_code, item)
            if error is None:
                apply(hotel_code, item)
            outcomes.append(
                PushItemOutcome(
                    locator_id=str(locator),
                    success=error is None,
                    errors=() if error is None else (error,),
                )
            )
        errors = tuple(error for outcome in outcomes for error in outcome.errors)
        if errors and len(errors) == len(outcomes):
            first = errors[0]
            raise PermanentChannelError(first.code or "", first.message)
        return PushOutcome(success=True, errors=errors, items=tuple(outcomes))

    async def aclose(self) -> None:
        """Nothing is held open; remembered so tests can check the caller closed it."""
        self.closed = True


class FakeGatewayFactory:
    """``ChannelGatewayFactory`` over one :class:`FakeChannel`; a booking-connectivity
    connection sees only its own hotel (``external_account_id``)."""

    def __init__(self, channel: FakeChannel) -> None:
        self.channel = channel
        self.made: list[FakeChannelGateway] = []

    def for_connection(self, connection: Connection) -> FakeChannelGateway:
        """A gateway scoped like the real one."""
        scoped = connection.auth_mode is AuthMode.BOOKING_CONNECTIVITY
        account = connection.external_account_id
        hotels = frozenset({account}) if scoped and account is not None else None
        gateway = FakeChannelGateway(self.channel, hotels)
        self.made.append(gateway)
        return gateway
