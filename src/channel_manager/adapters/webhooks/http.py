"""POSTing webhook deliveries safely: the same address rules as feed fetching.

A subscriber's URL is typed in by a user, so a delivery is a request on their behalf from
inside our network. The URL is checked when it is subscribed AND at every delivery: the host
is resolved and *every* address it resolves to must be public or in
``CM_WEBHOOK_ALLOWED_NETWORKS`` (:mod:`channel_manager.adapters.addresses`); the request then
goes to the checked address itself (``Host`` header and TLS server name keep the name), so a
DNS answer that changes in between cannot reach another address. Redirects are never
followed (a 3xx is a failed attempt), environment proxies are ignored.

https is required, except for an address inside ``CM_WEBHOOK_ALLOWED_NETWORKS``: a receiver
the operator placed on a trusted network (a local one in tests and the sandbox) may use http.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable, Mapping

import httpx

from channel_manager.adapters.addresses import (
    IPAddress,
    IPNetwork,
    Resolver,
    checked_addresses,
    origin_of,
    pinned_request,
    system_resolver,
)
from channel_manager.domain.errors import (
    InvalidValue,
    PermanentChannelError,
    RetryableChannelError,
)

#: Said of an address that is not allowed.
_NOT_ALLOWED = (
    "an address that is not allowed (loopback, private, link-local or reserved); an operator "
    "can allow its network in CM_WEBHOOK_ALLOWED_NETWORKS"
)


def _refused(origin: str, address: str) -> PermanentChannelError:
    return PermanentChannelError("address_refused", f"{origin} leads to {address}, {_NOT_ALLOWED}")


class HttpWebhookTransport:
    """POSTs webhook bodies under the address rules (close it with :meth:`aclose`)."""

    def __init__(
        self,
        allowed_networks: Iterable[IPNetwork],
        *,
        timeout: float = 5.0,
        resolver: Resolver | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self._allowed = tuple(allowed_networks)
        self._timeout = timeout
        self._resolve = resolver or system_resolver
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            verify=verify,
            follow_redirects=False,
            trust_env=False,
            # A connection is known by its address only: never reuse one verified for another
            # host name on the same address.
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": "channel-manager/1 (+webhooks)"},
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def check(self, url: str) -> str:
        """``url`` normalised, or ``InvalidValue`` (scheme, host, credentials, addresses)."""
        target = _parse(url)
        try:
            addresses = await self._addresses(target)
        except RetryableChannelError as error:
            raise InvalidValue(f"the webhook URL cannot be reached: {error}") from None
        except PermanentChannelError as error:
            raise InvalidValue(f"the webhook URL {error.detail}") from None
        insecure = self._insecure(target, addresses)
        if insecure is not None:
            raise InvalidValue(insecure)
        return str(target)

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST ``body`` to ``url`` checked again now; the answer's status code."""
        try:
            target = _parse(url)
        except InvalidValue as error:
            raise PermanentChannelError("invalid_url", error.message) from None
        addresses = await self._addresses(target)
        insecure = self._insecure(target, addresses)
        if insecure is not None:
            raise PermanentChannelError("insecure_url", insecure)
        request = pinned_request(
            self._client, "POST", target, addresses[0], dict(headers), content=body
        )
        origin = origin_of(target)
        try:
            # The whole attempt within two timeouts (a receiver trickling its answer cannot
            # hold the worker), and the answer's body is never read: only its status counts.
            async with asyncio.timeout(2 * self._timeout):
                response = await self._client.send(request, stream=True)
                await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            raise RetryableChannelError(f"{origin} did not answer in time") from None
        except httpx.TransportError as error:
            raise RetryableChannelError(
                f"{origin} could not be reached ({type(error).__name__})"
            ) from None
        return response.status_code

    def _insecure(self, target: httpx.URL, addresses: list[IPAddress]) -> str | None:
        """Why ``target`` may not be sent to in plain http (None: https, or every address is
        in an allowed network)."""
        if target.scheme == "https":
            return None
        if all(any(a in network for network in self._allowed) for a in addresses):
            return None
        return (
            f"the webhook URL must use https:// (plain http only reaches an address in "
            f"CM_WEBHOOK_ALLOWED_NETWORKS), not {origin_of(target)}"
        )

    async def _addresses(self, target: httpx.URL) -> list[IPAddress]:
        return await checked_addresses(target, self._resolve, self._allowed, _refused)


def _parse(url: str) -> httpx.URL:
    """``url`` parsed, or ``InvalidValue``: http(s), a host, no credentials, no fragment."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidValue("the webhook URL is not a valid URL") from None
    scheme = parsed.scheme.lower()
    if scheme not in ("https", "http"):
        raise InvalidValue(
            f"the webhook URL must start with https:// (not {parsed.scheme or 'nothing'})"
        )
    if not parsed.host:
        raise InvalidValue("the webhook URL has no host name")
    if parsed.userinfo:
        raise InvalidValue("the webhook URL holds a user name or password; leave them out")
    try:
        return parsed.copy_with(scheme=scheme, fragment=None)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidValue("the webhook URL is not a valid URL") from None
