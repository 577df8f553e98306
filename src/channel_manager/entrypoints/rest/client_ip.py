"""Who is really calling: the client address behind trusted reverse proxies, and the allow-list.

``X-Forwarded-For`` is written by every proxy a request passes through, each appending the
address it received the request from; anything to the left of the first proxy we trust was
written by the client itself and may be forged. So the header is believed only when the socket
peer is a trusted proxy, and then read from the right, skipping further trusted proxies: the
first untrusted address is the client. Pure functions, no framework types.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(text: str | None) -> IpAddress | None:
    """An address as proxies and servers spell it, or ``None`` when it is not one.

    Accepts ``203.0.113.7``, ``203.0.113.7:4711``, ``2001:db8::1``, ``[2001:db8::1]`` and
    ``[2001:db8::1]:443``; an IPv4-mapped IPv6 address (``::ffff:203.0.113.7``, what a
    dual-stack socket reports) becomes the IPv4 address, so IPv4 allow-lists match it.
    """
    if text is None:
        return None
    candidate = text.strip()
    if candidate.startswith("["):
        candidate, closed, _port = candidate[1:].partition("]")
        if not closed:
            return None
    elif candidate.count(":") == 1:
        candidate = candidate.partition(":")[0]  # IPv4 with a port
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def in_networks(address: IpAddress, networks: Iterable[IpNetwork]) -> bool:
    """True when ``address`` lies in one of ``networks`` (other IP versions never match)."""
    return any(address in network for network in networks)


def forwarded_chain(header_values: Iterable[str]) -> list[str]:
    """The entries of every ``X-Forwarded-For`` header, left to right, in header order
    (several headers count as one comma-separated list, as RFC 9110 says)."""
    return [entry.strip() for value in header_values for entry in value.split(",") if entry.strip()]


def client_ip(
    peer: str | None,
    forwarded_for: Sequence[str],
    trusted_proxies: Sequence[IpNetwork],
) -> IpAddress | None:
    """The client's address, or ``None`` when it cannot be known.

    ``peer`` is the socket peer; ``forwarded_for`` the raw ``X-Forwarded-For`` header values.
    An unreadable entry in the trusted part of the chain makes the client unknown rather than
    guessed: the caller then refuses anything an allow-list guards.
    """
    address = parse_ip(peer)
    if address is None or not in_networks(address, trusted_proxies):
        return address
    for entry in reversed(forwarded_chain(forwarded_for)):
        hop = parse_ip(entry)
        if hop is None:
            return None
        address = hop
        if not in_networks(hop, trusted_proxies):
            return hop
    # Every hop was a trusted proxy: the leftmost one is as close to the client as we can see.
    return address


def is_allowed(address: IpAddress | None, allowed: Sequence[IpNetwork]) -> bool:
    """True when ``allowed`` is empty (anyone may call) or holds ``address``; an unknown
    address is never allowed by a non-empty list."""
    if not allowed:
        return True
    return address is not None and in_networks(address, allowed)
