"""Client address resolution behind trusted proxies, and the allow-list."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from channel_manager.entrypoints.rest.client_ip import (
    IpAddress,
    client_ip,
    forwarded_chain,
    is_allowed,
    parse_ip,
)

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))


def _in_proxies(address: IpAddress) -> bool:
    return any(address in network for network in PROXIES)


def _public_v4(address: IpAddress) -> bool:
    return not address.is_private  # so never in 10.0.0.0/8


def _plain_untrusted_v6(address: IpAddress) -> bool:
    return isinstance(address, ipaddress.IPv6Address) and (
        address.ipv4_mapped is None and not _in_proxies(address)
    )


ipv4 = st.ip_addresses(v=4).filter(_public_v4)
ipv6 = st.ip_addresses(v=6).filter(_plain_untrusted_v6)
public_addresses = st.one_of(ipv4, ipv6)
proxy_addresses = st.one_of(
    st.ip_addresses(network="10.0.0.0/8"), st.ip_addresses(network="fd00::/8")
)
any_addresses = st.one_of(public_addresses, proxy_addresses)


@given(any_addresses)
def test_an_address_reads_back_bare_with_port_and_in_brackets(address: IpAddress) -> None:
    assert parse_ip(str(address)) == address
    if address.version == 4:
        assert parse_ip(f" {address}:4711 ") == address
    else:
        assert parse_ip(f"[{address}]") == address
        assert parse_ip(f"[{address}]:443") == address


@given(st.ip_addresses(v=4))
def test_an_ipv4_mapped_address_becomes_ipv4(address: ipaddress.IPv4Address) -> None:
    assert parse_ip(f"::ffff:{address}") == address


def test_what_is_not_an_address_reads_as_none() -> None:
    for text in (None, "", "unknown", "testclient", "300.1.1.1", "1.2.3.4:x:y", "[::1"):
        assert parse_ip(text) is None


def test_several_headers_make_one_chain() -> None:
    assert forwarded_chain(["1.1.1.1, 2.2.2.2", " 3.3.3.3 ,", ""]) == [
        "1.1.1.1",
        "2.2.2.2",
        "3.3.3.3",
    ]


@given(public_addresses, st.lists(st.text(max_size=20), max_size=4))
def test_an_untrusted_peer_is_the_client_whatever_the_header_says(
    peer: IpAddress, forged: list[str]
) -> None:
    assert client_ip(str(peer), forged, PROXIES) == peer


@given(public_addresses, st.lists(any_addresses, max_size=4), st.lists(proxy_addresses, max_size=3))
def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client(
    client: IpAddress, forged: list[IpAddress], inner_proxies: list[IpAddress]
) -> None:
    # The client may write anything on the left; trusted proxies append to the right.
    chain = [*map(str, forged), str(client), *map(str, inner_proxies)]
    peer = "10.1.2.3"
    assert client_ip(peer, [", ".join(chain)], PROXIES) == client


@given(st.lists(proxy_addresses, min_size=1, max_size=4))
def test_a_chain_of_only_trusted_proxies_ends_at_the_leftmost(hops: list[IpAddress]) -> None:
    assert client_ip("10.0.0.1", [",".join(map(str, hops))], PROXIES) == hops[0]


def test_a_trusted_peer_without_a_header_is_the_client() -> None:
    assert client_ip("10.0.0.1", [], PROXIES) == ipaddress.ip_address("10.0.0.1")


def test_garbage_in_the_trusted_part_of_the_chain_makes_the_client_unknown() -> None:
    assert client_ip("10.0.0.1", ["198.51.100.7, unknown"], PROXIES) is None
    # ... but garbage left of the first untrusted hop was written by the client and is ignored.
    assert client_ip("10.0.0.1", ["unknown, 198.51.100.7"], PROXIES) == ipaddress.ip_address(
        "198.51.100.7"
    )


def test_no_trusted_proxies_means_the_header_is_never_believed() -> None:
    assert client_ip("10.0.0.1", ["198.51.100.7"], ()) == ipaddress.ip_address("10.0.0.1")


def test_an_unreadable_peer_is_unknown() -> None:
    assert client_ip("testclient", ["198.51.100.7"], PROXIES) is None


@given(any_addresses)
def test_an_empty_allow_list_allows_everyone(address: IpAddress) -> None:
    assert is_allowed(address, ())


@given(public_addresses)
def test_an_allow_list_allows_only_its_networks(address: IpAddress) -> None:
    assert not is_allowed(address, PROXIES)
    assert is_allowed(address, (ipaddress.ip_network(address),))


def test_an_unknown_client_is_refused_by_an_allow_list() -> None:
    assert not is_allowed(None, PROXIES)
    assert is_allowed(None, ())
