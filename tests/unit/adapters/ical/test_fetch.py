"""Fetching feed URLs: addresses refused (also after DNS and redirects), limits, statuses.

The HTTP tests run against a real server on 127.0.0.1 (``feed_server``), allowed through
``allowed_networks`` as the sandbox allows it through ``CM_FETCH_ALLOWED_NETWORKS``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from channel_manager.adapters.addresses import FeedAddressRefused, Resolver, parse_networks
from channel_manager.adapters.ical.fetch import FeedFetcher, FetchedFeed, FetchPolicy
from channel_manager.adapters.ical.reader import HttpFeedReader
from channel_manager.domain.errors import (
    InvalidValue,
    PermanentChannelError,
    RetryableChannelError,
)
from channel_manager.domain.feed import (
    FeedEventKind,
    FeedNotModified,
    FeedSnapshot,
    FeedValidators,
)
from tests.support.clock import MovableClock
from tests.support.network import free_port
from tests.unit.adapters.ical import feed_server, tls
from tests.unit.adapters.ical.feed_server import ETAG, LAST_MODIFIED, FeedServer
from tests.unit.adapters.ical.samples import AIRBNB

LOOPBACK = (ipaddress.IPv4Network("127.0.0.1/32"),)
SECRET = "s=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def resolver(answers: Mapping[str, Sequence[str]]) -> Resolver:
    """A DNS that knows only ``answers`` (the tests' made-up names)."""

    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers[host]

    return resolve


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running, thread = feed_server.start()
    yield running
    feed_server.stop(running, thread)


@pytest.fixture
async def fetcher() -> AsyncIterator[FeedFetcher]:
    fetching = FeedFetcher(
        FetchPolicy(allowed_networks=LOOPBACK, timeout=5.0),
        resolver=resolver({"feeds.test": ["127.0.0.1"], "metadata.test": ["169.254.169.254"]}),
    )
    yield fetching
    await fetching.aclose()


# -- check_url: no I/O ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        (
            "https://www.airbnb.com/calendar/ical/12345.ics?s=abc",
            "https://www.airbnb.com/calendar/ical/12345.ics?s=abc",
        ),
        ("  HTTP://Calendar.Example.COM/feed.ics  ", "http://calendar.example.com/feed.ics"),
        (
            "webcal://p12-caldav.icloud.com/published/2/abc",
            "https://p12-caldav.icloud.com/published/2/abc",
        ),
        ("https://example.com/feed.ics#frag", "https://example.com/feed.ics"),
        ("http://93.184.216.34/feed.ics", "http://93.184.216.34/feed.ics"),
    ],
)
def test_check_url_normalises_good_urls(url: str, normalised: str) -> None:
    assert FeedFetcher(FetchPolicy()).check_url(url) == normalised


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/feed.ics", "https:// or http://"),
        ("file:///etc/passwd", "https:// or http://"),
        ("javascript:alert(1)", "https:// or http://"),
        ("example.com/feed.ics", "https:// or http://"),
        ("https:///feed.ics", "no host"),
        ("https://user:secret@example.com/feed.ics", "user name or password"),
        ("http://127.0.0.1/feed.ics", "not allowed"),
        ("http://10.1.2.3/feed.ics", "not allowed"),
        ("http://192.168.0.10:8080/feed.ics", "not allowed"),
        ("http://169.254.169.254/latest/meta-data/", "not allowed"),
        ("http://[::1]/feed.ics", "not allowed"),
        ("http://[::ffff:10.0.0.1]/feed.ics", "not allowed"),
        ("http://[fe80::1]/feed.ics", "not allowed"),
        ("http://[fd00::1]/feed.ics", "not allowed"),
        ("http://0.0.0.0/feed.ics", "not allowed"),
        ("http://100.64.0.1/feed.ics", "not allowed"),
        ("http://224.0.0.1/feed.ics", "not allowed"),
        ("http://[2002:7f00:1::]/feed.ics", "not allowed"),
    ],
)
def test_check_url_refuses_what_cannot_be_fetched(url: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message) as raised:
        FeedFetcher(FetchPolicy()).check_url(url)

    assert "secret" not in str(raised.value)


def test_check_url_names_the_setting_that_allows_a_private_network() -> None:
    with pytest.raises(InvalidValue, match="CM_FETCH_ALLOWED_NETWORKS"):
        FeedFetcher(FetchPolicy()).check_url("http://10.0.0.8/feed.ics")

    allowed = FetchPolicy(allowed_networks=(ipaddress.IPv4Network("10.0.0.0/8"),))
    assert FeedFetcher(allowed).check_url("http://10.0.0.8/feed.ics") == "http://10.0.0.8/feed.ics"


def test_the_allowed_networks_setting_is_parsed() -> None:
    assert parse_networks(" 127.0.0.1/32, 10.0.0.0/8 ::1\n") == (
        ipaddress.IPv4Network("127.0.0.1/32"),
        ipaddress.IPv4Network("10.0.0.0/8"),
        ipaddress.IPv6Network("::1/128"),
    )
    assert parse_networks("") == ()
    with pytest.raises(InvalidValue, match="CM_FETCH_ALLOWED_NETWORKS: 'intranet'"):
        parse_networks("10.0.0.0/8, intranet")


# -- addresses at fetch time ---------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["10.0.0.7"],
        ["169.254.169.254"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["fe80::1%2"],
        # Every address must be allowed, not just the first.
        ["93.184.216.34", "192.168.1.1"],
    ],
)
async def test_a_name_resolving_to_an_address_not_allowed_is_refused(answers: list[str]) -> None:
    fetching = FeedFetcher(FetchPolicy(), resolver=resolver({"calendar.example": answers}))
    try:
        with pytest.raises(FeedAddressRefused) as raised:
            await fetching.fetch(f"https://calendar.example/ical/1.ics?{SECRET}", FeedValidators())
    finally:
        await fetching.aclose()

    message = str(raised.value)
    assert "https://calendar.example" in message
    assert "not allowed" in message
    assert "CM_FETCH_ALLOWED_NETWORKS" in message
    assert SECRET not in message
    assert "/ical/" not in message
    assert isinstance(raised.value, PermanentChannelError)


async def test_a_literal_address_not_allowed_is_refused_at_fetch_time_too() -> None:
    fetching = FeedFetcher(FetchPolicy())
    try:
        with pytest.raises(PermanentChannelError, match="not allowed"):
            await fetching.fetch("http://169.254.169.254/latest/meta-data/", FeedValidators())
    finally:
        await fetching.aclose()


async def test_an_unknown_name_is_retryable(fetcher: FeedFetcher) -> None:
    with pytest.raises(RetryableChannelError, match=r"could not resolve https://nowhere\.test"):
        await fetcher.fetch("https://nowhere.test/feed.ics", FeedValidators())


async def test_the_checked_address_is_connected_to_and_the_name_kept_in_host(
    server: FeedServer, fetcher: FeedFetcher
) -> None:
    # feeds.test exists only in the injected resolver: the answer can only come from
    # connecting to the address that was checked.
    fetched = await fetcher.fetch(f"http://feeds.test:{server.port}/feed", FeedValidators())

    assert isinstance(fetched, FetchedFeed)
    assert fetched.body == AIRBNB
    ((path, headers),) = server.requests
    assert path == "/feed"
    assert headers["Host"] == f"feeds.test:{server.port}"


# -- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/feed",
        "http://metadata.test/latest/meta-data/",
        "http://[::1]:{port}/feed",
        "http://10.0.0.1/feed",
    ],
)
async def test_a_redirect_to_an_address_not_allowed_is_refused(
    server: FeedServer, fetcher: FeedFetcher, target: str
) -> None:
    location = target.format(port=server.port)

    with pytest.raises(FeedAddressRefused):
        await fetcher.fetch(f"{server.base}/redirect?to={location}", FeedValidators())

    assert [path for path, _ in server.requests] == [f"/redirect?to={location}"]


async def test_a_redirect_to_another_scheme_is_refused(
    server: FeedServer, fetcher: FeedFetcher
) -> None:
    with pytest.raises(PermanentChannelError, match="https:// or http://"):
        await fetcher.fetch(f"{server.base}/redirect?to=file:///etc/passwd", FeedValidators())


async def test_redirects_are_followed_up_to_the_limit(server: FeedServer) -> None:
    fetching = FeedFetcher(FetchPolicy(allowed_networks=LOOPBACK, max_redirects=3))
    try:
        fetched = await fetching.fetch(f"{server.base}/chain/3", FeedValidators())
        assert isinstance(fetched, FetchedFeed)
        with pytest.raises(PermanentChannelError, match="redirected more than 3 times"):
            await fetching.fetch(f"{server.base}/chain/4", FeedValidators())
    finally:
        await fetching.aclose()


async def test_a_redirect_loop_is_refused(server: FeedServer, fetcher: FeedFetcher) -> None:
    with pytest.raises(PermanentChannelError, match="redirected in a loop"):
        await fetcher.fetch(f"{server.base}/loop/a", FeedValidators())

    assert [path for path, _ in server.requests] == ["/loop/a", "/loop/b"]


# -- answers -------------------------------------------------------------------------------


async def test_the_user_agent_is_sent(server: FeedServer, fetcher: FeedFetcher) -> None:
    await fetcher.fetch(f"{server.base}/feed", FeedValidators())

    ((_, headers),) = server.requests
    assert headers["User-Agent"] == "channel-manager/1 (+calendar import)"


async def test_validators_make_the_get_conditional_and_304_is_not_modified(
    server: FeedServer, fetcher: FeedFetcher
) -> None:
    first = await fetcher.fetch(f"{server.base}/feed", FeedValidators())
    assert isinstance(first, FetchedFeed)
    assert first.validators == FeedValidators(etag=ETAG, last_modified=LAST_MODIFIED)

    second = await fetcher.fetch(f"{server.base}/feed", first.validators)

    assert second == FeedNotModified(validators=FeedValidators(etag=ETAG))
    _, headers = server.requests[1]
    assert headers["If-None-Match"] == ETAG
    assert headers["If-Modified-Since"] == LAST_MODIFIED


@pytest.mark.parametrize("declare", ["0", "1"])
async def test_a_body_over_the_size_limit_is_refused(server: FeedServer, declare: str) -> None:
    fetching = FeedFetcher(FetchPolicy(allowed_networks=LOOPBACK, max_bytes=10_000))
    try:
        small = await fetching.fetch(
            f"{server.base}/big?length=9000&declare={declare}", FeedValidators()
        )
        assert isinstance(small, FetchedFeed)
        with pytest.raises(PermanentChannelError, match="feed larger than 10000 bytes"):
            await fetching.fetch(
                f"{server.base}/big?length=50000&declare={declare}", FeedValidators()
            )
    finally:
        await fetching.aclose()


@pytest.mark.parametrize("status", [500, 502, 503, 408])
async def test_server_errors_are_retryable(
    server: FeedServer, fetcher: FeedFetcher, status: int
) -> None:
    with pytest.raises(RetryableChannelError, match=f"HTTP {status}"):
        await fetcher.fetch(f"{server.base}/status/{status}", FeedValidators())


async def test_429_is_retryable_after_the_time_it_asks(
    server: FeedServer, fetcher: FeedFetcher
) -> None:
    with pytest.raises(RetryableChannelError) as raised:
        await fetcher.fetch(f"{server.base}/status/429?retry_after=120", FeedValidators())

    assert raised.value.retry_after == timedelta(seconds=120)


@pytest.mark.parametrize("status", [404, 403, 410, 401])
async def test_client_errors_are_permanent_and_name_the_status_not_the_url(
    server: FeedServer, fetcher: FeedFetcher, status: int
) -> None:
    with pytest.raises(PermanentChannelError) as raised:
        await fetcher.fetch(f"{server.base}/status/{status}?{SECRET}", FeedValidators())

    assert raised.value.code == f"http_{status}"
    assert f"HTTP {status}" in str(raised.value)
    assert SECRET not in str(raised.value)
    assert "/status/" not in str(raised.value)


async def test_a_timeout_is_retryable(server: FeedServer) -> None:
    fetching = FeedFetcher(FetchPolicy(allowed_networks=LOOPBACK, timeout=0.3))
    try:
        with pytest.raises(RetryableChannelError, match="did not answer in time"):
            await fetching.fetch(f"{server.base}/slow", FeedValidators())
    finally:
        await fetching.aclose()


async def test_the_whole_fetch_has_a_deadline(server: FeedServer) -> None:
    fetching = FeedFetcher(FetchPolicy(allowed_networks=LOOPBACK, timeout=5.0, deadline=0.3))
    try:
        with pytest.raises(RetryableChannelError, match=r"took longer than 0\.3 s"):
            await fetching.fetch(f"{server.base}/slow", FeedValidators())
    finally:
        await fetching.aclose()


async def test_a_refused_connection_is_retryable(fetcher: FeedFetcher) -> None:
    with pytest.raises(RetryableChannelError, match="could not be reached"):
        await fetcher.fetch(f"http://127.0.0.1:{free_port()}/feed", FeedValidators())


# -- the reader ----------------------------------------------------------------------------


async def test_the_reader_fetches_and_parses_into_a_snapshot(server: FeedServer) -> None:
    reader = HttpFeedReader(FetchPolicy(allowed_networks=LOOPBACK), clock=MovableClock())
    zone = ZoneInfo("Europe/Amsterdam")
    try:
        snapshot = await reader.read(f"{server.base}/feed", FeedValidators(), zone=zone)
        again = await reader.read(f"{server.base}/feed", FeedValidators(etag=ETAG), zone=zone)
        shifted = await reader.read(
            f"{server.base}/feed", FeedValidators(), zone=zone, end_is_last_night=True
        )
    finally:
        await reader.aclose()

    assert isinstance(snapshot, FeedSnapshot)
    assert [event.kind for event in snapshot.events] == [FeedEventKind.STAY, FeedEventKind.BLOCK]
    assert snapshot.events[0].confirmation_code == "HMXK4T2Q9Z"
    assert snapshot.size == len(AIRBNB)
    assert snapshot.validators == FeedValidators(etag=ETAG, last_modified=LAST_MODIFIED)
    assert snapshot.producer == "-//Airbnb Inc//Hosting Calendar 0.8.8//EN"
    assert isinstance(again, FeedNotModified)
    assert isinstance(shifted, FeedSnapshot)
    assert shifted.events[0].end == snapshot.events[0].end + timedelta(days=1)


async def test_the_reader_refuses_a_page_that_is_not_a_calendar(server: FeedServer) -> None:
    reader = HttpFeedReader(FetchPolicy(allowed_networks=LOOPBACK), clock=MovableClock())
    try:
        with pytest.raises(PermanentChannelError, match="not an iCalendar feed"):
            await reader.read(f"{server.base}/login", FeedValidators(), zone=ZoneInfo("UTC"))
    finally:
        await reader.aclose()


def test_the_reader_checks_urls_without_io() -> None:
    reader = HttpFeedReader(FetchPolicy(), clock=MovableClock())

    assert reader.check_url("webcal://example.com/a.ics") == "https://example.com/a.ics"
    with pytest.raises(InvalidValue):
        reader.check_url("http://localhost.localdomain@10.0.0.1/")


# -- https: the name is verified although the connection goes to the checked address -------


async def test_https_verifies_the_certificate_for_the_name_not_the_address(
    tmp_path: Path,
) -> None:
    server_context, client_context = tls.contexts("feeds.test", tmp_path)
    running, thread = feed_server.start(server_context)
    answers = {"feeds.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]}
    fetching = FeedFetcher(
        FetchPolicy(allowed_networks=LOOPBACK), resolver=resolver(answers), verify=client_context
    )
    try:
        fetched = await fetching.fetch(f"https://feeds.test:{running.port}/feed", FeedValidators())
        assert isinstance(fetched, FetchedFeed)
        assert fetched.body == AIRBNB
        # The same address under a name the certificate does not hold: refused by TLS.
        with pytest.raises(RetryableChannelError, match=r"https://other\.test"):
            await fetching.fetch(f"https://other.test:{running.port}/feed", FeedValidators())
    finally:
        await fetching.aclose()
        feed_server.stop(running, thread)

    assert [headers["Host"] for _, headers in running.requests] == [f"feeds.test:{running.port}"]
