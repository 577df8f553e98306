"""Which network addresses a feed URL may lead to, and the URL checks that need no I/O.

Feed URLs are typed in by users, so fetching one is a request on their behalf from inside our
network: without these checks a URL could read a cloud metadata service (169.254.169.254), an
admin page on loopback or anything on the private network (server-side request forgery).
Only public addresses are allowed, plus the networks the operator lists in
``CM_FETCH_ALLOWED_NETWORKS`` (the sandbox and the tests list 127.0.0.1/32).

A feed URL is a secret (whoever has it reads the calendar): messages name only its scheme and
host, never its path or query.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence

import httpx

from channel_manager.domain.errors import (
    InvalidValue,
    PermanentChannelError,
    RetryableChannelError,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Resolves ``(host, port)`` to the IP addresses (as text) a connection could go to.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

#: The settin networks a feed URL may reach although they are not public.
ALLOWED_NETWORKS_SETTING = "CM_FETCH_ALLOWED_NETWORKS"

#: Schemes a feed URL may use; ``webcal`` is how calendar apps spell https.
_SCHEMES = {"http": "http", "https": "https", "webcal": "https", "webcals": "https"}

#: NAT64 (RFC 6052): a public-looking IPv6 address that reaches an embedded IPv4 address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


# Named for the failure, like the domain errors it extends (see domain/errors.py).
class FeedAddressRefused(PermanentChannelError):  # noqa: N818
    """A feed URL leads to an address that is not public (loopback, private, link-local,
    reserved ...) and not in ``CM_FETCH_ALLOWED_NETWORKS``."""

    def __init__(self, origin: str, address: str) -> None:
        super().__init__(
            "address_refused",
            f"{origin} leads to {address}, an address that is not allowed (loopback, private, "
            f"link-local or reserved); an operator can allow its network in "
            f"{ALLOWED_NETWORKS_SETTING}",
        )
        self.origin = origin
        self.address = address


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """The networks listed in ``value`` (``CM_FETCH_ALLOWED_NETWORKS``: comma- or
    space-separated, ``127.0.0.1/32, 10.0.0.0/8, ::1``; a bare address is a one-address
    network), or ``InvalidValue`` naming the entry that is not a network."""
    networks: list[IPNetwork] = []
    for entry in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise InvalidValue(
                f"{ALLOWED_NETWORKS_SETTING}: {entry!r} is not a network (like 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def origin_of(url: httpx.URL) -> str:
    """``scheme://host[:port]`` of ``url``: what messages and logs may show of a feed URL."""
    port = f":{url.port}" if url.port is not None else ""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}{port}"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True when ``address`` is a public unicast address (and so is any IPv4 address that an
    IPv6 one embeds): not loopback, private, link-local, shared, multicast, reserved or
    unspecified."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public(embedded):
            return False
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_private
        and not address.is_unspecified
    )


def is_allowed(address: IPAddress, allowed_networks: Iterable[IPNetwork]) -> bool:
    """True when a feed fetch may connect to ``address``: public, or inside one of
    ``allowed_networks`` (checked for the address and for an IPv4 address it embeds)."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            candidates.append(embedded)
    for network in allowed_networks:
        if any(candidate in network for candidate in candidates):
            return True
    return is_public(address)


def literal_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one written out (``10.0.0.1``, ``::1``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def parse_feed_url(
    url: str, allowed_networks: Iterable[IPNetwork], *, check_literal: bool = True
) -> httpx.URL:
    """``url`` parsed and normalised (``webcal:`` becomes ``https:``, the fragment goes), or
    :class:`~channel_manager.domain.errors.InvalidValue` saying what is wrong with it.

    Checks the scheme, the host, credentials and (unless ``check_literal`` is false: the
    fetcher checks every address itself) a literal address; a host name is checked when it is
    resolved, at fetch time.
    """
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidValue("the feed URL is not a valid URL") from None
    scheme = _SCHEMES.get(parsed.scheme.lower())
    if scheme is None:
        raise InvalidValue(
            f"the feed URL must start with https:// or http:// (not {parsed.scheme or 'nothing'})"
        )
    if not parsed.host:
        raise InvalidValue("the feed URL has no host name")
    if parsed.userinfo:
        raise InvalidValue(
            "the feed URL holds a user name or password; give the calendar's export URL "
            "without credentials"
        )
    try:
        parsed = parsed.copy_with(scheme=scheme, fragment=None)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidValue("the feed URL is not a valid URL") from None
    literal = literal_address(parsed.host)
    if check_literal and literal is not None and not is_allowed(literal, allowed_networks):
        raise InvalidValue(
            f"the feed URL points to {literal}, an address that is not allowed (loopback, "
            f"private, link-local or reserved); an operator can allow its network in "
            f"{ALLOWED_NETWORKS_SETTING}"
        )
    return parsed


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The addresses the system resolver gives ``host`` (the event loop's ``getaddrinfo``)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def checked_addresses(
    target: httpx.URL,
    resolve: Resolver,
    allowed_networks: Iterable[IPNetwork],
    refused: Callable[[str, str], Exception],
) -> list[IPAddress]:
    """Every address ``target`` leads to (its literal, or what ``resolve`` answers), each one
    allowed: ``refused(origin, address)`` is raised for one that is not (or is no address);
    ``RetryableChannelError`` when the name does not resolve, or to nothing. The caller then
    connects to these addresses only, so a name that resolves differently later (DNS
    rebinding) cannot lead anywhere unchecked."""
    origin = origin_of(target)
    literal = literal_address(target.host)
    if literal is not None:
        found: list[IPAddress] = [literal]
    else:
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            answers = await resolve(target.host, port)
        except OSError as error:
            raise RetryableChannelError(
                f"could not resolve {origin} ({type(error).__name__})"
            ) from None
        found = []
        for answer in answers:
            try:
                found.append(ipaddress.ip_address(answer))
            except ValueError:
                raise refused(origin, answer) from None
    if not found:
        raise RetryableChannelError(f"{origin} resolves to no address")
    allowed = tuple(allowed_networks)
    for address in found:
        if not is_allowed(address, allowed):
            raise refused(origin, str(address))
    return found


def pinned_request(
    client: httpx.AsyncClient,
    method: str,
    target: httpx.URL,
    address: IPAddress,
    headers: dict[str, str],
    content: bytes | None = None,
) -> httpx.Request:
    """A request to ``target`` that connects to ``address`` (one :func:`checked_addresses`
    allowed) while still naming ``target``'s host: in the ``Host`` header, and as the TLS
    server name (so the certificate is checked against the name, not the address)."""
    extensions = {}
    if target.scheme == "https" and literal_address(target.host) is None:
        extensions["sni_hostname"] = target.host
    return client.build_request(
        method,
        target.copy_with(host=str(address)),
        content=content,
        headers={**headers, "Host": target.netloc.decode("ascii")},
        extensions=extensions,
    )
