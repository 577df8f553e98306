"""Where the Booking.com adapter sends its requests: one value object built from settings.

Paths that BOOKING_CONNECTIVITY.md marks as unconfirmed (the Connections API) live here and
nowhere else, so adjusting them to the real service is a one-file change.
"""

from __future__ import annotations

import attrs

from channel_manager.domain.errors import DomainError


class InvalidEndpointError(DomainError):
    """A configured Booking.com URL is not an absolute http(s) URL."""


def _absolute_url(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.startswith(("https://", "http://")):
        raise InvalidEndpointError(
            f"{attribute.name} must be an absolute http(s) URL, got {value!r}"
        )


def _strip_slash(value: str) -> str:
    return value.rstrip("/")


@attrs.frozen(kw_only=True)
class BookingEndpoints:
    """The four Booking.com hosts the adapter talks to.

    ``supply_url`` serves ARI, content and the Connections API; ``secure_url`` serves
    reservations (the PCI host); ``token_url`` is the full machine-account token exchange URL;
    ``auth_url`` is the base of the OAuth 2.0 authorisation server and the Extranet page.
    """

    supply_url: str = attrs.field(converter=_strip_slash, validator=_absolute_url)
    secure_url: str = attrs.field(converter=_strip_slash, validator=_absolute_url)
    token_url: str = attrs.field(converter=_strip_slash, validator=_absolute_url)
    auth_url: str = attrs.field(converter=_strip_slash, validator=_absolute_url)

    @classmethod
    def single_host(cls, base_url: str) -> BookingEndpoints:
        """Every service on one host, as the sandbox serves them."""
        base = _strip_slash(base_url)
        return cls(
            supply_url=base,
            secure_url=base,
            token_url=f"{base}/token-based-authentication/exchange",
            auth_url=base,
        )

    def ota(self, message: str) -> str:
        """URL of an OTA message on the supply host (``OTA_HotelAvailNotif`` ...)."""
        return f"{self.supply_url}/hotels/ota/{message}"

    def secure_ota(self, message: str) -> str:
        """URL of an OTA reservation message on the secure (PCI) host."""
        return f"{self.secure_url}/hotels/ota/{message}"

    def bxml(self, name: str) -> str:
        """URL of a B.XML call (``roomrates`` ...) on the supply host."""
        return f"{self.supply_url}/hotels/xml/{name}"

    # OAuth 2.0 authorisation server (oauth2 mode).
    @property
    def oauth2_authorize_url(self) -> str:
        """The page where a person approves or denies access."""
        return f"{self.auth_url}/oauth2/authorize"

    @property
    def oauth2_token_url(self) -> str:
        """Token endpoint: authorization_code and refresh_token grants."""
        return f"{self.auth_url}/oauth2/token"

    @property
    def oauth2_revoke_url(self) -> str:
        """Token revocation endpoint (RFC 7009)."""
        return f"{self.auth_url}/oauth2/revoke"

    # booking-connectivity mode: Extranet page and Connections API (paths unconfirmed).
    @property
    def extranet_connect_url(self) -> str:
        """The Extranet page where a property requests a connection to a provider."""
        return f"{self.auth_url}/extranet/connect"

    @property
    def connection_requests_url(self) -> str:
        """Connections API: pending connection requests."""
        return f"{self.supply_url}/connections-api/requests"

    def accept_connection_url(self, hotel_id: str) -> str:
        """Connections API: accept the pending request of one property."""
        return f"{self.supply_url}/connections-api/requests/{hotel_id}/accept"

    def deactivate_connection_url(self, hotel_id: str) -> str:
        """Connections API: end the connection of one property."""
        return f"{self.supply_url}/connections-api/properties/{hotel_id}/deactivate"

    def connection_status_url(self, hotel_id: str) -> str:
        """Connections API: connection status of one property."""
        return f"{self.supply_url}/connections-api/properties/{hotel_id}/status"
