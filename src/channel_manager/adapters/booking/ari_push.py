"""ARI out: domain ``AvailRequest``/``RateRequest`` -> OTA messages, and the RS -> ``PushOutcome``.

Each request item gets a ``LocatorID`` (its 1-based position); OTA allows one
``RestrictionStatus`` per ``AvailStatusMessage``, so an item may become several messages, and a
``RecordID`` in the answer (the message position) is mapped back to the item it came from.
Failed items of a partly successful push come back as ``Warning``s with ``Status="NotProcessed"``
and become per-item errors here.
"""

from __future__ import annotations

import attrs
import httpx

from channel_manager.adapters.booking.errors import (
    ChannelRequestRejectedError,
    MalformedResponseError,
    error_for_status,
)
from channel_manager.adapters.booking.ota.ari import (
    AvailNotifRQ,
    AvailStatusMessage,
    BaseByGuestAmt,
    LengthOfStay,
    RateAmountMessage,
    RateAmountNotifRQ,
    RestrictionStatus,
    StatusApplicationControl,
    encode_avail_notif_rq,
    encode_rate_amount_notif_rq,
)
from channel_manager.adapters.booking.ota.errors import OtaParseError
from channel_manager.adapters.booking.ota.responses import (
    NotifResponse,
    OtaIssue,
    decode_notif_response,
)
from channel_manager.domain.ari import AvailRange, AvailRequest, RateRequest
from channel_manager.domain.channel import PushError, PushItemOutcome, PushOutcome
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.domain.money import minor_units

NOT_PROCESSED = "NotProcessed"


class PushRejectedError(PermanentChannelError):
    """Booking.com processed none of a push's items; ``outcome`` holds every error."""

    def __init__(self, code: str, message: str, outcome: PushOutcome) -> None:
        super().__init__(code, message)
        self.outcome = outcome


@attrs.frozen
class EncodedPush:
    """A push ready to send: the body and, per OTA message position, the item it came from."""

    body: bytes
    item_of_message: tuple[int, ...]
    item_count: int


def _control(item: AvailRange) -> StatusApplicationControl:
    return StatusApplicationControl(
        start=item.start,
        end=item.end,
        inv_type_code=item.room_type_code,
        rate_plan_code=item.rate_plan_code,
    )


def _open_or_close(closed: bool) -> str:
    return "Close" if closed else "Open"


def _avail_messages(
    item: AvailRange, locator: int, arrival_departure: bool = True
) -> list[AvailStatusMessage]:
    """One message with the limit and stays, plus one per restriction (OTA allows one each).

    Closed to arrival/departure (``RestrictionStatus/@Restriction``) is standard OTA but
    unconfirmed for Booking.com, so ``arrival_departure=False`` leaves it out. Written out
    field by field: a year-ahead load runs this tens of thousands of times.
    """
    lengths: list[LengthOfStay] = []
    if item.min_los is not None:
        lengths.append(LengthOfStay(min_max_message_type="SetMinLOS", time=item.min_los))
    if item.max_los is not None:
        lengths.append(LengthOfStay(min_max_message_type="SetMaxLOS", time=item.max_los))
    restrictions: list[RestrictionStatus] = []
    if item.stop_sell is not None:
        restrictions.append(RestrictionStatus(status=_open_or_close(item.stop_sell)))
    if arrival_departure and item.closed_to_arrival is not None:
        status = _open_or_close(item.closed_to_arrival)
        restrictions.append(RestrictionStatus(status=status, restriction="Arrival"))
    if arrival_departure and item.closed_to_departure is not None:
        status = _open_or_close(item.closed_to_departure)
        restrictions.append(RestrictionStatus(status=status, restriction="Departure"))
    control = _control(item)
    first = AvailStatusMessage(
        control=control,
        booking_limit=item.booking_limit,
        locator_id=locator,
        lengths_of_stay=tuple(lengths),
        restriction_status=restrictions[0] if restrictions else None,
    )
    extra = [
        AvailStatusMessage(control=control, locator_id=locator, restriction_status=status)
        for status in restrictions[1:]
    ]
    return [first, *extra]


def _carries_nothing(message: AvailStatusMessage) -> bool:
    return (
        message.booking_limit is None
        and not message.lengths_of_stay
        and message.restriction_status is None
    )


def encode_avail_request(request: AvailRequest, *, arrival_departure: bool = True) -> EncodedPush:
    """OTA_HotelAvailNotifRQ for one hotel and month (see :func:`_avail_messages` for
    ``arrival_departure``)."""
    messages: list[AvailStatusMessage] = []
    item_of_message: list[int] = []
    for locator, item in enumerate(request.items, start=1):
        for message in _avail_messages(item, locator, arrival_departure):
            if _carries_nothing(message):
                continue  # e.g. only closed-to-arrival, with that switched off
            messages.append(message)
            item_of_message.append(locator)
    body = encode_avail_notif_rq(
        AvailNotifRQ(hotel_code=request.hotel_code, messages=tuple(messages))
    )
    return EncodedPush(body, tuple(item_of_message), len(request.items))


def encode_rate_request(request: RateRequest) -> EncodedPush:
    """OTA_HotelRateAmountNotifRQ for one hotel and month (integer amounts, DecimalPlaces)."""
    messages = tuple(
        RateAmountMessage(
            control=StatusApplicationControl(
                start=item.start,
                end=item.end,
                inv_type_code=item.room_type_code,
                rate_plan_code=item.rate_plan_code,
            ),
            amounts=(
                BaseByGuestAmt(
                    amount=item.amount.amount,
                    decimal_places=minor_units(item.amount.currency),
                ),
            ),
            currency_code=item.amount.currency,
            locator_id=locator,
        )
        for locator, item in enumerate(request.items, start=1)
    )
    body = encode_rate_amount_notif_rq(
        RateAmountNotifRQ(hotel_code=request.hotel_code, messages=messages)
    )
    count = len(request.items)
    return EncodedPush(body, tuple(range(1, count + 1)), count)


def _push_error(issue: OtaIssue) -> PushError:
    return PushError(
        code=issue.code, type=issue.type, status=issue.status, message=issue.description
    )


def _item_of(issue: OtaIssue, push: EncodedPush) -> int | None:
    if issue.record_id is None or not issue.record_id.isdigit():
        return None
    position = int(issue.record_id)
    if 1 <= position <= len(push.item_of_message):
        return push.item_of_message[position - 1]
    return None


def _outcome(answer: NotifResponse, push: EncodedPush) -> PushOutcome:
    failed = [w for w in answer.warnings if w.status == NOT_PROCESSED] + list(answer.errors)
    notes = tuple(w.description for w in answer.warnings if w.status != NOT_PROCESSED)
    errors_by_item: dict[int, list[PushError]] = {}
    for issue in failed:
        item = _item_of(issue, push)
        if item is not None:
            errors_by_item.setdefault(item, []).append(_push_error(issue))
    items = tuple(
        PushItemOutcome(
            locator_id=str(item),
            success=answer.success and item not in errors_by_item,
            errors=tuple(errors_by_item.get(item, ())),
        )
        for item in range(1, push.item_count + 1)
    )
    return PushOutcome(
        success=answer.success,
        ruid=answer.ruid,
        warnings=notes,
        errors=tuple(_push_error(issue) for issue in failed),
        items=items,
    )


def read_push_response(response: httpx.Response, rs_name: str, push: EncodedPush) -> PushOutcome:
    """The outcome of a push, or the domain error its status and body stand for."""
    transient = response.status_code >= 500 or response.status_code == 429
    if transient:
        error = error_for_status(response, rs_name)
        assert error is not None  # 5xx and 429 always map to an error
        raise error
    try:
        answer = decode_notif_response(response.content, rs_name)
    except OtaParseError as error:
        if response.status_code >= 400:
            raise ChannelRequestRejectedError(
                str(response.status_code), f"{rs_name}: {error}", response.status_code
            ) from error
        raise MalformedResponseError(f"{rs_name} could not be read: {error}") from error
    outcome = _outcome(answer, push)
    if answer.success and response.status_code < 400:
        return outcome
    first = answer.errors[0] if answer.errors else None
    code = (first.code if first else None) or str(response.status_code)
    raise PushRejectedError(code, first.description if first else rs_name, outcome)
