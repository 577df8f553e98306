"""The OTA form of pushed reservations: the Booking adapter's side of the push use case.

:class:`OtaPushCodec` implements :class:`~channel_manager.ports.inbound.InboundReservationCodec`
for OTA_HotelResNotifRQ, OTA_HotelResModifyNotifRQ and OTA_CancelRQ, bare or in a SOAP 1.1
envelope: it decodes with the hardened parser, answers OTA_HotelResNotifRS (ModifyNotifRS,
CancelRS) in the form the request came in, and spells each refusal as an OpenTravel error
(ERR code and EWT type). :class:`OtaMessageExcerpts` cuts a logged OTA message to one
reservation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from channel_manager.adapters.booking.ota.cancel import CANCEL_RQ, CANCEL_RS, encode_cancel_rs
from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.excerpt import only_reservation, only_reservations_at
from channel_manager.adapters.booking.ota.namespaces import (
    SOAP_NAMESPACES,
    ota_root,
    sub,
    to_bytes,
)
from channel_manager.adapters.booking.ota.parser import ParserLimits
from channel_manager.adapters.booking.ota.redact import redact
from channel_manager.adapters.booking.ota.reservation_ids import HotelReservationId
from channel_manager.adapters.booking.ota.reservations import (
    RES_NOTIF_VERSION,
    OtaReservation,
    ResMessageKind,
    ResNotifRQ,
)
from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.adapters.booking.ota.responses import (
    AcknowledgedReservation,
    ResAckKind,
    ResAcknowledgement,
    encode_res_acknowledgement,
)
from channel_manager.adapters.booking.reservation_mapping import to_channel_reservation
from channel_manager.domain.channel import ChannelReservation
from channel_manager.ports.inbound import PushAnswer, PushRefused, RefusalReason

if TYPE_CHECKING:
    from channel_manager.ports.inbound import (
        DecodedPush,
        InboundReservationCodec,
        MessageExcerpts,
    )

#: OpenTravel ERR codes beyond the codec's: 392 invalid hotel code, 497 authorization error.
INVALID_HOTEL_CODE = 392
AUTHORIZATION_ERROR = 497
#: OpenTravel EWT: 3 business rule, 4 authentication, 6 authorization, 7 protocol violation,
#: 10 required field missing, 13 application error.
EWT_BUSINESS, EWT_AUTHENTICATION, EWT_AUTHORIZATION, EWT_PROTOCOL, EWT_REQUIRED, EWT_APPLICATION = (
    "3",
    "4",
    "6",
    "7",
    "10",
    "13",
)
#: Each refusal as an OpenTravel error: ERR code and EWT type.
_OTA_ERRORS: dict[RefusalReason, tuple[int, str]] = {
    RefusalReason.MALFORMED: (OtaErrorCode.UNABLE_TO_PROCESS, EWT_PROTOCOL),
    RefusalReason.NO_RESERVATIONS: (OtaErrorCode.REQUIRED_FIELD_MISSING, EWT_APPLICATION),
    RefusalReason.MISSING_RESERVATION_ID: (OtaErrorCode.REQUIRED_FIELD_MISSING, EWT_REQUIRED),
    RefusalReason.UNKNOWN_PROPERTY: (INVALID_HOTEL_CODE, EWT_BUSINESS),
    RefusalReason.NOT_YET_KNOWN: (OtaErrorCode.SYSTEM_ERROR, EWT_APPLICATION),
    RefusalReason.REFUSED: (OtaErrorCode.UNABLE_TO_PROCESS, EWT_BUSINESS),
    RefusalReason.FAILED: (OtaErrorCode.SYSTEM_ERROR, EWT_APPLICATION),
    RefusalReason.DISABLED: (OtaErrorCode.SYSTEM_ERROR, EWT_APPLICATION),
    RefusalReason.ADDRESS_NOT_ALLOWED: (AUTHORIZATION_ERROR, EWT_AUTHORIZATION),
    RefusalReason.LOCKED_OUT: (AUTHORIZATION_ERROR, EWT_AUTHENTICATION),
    RefusalReason.UNAUTHENTICATED: (AUTHORIZATION_ERROR, EWT_AUTHENTICATION),
    RefusalReason.TOO_LARGE: (OtaErrorCode.UNABLE_TO_PROCESS, EWT_APPLICATION),
}
#: Refusals whose OTA answer names the part of the message at fault.
_OTA_TEXT = {
    RefusalReason.MISSING_RESERVATION_ID: "a reservation has no HotelReservationID/@ResID_Value",
}
_SHORT_TEXT_MAX = 64  # the 2015B schema's limit; the full sentence goes in the element text
_ACK_KIND = {ResMessageKind.NEW: ResAckKind.NEW, ResMessageKind.MODIFY: ResAckKind.MODIFY}
_SOAP_MEDIA = "text/xml; charset=utf-8"  # SOAP 1.1 travels as text/xml
_BARE_MEDIA = "application/xml; charset=utf-8"


@attrs.frozen
class OtaPushMessage:
    """One decoded OTA reservation message (a ``DecodedPush``)."""

    rq: ResNotifRQ

    @property
    def reservations(self) -> Sequence[OtaReservation]:
        """Its reservations, in document order."""
        return self.rq.reservations

    @property
    def message_type(self) -> str:
        """The root element that came: OTA_HotelResNotifRQ, ...ModifyNotifRQ or OTA_CancelRQ."""
        return CANCEL_RQ if self.rq.cancel_rq else self.rq.kind.value

    @property
    def answer_type(self) -> str:
        """The root element of our answer."""
        return CANCEL_RS if self.rq.cancel_rq else _ACK_KIND[self.rq.kind].value

    @property
    def ruid(self) -> str | None:
        """The RUID comment, when the sender wrote one."""
        return self.rq.ruid

    def to_channel_reservation(
        self,
        index: int,
        *,
        ack_key: str,
        connection_id: UUID,
        now: Callable[[], datetime],
    ) -> ChannelReservation:
        """The reservation at ``index`` as the domain sees it."""
        return to_channel_reservation(
            self.rq.reservations[index], self.rq, ack_key, connection_id=connection_id, now=now
        )


def looks_like_soap(headers: Mapping[str, str] | None, body: bytes = b"") -> bool:
    """Best guess of the sender's form when the body cannot be parsed (errors only)."""
    if any(name.lower() == "soapaction" for name in headers or {}):
        return True
    return any(namespace.encode() in body for namespace in SOAP_NAMESPACES)


def _media_type(soap: bool) -> str:
    return _SOAP_MEDIA if soap else _BARE_MEDIA


class OtaPushCodec:
    """Pushed OTA reservation messages in, OTA answers out (bare or SOAP 1.1, as they came)."""

    def __init__(self, max_bytes: int) -> None:
        self._limits = ParserLimits(max_bytes=max_bytes)

    def decode(self, body: bytes) -> OtaPushMessage:
        """The message; :class:`PushRefused` (400) for anything malformed or hostile."""
        try:
            return OtaPushMessage(decode_res_notif_rq(body, limits=self._limits))
        except OtaParseError as error:
            raise PushRefused(400, RefusalReason.MALFORMED, error.message, detail=error) from None

    def encode_success(self, message: OtaPushMessage, timestamp: datetime) -> PushAnswer:
        """OTA_HotelResNotifRS (ModifyNotifRS) or OTA_CancelRS, echoing every reservation id."""
        rq = message.rq
        acknowledged = tuple(
            AcknowledgedReservation(
                ids=reservation.ids
                or (HotelReservationId(value=reservation.reservation_id or ""),),
                hotel_code=reservation.hotel_code,
            )
            for reservation in rq.reservations
        )
        if rq.cancel_rq:
            ids = tuple(i for r in acknowledged for i in r.ids)
            body = encode_cancel_rs(
                ids,
                echo_token=rq.echo_token,
                timestamp=timestamp,
                version=rq.version,
                soap=rq.soap,
            )
            return PushAnswer(200, body, _media_type(rq.soap))
        ack = ResAcknowledgement(
            kind=_ACK_KIND[rq.kind],
            reservations=acknowledged,
            echo_token=rq.echo_token,
            timestamp=timestamp,
        )
        return PushAnswer(200, encode_res_acknowledgement(ack, soap=rq.soap), _media_type(rq.soap))

    def encode_error(
        self,
        refusal: PushRefused,
        *,
        message: OtaPushMessage | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> PushAnswer:
        """The answer's root (OTA_HotelResNotifRS when nothing was decoded) carrying one
        ``Errors/Error`` for ``refusal``."""
        if message is None:
            soap, echo, root_name = looks_like_soap(headers, body), None, ResAckKind.NEW.value
        else:
            soap, echo, root_name = message.rq.soap, message.rq.echo_token, message.answer_type
        code, error_type = _OTA_ERRORS[refusal.reason]
        if isinstance(refusal.detail, OtaParseError):
            code, error_type = refusal.detail.ota_code, refusal.detail.error_type
        text = _OTA_TEXT.get(refusal.reason, refusal.message)
        short = text
        if len(short) > _SHORT_TEXT_MAX:
            short = short[: _SHORT_TEXT_MAX - 3] + "..."
        root = ota_root(root_name, {"EchoToken": echo, "Version": RES_NOTIF_VERSION})
        attributes = {"Type": error_type, "Code": str(int(code)), "ShortText": short}
        sub(sub(root, "Errors"), "Error", attributes, text=text)
        return PushAnswer(
            refusal.status, to_bytes(root, soap=soap), _media_type(soap), refusal.headers
        )

    def redact(self, body: bytes) -> bytes:
        """``body`` masked for the message log (card data, credentials)."""
        return redact(body)

    def share(self, body: bytes, indices: Collection[int]) -> bytes | None:
        """``body`` with only the reservation items at ``indices``."""
        return only_reservations_at(body, indices)


class OtaMessageExcerpts:
    """A logged OTA message cut to one reservation (its page shows only its own part)."""

    def only_reservation(self, body: bytes, reservation_id: str) -> bytes | None:
        """``body`` with only the items naming ``reservation_id``."""
        return only_reservation(body, reservation_id)


if TYPE_CHECKING:  # mypy proves the adapters satisfy the ports; nothing runs here

    def _message_conforms(message: OtaPushMessage) -> DecodedPush:
        return message

    def _codec_conforms(codec: OtaPushCodec) -> InboundReservationCodec[OtaPushMessage]:
        return codec

    def _excerpts_conform(excerpts: OtaMessageExcerpts) -> MessageExcerpts:
        return excerpts
