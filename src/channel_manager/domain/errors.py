"""Named domain errors.

Every failure the core can report has its own class so that each front end (REST, CLI, worker)
maps it to a status or exit code in exactly one place. Messages are readable sentences.
"""

# Errors are named for the failure (NotFound, MappingConflict), as STYLE.md asks; an "Error"
# suffix on each would only add noise at every raise and except site.
# ruff: noqa: N818

from __future__ import annotations

from datetime import timedelta


class DomainError(Exception):
    """Base class of every error raised by the domain and application layers."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidValue(DomainError, ValueError):
    """A field outside its allowed range (a negative count, a naive timestamp ...).

    Also a ``ValueError``, so code that validates input the Pythonic way still catches it.
    """


class InvalidPropertyId(InvalidValue):
    """The channel property id a connection flow needs is missing, or not in the channel's
    form (a Booking.com property id is digits only, for example)."""


class InvalidMoney(DomainError):
    """An amount or currency that cannot be represented exactly."""


class CurrencyMismatch(DomainError):
    """Arithmetic or comparison between amounts in different currencies."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine amounts in {left} and {right}")
        self.left = left
        self.right = right


class InvalidTransition(DomainError):
    """A state machine was asked to move along an edge it does not have."""

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(f"{entity} cannot move from {current!r} to {target!r}")
        self.entity = entity
        self.current = current
        self.target = target


class InvalidDateRange(DomainError):
    """A date range whose end lies before its start, or that is otherwise unusable."""


class MappingConflict(DomainError):
    """A proposed mapping maps one thing twice; the message names the ids involved."""


class UnknownRoomType(DomainError):
    """An external room type that no unit mapping knows."""

    def __init__(self, room_type_id: str) -> None:
        super().__init__(f"room type {room_type_id!r} is not mapped to a unit")
        self.room_type_id = room_type_id


class UnknownRatePlan(DomainError):
    """An external rate plan that no rate plan mapping knows."""

    def __init__(self, rate_plan_id: str) -> None:
        super().__init__(f"rate plan {rate_plan_id!r} is not mapped")
        self.rate_plan_id = rate_plan_id


class CardDataRejected(DomainError):
    """Something that looks like a full card number or security code reached the domain."""


class NotFound(DomainError):
    """An entity looked up by id does not exist (or is not visible to the caller)."""

    def __init__(self, kind: str, id: object) -> None:
        super().__init__(f"{kind} {id} not found")
        self.kind = kind
        self.id = id


class AuthStateExpired(DomainError):
    """An authorisation state was presented after its expiry time."""


class AuthStateReused(DomainError):
    """An authorisation state was presented a second time (states are single use)."""


class AuthStateForeign(DomainError):
    """An authorisation state came back to a browser or caller other than its starter."""


class HotelAlreadyHeld(DomainError):
    """A channel hotel is already held by another connection (``HotelClaim``): it cannot be
    connected a second time, by another organisation or by the same one."""

    def __init__(
        self,
        channel: str,
        external_property_id: str,
        *,
        same_organization: bool = False,
        holder_connection_id: object = None,
    ) -> None:
        if same_organization:
            message = (
                f"{channel} property {external_property_id} is already connected in your "
                f"organisation (connection {holder_connection_id}); disconnect that connection "
                "first to connect it again"
            )
        else:
            message = (
                f"{channel} property {external_property_id} is already connected to another "
                "organisation on this channel manager. Ask that organisation to disconnect it, "
                "or ask the operator to move it to yours "
                "(channel-manager connections move-hotel)"
            )
        super().__init__(message)
        self.channel = channel
        self.external_property_id = external_property_id
        self.same_organization = same_organization


class HotelContested(DomainError):
    """Organisations other than the caller's have a connection flow for the same hotel under
    way. Booking.com's connection request names no flow, so whichever return arrived first
    would get the hotel: instead nobody does until only one organisation is connecting it."""

    def __init__(self, channel: str, external_property_id: str) -> None:
        super().__init__(
            f"another organisation on this channel manager is connecting {channel} property "
            f"{external_property_id} at the same time, so nothing was connected (a connection "
            "request cannot tell whose it is). Try again once theirs has ended (flows expire "
            "within minutes); if it keeps happening, ask the operator, who sees both "
            "organisations in the log"
        )
        self.channel = channel
        self.external_property_id = external_property_id


class HotelAlreadyConnected(DomainError):
    """A channel hotel already reads connected to us, with no connection request pending for
    the flow that asks: a connection is only ever made from a request made during its flow, so
    a hotel another account connected cannot be taken over by naming its (public) id."""

    def __init__(self, channel: str, external_property_id: str) -> None:
        super().__init__(
            f"{channel} property {external_property_id} is already connected to this channel "
            "manager and has no connection request pending for this connection. If your "
            "organisation should manage it: the organisation holding it disconnects it (then "
            "request the connection again), or the operator moves it to your organisation "
            "(channel-manager connections move-hotel)"
        )
        self.channel = channel
        self.external_property_id = external_property_id


class ChannelError(DomainError):
    """Base class of failures reported by (or while talking to) a channel."""


class RetryableChannelError(ChannelError):
    """A transient failure (timeout, 5xx, 429): the same request may succeed later."""

    def __init__(self, message: str, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentChannelError(ChannelError):
    """The channel rejected the request; resending it unchanged will fail again."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.detail = message


class ChannelAuthError(ChannelError):
    """The channel refused our credentials (HTTP 401/403, failed token refresh)."""
