"""``BookingChannelGateway``: the ChannelGateway port over Booking.com's connectivity API.

One gateway is bound to one connection (its credentials and hotels); the HTTP client, the
machine-account token cache and the per-account reservation cadence are shared by every
gateway of the process through :class:`BookingGatewayFactory`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from functools import partial
from uuid import UUID

from channel_manager.adapters.booking.api import BookingApi
from channel_manager.adapters.booking.ari_push import (
    EncodedPush,
    encode_avail_request,
    encode_rate_request,
    read_push_response,
)
from channel_manager.adapters.booking.errors import MalformedResponseError, raise_for_status
from channel_manager.adapters.booking.ota.errors import OtaParseError
from channel_manager.adapters.booking.ota.roomrates import (
    RoomRatesRequest,
    decode_roomrates_response,
    encode_roomrates_request,
)
from channel_manager.adapters.booking.ota.search import (
    DEFAULT_PAGE_SIZE,
    HotelSearchRQ,
    decode_hotel_search_rs,
    encode_hotel_search_rq,
)
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from channel_manager.adapters.booking.reservation_queue import (
    DEFAULT_QUEUE_LIMIT,
    MODIFY_QUEUE,
    NEW_QUEUE,
    AccountCadence,
    ReservationQueues,
)
from channel_manager.domain.ari import AvailRequest, RateRequest
from channel_manager.domain.channel import (
    ChannelReservation,
    ExternalCatalog,
    ExternalProperty,
    ExternalRatePlan,
    ExternalRoomType,
    PushOutcome,
)
from channel_manager.domain.errors import PermanentChannelError

#: Booking.com's ARI endpoints expect this header (BOOKING_CONNECTIVITY.md section 4).
_ARI_HEADERS = {"Accept-Version": "1.1", "Content-Type": "application/xml"}
_XML = {"Content-Type": "application/xml"}
#: A guard against a server that never returns a short page.
_MAX_PAGES = 10_000


class BookingChannelGateway:
    """One connection's view of Booking.com (see the ``ChannelGateway`` port)."""

    #: Booking.com repeats every reservation message until it is acknowledged.
    acknowledges = True

    def __init__(
        self,
        api: BookingApi,
        cadence: AccountCadence,
        *,
        connection_id: UUID,
        hotel_codes: frozenset[str] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
        ack_attempts: int = 5,
        ack_backoff: float = 1.0,
        arrival_departure_restrictions: bool = True,
        clock: Callable[[], datetime],
    ) -> None:
        self._api = api
        self._arrival_departure = arrival_departure_restrictions
        self._hotel_codes = hotel_codes
        self._page_size = page_size
        self._properties: dict[str, ExternalProperty] = {}
        self._queues = ReservationQueues(
            api,
            cadence,
            partial(to_channel_reservation, connection_id=connection_id, now=clock),
            hotel_codes=hotel_codes,
            page_size=queue_limit,
            ack_attempts=ack_attempts,
            ack_backoff=ack_backoff,
            clock=clock,
        )

    def _in_scope(self, hotel_code: str) -> bool:
        return self._hotel_codes is None or hotel_code in self._hotel_codes

    async def list_properties(self) -> AsyncIterator[ExternalProperty]:
        """Every hotel of the connection, page by page (OTA_HotelSearch)."""
        for page in range(1, _MAX_PAGES + 1):
            body = encode_hotel_search_rq(HotelSearchRQ(page=page, page_size=self._page_size))
            response = await self._api.send(
                "POST",
                self._api.endpoints.ota("OTA_HotelSearch"),
                message_type="OTA_HotelSearchRQ",
                content=body,
                headers=_XML,
            )
            raise_for_status(response, "OTA_HotelSearch")
            try:
                answer = decode_hotel_search_rs(response.content)
            except OtaParseError as error:
                raise MalformedResponseError(f"OTA_HotelSearchRS: {error}") from error
            if answer.errors:
                first = answer.errors[0]
                raise PermanentChannelError(first.code or "", first.description)
            for summary in answer.properties:
                prop = ExternalProperty(
                    summary.hotel_code, summary.hotel_name, summary.currency_code
                )
                self._properties[prop.hotel_code] = prop
                if self._in_scope(prop.hotel_code):
                    yield prop
            if len(answer.properties) < self._page_size:
                return

    async def get_catalog(self, hotel_code: str) -> ExternalCatalog:
        """Rooms and the rate plans sold on them (B.XML roomrates)."""
        if not self._in_scope(hotel_code):
            raise PermanentChannelError("403", f"hotel {hotel_code} is not in this connection")
        response = await self._api.send(
            "POST",
            self._api.endpoints.bxml("roomrates"),
            message_type="roomrates",
            content=encode_roomrates_request(RoomRatesRequest(hotel_id=hotel_code)),
            headers=_XML,
        )
        raise_for_status(response, "roomrates")
        try:
            answer = decode_roomrates_response(response.content)
        except OtaParseError as error:
            raise MalformedResponseError(f"roomrates: {error}") from error
        plans: dict[str, ExternalRatePlan] = {}
        for room in answer.rooms:
            for rate in room.rates:
                plans.setdefault(rate.id, ExternalRatePlan(rate.id, rate.name))
        return ExternalCatalog(
            property=await self._property(hotel_code),
            room_types=tuple(
                ExternalRoomType(room.id, room.name, room.max_persons) for room in answer.rooms
            ),
            rate_plans=tuple(plans.values()),
        )

    async def _property(self, hotel_code: str) -> ExternalProperty:
        """Name and currency from the property listing (roomrates carries neither)."""
        if hotel_code not in self._properties:
            async for _ in self.list_properties():
                if hotel_code in self._properties:
                    break
        return self._properties.get(hotel_code, ExternalProperty(hotel_code))

    async def fetch_reservations(self) -> AsyncIterator[ChannelReservation]:
        """Pending messages of both queues; each GET is parsed before anything is yielded."""
        for queue in (NEW_QUEUE, MODIFY_QUEUE):
            for message in await self._queues.fetch(queue):
                yield message

    async def acknowledge(self, reservations: Sequence[ChannelReservation]) -> None:
        """Acknowledge after our commit; 5xx answers are retried until they are not 5xx."""
        if reservations:
            await self._queues.acknowledge(reservations)

    async def push_availability(self, request: AvailRequest) -> PushOutcome:
        """OTA_HotelAvailNotif; never retried here (the outbound queue retries)."""
        encoded = encode_avail_request(request, arrival_departure=self._arrival_departure)
        if not encoded.item_of_message:
            # Only closed-to-arrival/departure, which CM_CLOSED_TO_ARRIVAL_MODE keeps back.
            return PushOutcome(
                success=True,
                warnings=("nothing sent: closed to arrival/departure is switched off",),
            )
        return await self._push("OTA_HotelAvailNotif", encoded)

    async def push_rates(self, request: RateRequest) -> PushOutcome:
        """OTA_HotelRateAmountNotif; never retried here (the outbound queue retries)."""
        return await self._push("OTA_HotelRateAmountNotif", encode_rate_request(request))

    async def _push(self, message: str, push: EncodedPush) -> PushOutcome:
        response = await self._api.send(
            "POST",
            self._api.endpoints.ota(message),
            message_type=f"{message}RQ",
            content=push.body,
            headers=_ARI_HEADERS,
        )
        return read_push_response(response, f"{message}RS", push)

    async def aclose(self) -> None:
        """Nothing per gateway: the shared ``BookingHttp`` is closed by its owner at shutdown."""
