"""The webhook transport's address rules (issue 18): the same as feed fetching, checked at
subscription and again at every delivery after DNS resolution; https unless the address is
in an allowed network; redirects never followed."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Sequence

import pytest

from channel_manager.adapters.webhooks.http import HttpWebhookTransport
from channel_manager.domain.errors import (
    InvalidValue,
    PermanentChannelError,
    RetryableChannelError,
)
from tests.support.network import free_port
from tests.support.webhooks import WebhookReceiver

LOCAL = (ipaddress.ip_network("127.0.0.1/32"),)


class Dns:
    """A resolver whose answers a test sets."""

    def __init__(self, *answers: str) -> None:
        self.answers: Sequence[str] = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        return self.answers


async def test_a_public_https_url_is_taken_normalised() -> None:
    transport = HttpWebhookTransport((), resolver=Dns("93.184.216.34"))
    assert (
        await transport.check(" HTTPS://hooks.example.com/in#x ") == "https://hooks.example.com/in"
    )
    await transport.aclose()


@pytest.mark.parametrize(
    ("url", "answers", "reason"),
    [
        ("https://hooks.example.com/", ("10.0.0.5",), "not allowed"),
        ("https://hooks.example.com/", ("93.184.216.34", "127.0.0.1"), "not allowed"),
        ("https://169.254.169.254/latest/meta-data", (), "not allowed"),
        ("https://[::ffff:127.0.0.1]/", (), "not allowed"),
        ("https://hooks.example.com/", (), "resolves to no address"),
        ("http://hooks.example.com/", ("93.184.216.34",), "must use https"),
        ("ftp://hooks.example.com/", ("93.184.216.34",), "must start with https"),
        ("https://user:pw@hooks.example.com/", ("93.184.216.34",), "user name or password"),
        ("https://", (), "no host|not a valid URL"),
    ],
)
async def test_a_url_that_may_not_be_reached_is_refused_with_a_reason(
    url: str, answers: tuple[str, ...], reason: str
) -> None:
    transport = HttpWebhookTransport((), resolver=Dns(*answers))
    with pytest.raises(InvalidValue, match=reason):
        await transport.check(url)
    await transport.aclose()


async def test_an_allowed_network_may_use_http_and_a_redirect_is_not_followed() -> None:
    with WebhookReceiver(status=302) as receiver:
        transport = HttpWebhookTransport(LOCAL, resolver=Dns("127.0.0.1"))
        assert await transport.check(receiver.url) == receiver.url
        named = receiver.url.replace("127.0.0.1", "receiver.test")
        status = await transport.post(named, b'{"a":1}', {"Webhook-Id": "1"})
        await transport.aclose()
    assert status == 302
    [got] = receiver.received
    assert got.body == b'{"a":1}'
    assert got.headers["Webhook-Id"] == "1"
    assert got.headers["Host"].startswith("receiver.test:")


async def test_every_delivery_checks_the_address_again() -> None:
    dns = Dns("127.0.0.1")
    transport = HttpWebhookTransport(LOCAL, resolver=dns)
    url = f"http://receiver.test:{free_port()}/hooks"
    assert await transport.check(url) == url
    dns.answers = ("169.254.169.254",)  # the name now leads to the metadata service
    with pytest.raises(PermanentChannelError, match="not allowed"):
        await transport.post(url, b"{}", {})
    dns.answers = ("127.0.0.1",)
    with pytest.raises(RetryableChannelError, match="could not be reached"):
        await transport.post(url, b"{}", {})  # nobody listens there
    await transport.aclose()


async def test_a_receiver_that_never_answers_is_given_up_within_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections (the kernel does), never answers
        port = silent.getsockname()[1]
        transport = HttpWebhookTransport(LOCAL, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(RetryableChannelError, match="did not answer in time"):
            await transport.post(f"http://127.0.0.1:{port}/hooks", b"{}", {})
        assert time.monotonic() - started < 2
        await transport.aclose()
