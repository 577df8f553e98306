"""Fetching a user-supplied feed URL safely: the HTTP half of the iCal feed reader.

Every hop (the URL, then each redirect) is checked the same way: http(s) only, no
credentials, and the host is resolved and *every* address it resolves to must be allowed
(:mod:`channel_manager.adapters.addresses`). The request then goes to the checked address
itself, not to the host name: the URL's host is replaced by the address, the ``Host`` header and
the TLS server name (SNI, and with it certificate verification) keep the name. So a DNS answer
that changes between the check and the connection (DNS rebinding) cannot reach another address.
Environment proxies are ignored (``trust_env=False``): a proxy would resolve the name itself.

Redirects are followed here, one by one (``follow_redirects=False`` on the client), up to
:attr:`FetchPolicy.max_redirects`; a redirect back to a URL already visited is a loop. The body
is streamed and given up past :attr:`FetchPolicy.max_bytes` (after decompression, so a gzip bomb
stops there too).
"""

from __future__ import annotations

import asyncio
import ssl

import attrs
import httpx

from channel_manager.adapters.addresses import (
    FeedAddressRefused,
    IPAddress,
    IPNetwork,
    Resolver,
    checked_addresses,
    origin_of,
    parse_feed_url,
    pinned_request,
    system_resolver,
)
from channel_manager.adapters.retry_after import retry_after
from channel_manager.domain.errors import (
    InvalidValue,
    PermanentChannelError,
    RetryableChannelError,
)
from channel_manager.domain.feed import FeedNotModified, FeedValidators

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@attrs.frozen(kw_only=True)
class FetchPolicy:
    """The limits of fetching a feed URL (the same for every feed of the process)."""

    #: Networks a feed may reach although they are not public (``CM_FETCH_ALLOWED_NETWORKS``).
    allowed_networks: tuple[IPNetwork, ...] = ()
    #: Seconds to connect, and between two reads of the answer.
    timeout: float = 10.0
    #: Seconds the whole fetch (every redirect, the whole body) may take.
    deadline: float = 60.0
    #: The largest body we read (feeds are a few kilobytes; a year of nightly blocks ~100 kB).
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    #: Airbnb answers 403 to a request without a User-Agent.
    user_agent: str = "channel-manager/1 (+calendar import)"


@attrs.frozen(kw_only=True)
class FetchedFeed:
    """A feed body as received, and the validators to send with the next fetch."""

    body: bytes
    validators: FeedValidators


def _validators(response: httpx.Response, previous: FeedValidators) -> FeedValidators:
    etag = response.headers.get("etag")
    last_modified = response.headers.get("last-modified")
    if etag is None and last_modified is None:
        return previous
    return FeedValidators(etag=etag, last_modified=last_modified)


class FeedFetcher:
    """Fetches feed URLs under a :class:`FetchPolicy` (close it with :meth:`aclose`).

    ``resolver`` turns a host name into addresses; tests give one that answers 127.0.0.1 or
    169.254.169.254 for a made-up name. ``verify`` is httpx's: the system's certificate
    authorities by default, a context trusting a test authority in tests.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        resolver: Resolver | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.policy = policy
        self._resolve = resolver or system_resolver
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(policy.timeout),
            verify=verify,
            follow_redirects=False,
            trust_env=False,
            # No reuse of connections: the pool knows a connection by its address only, so one
            # verified for a host name could otherwise carry a request for another name on the
            # same address. A feed is fetched every few minutes; a new connection costs little.
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": policy.user_agent, "Accept": "text/calendar, */*;q=0.5"},
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def check_url(self, url: str) -> str:
        """``url`` normalised, or ``InvalidValue`` (see
        :func:`~channel_manager.adapters.addresses.parse_feed_url`); no I/O."""
        return str(parse_feed_url(url, self.policy.allowed_networks))

    async def fetch(self, url: str, validators: FeedValidators) -> FetchedFeed | FeedNotModified:
        """The body at ``url``, or :class:`FeedNotModified` when the sender answers 304 to
        ``validators``. Raises ``RetryableChannelError`` / ``PermanentChannelError``
        (:class:`FeedAddressRefused` for an address that is not allowed)."""
        target = self._hop(url)
        origin = origin_of(target)
        try:
            async with asyncio.timeout(self.policy.deadline):
                return await self._follow(target, validators)
        except TimeoutError:
            raise RetryableChannelError(
                f"fetching {origin} took longer than {self.policy.deadline:g} s"
            ) from None

    def _hop(self, url: str) -> httpx.URL:
        try:
            # Addresses, literal or resolved, are refused in _addresses (FeedAddressRefused).
            return parse_feed_url(url, self.policy.allowed_networks, check_literal=False)
        except InvalidValue as error:
            raise PermanentChannelError("invalid_url", error.message) from None

    async def _follow(
        self, target: httpx.URL, validators: FeedValidators
    ) -> FetchedFeed | FeedNotModified:
        visited = {str(target)}
        redirects = 0
        while True:
            origin = origin_of(target)
            response = await self._send(target, validators)
            try:
                if response.status_code not in _REDIRECTS:
                    return await self._answer(response, validators, origin)
                location = response.headers.get("location")
            finally:
                await response.aclose()
            if not location:
                raise PermanentChannelError(
                    "bad_redirect", f"{origin} answered a redirect without a Location"
                )
            redirects += 1
            if redirects > self.policy.max_redirects:
                raise PermanentChannelError(
                    "too_many_redirects",
                    f"{origin} redirected more than {self.policy.max_redirects} times",
                )
            try:
                following = target.join(location)
            except httpx.InvalidURL:
                raise PermanentChannelError(
                    "bad_redirect", f"{origin} redirected to an invalid URL"
                ) from None
            target = self._hop(str(following))
            if str(target) in visited:
                raise PermanentChannelError(
                    "redirect_loop", f"{origin} redirected in a loop (to {origin_of(target)})"
                )
            visited.add(str(target))

    async def _addresses(self, target: httpx.URL) -> list[IPAddress]:
        return await checked_addresses(
            target, self._resolve, self.policy.allowed_networks, FeedAddressRefused
        )

    async def _send(self, target: httpx.URL, validators: FeedValidators) -> httpx.Response:
        origin = origin_of(target)
        addresses = await self._addresses(target)
        headers = {}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        request = pinned_request(self._client, "GET", target, addresses[0], headers)
        try:
            return await self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise RetryableChannelError(f"{origin} did not answer in time") from None
        except httpx.TransportError as error:
            raise RetryableChannelError(
                f"{origin} could not be reached ({type(error).__name__})"
            ) from None

    async def _answer(
        self, response: httpx.Response, validators: FeedValidators, origin: str
    ) -> FetchedFeed | FeedNotModified:
        status = response.status_code
        if status == 304:
            return FeedNotModified(validators=_validators(response, validators))
        if status in {408, 429} or status >= 500:
            raise RetryableChannelError(
                f"{origin} answered HTTP {status}", retry_after=retry_after(response.headers)
            )
        if not 200 <= status < 300:
            raise PermanentChannelError(f"http_{status}", f"{origin} answered HTTP {status}")
        body = await self._read(response, origin)
        return FetchedFeed(body=body, validators=_validators(response, FeedValidators()))

    async def _read(self, response: httpx.Response, origin: str) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PermanentChannelError("too_large", f"feed larger than {limit} bytes ({origin})")
        chunks: list[bytes] = []
        received = 0
        try:
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > limit:
                    raise PermanentChannelError(
                        "too_large", f"feed larger than {limit} bytes ({origin})"
                    )
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise RetryableChannelError(f"{origin} stopped sending the feed") from None
        except httpx.DecodingError:
            raise PermanentChannelError(
                "bad_encoding", f"{origin} sent a body that could not be decoded"
            ) from None
        except httpx.TransportError as error:
            raise RetryableChannelError(
                f"{origin} broke off the feed ({type(error).__name__})"
            ) from None
        return b"".join(chunks)
