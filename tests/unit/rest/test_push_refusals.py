"""The push endpoint refuses strangers and hostile bodies with an OTA error, storing nothing."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from channel_manager.container import Container
from tests.support.containers import app_container, make_settings
from tests.unit.ota.samples import OtaSchemas
from tests.unit.rest.conftest import (
    PEER_HEADER,
    MappedHotel,
    PushClient,
    client_for,
    map_hotel,
    row_counts,
)
from tests.unit.rest.messages import ALLOWED_PEER, PASSWORD, USER, ota_errors, res_notif, unwrap

PATH = "/ota/booking/reservations"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def post(
    client: PushClient,
    body: bytes | Iterator[bytes],
    *,
    peer: str = ALLOWED_PEER,
    authorization: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {PEER_HEADER: peer, "content-type": "application/xml", **(headers or {})}
    sent["authorization"] = authorization or basic(USER, PASSWORD)
    return client.post(PATH, content=body, headers=sent)


def assert_refused(
    response: httpx.Response,
    status: int,
    code: str,
    ota_schemas: OtaSchemas,
    *,
    soap: bool = False,
) -> str:
    """The response has ``status`` and one OTA error with ``code``; returns its text."""
    assert response.status_code == status, response.text
    body = response.content
    root, wrapped = unwrap(body)
    assert wrapped is soap
    ota_schemas.assert_valid(etree.tostring(root))
    [error] = ota_errors(body)
    assert error.get("Code") == code
    assert len(error.get("ShortText", "")) <= 64
    return error.text or ""


# --- who may push -----------------------------------------------------------------------------


def test_missing_credentials_get_401_with_a_basic_challenge(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    before = row_counts(container)
    response = client.post(PATH, content=res_notif(), headers={PEER_HEADER: ALLOWED_PEER})
    assert_refused(response, 401, "497", ota_schemas)
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert row_counts(container) == before


@pytest.mark.parametrize(
    "authorization",
    [
        basic(USER, "wrong-password"),
        basic("someone-else", PASSWORD),
        basic(USER, PASSWORD + "x"),
        "Basic not-base64!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
    ],
)
def test_bad_credentials_get_401_and_store_nothing(
    client: PushClient,
    hotel: MappedHotel,
    container: Container,
    ota_schemas: OtaSchemas,
    authorization: str,
) -> None:
    before = row_counts(container)
    response = post(client, res_notif(), authorization=authorization)
    assert_refused(response, 401, "497", ota_schemas)
    assert row_counts(container) == before


@pytest.mark.parametrize(
    "authorization",
    [b"Basic \xff\xfe\xfd", b"Basic " + "pässwörd".encode("latin-1")],
    ids=["raw-bytes", "latin-1"],
)
def test_non_ascii_credentials_get_401_not_a_server_error(
    client: PushClient,
    hotel: MappedHotel,
    container: Container,
    ota_schemas: OtaSchemas,
    authorization: bytes,
) -> None:
    """Header bytes beyond ASCII reach the gate as Latin-1 text, which base64 refuses with a
    plain ValueError (not binascii.Error): that was a 500."""
    before = row_counts(container)
    headers = {PEER_HEADER: ALLOWED_PEER, "content-type": "application/xml"}
    response = client.post(
        PATH,
        content=res_notif(),
        # httpx sends str and bytes values alike; the raw bytes are the point of the test.
        headers={**headers, "authorization": authorization},  # type: ignore[arg-type]
    )
    assert_refused(response, 401, "497", ota_schemas)
    assert row_counts(container) == before


def test_a_foreign_address_gets_403_even_with_good_credentials(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    before = row_counts(container)
    response = post(client, res_notif(), peer="203.0.113.9")
    text = assert_refused(response, 403, "497", ota_schemas)
    assert "203.0.113.9" in text
    assert row_counts(container) == before


def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    before = row_counts(container)
    response = post(
        client, res_notif(), peer="203.0.113.9", headers={"x-forwarded-for": ALLOWED_PEER}
    )
    assert_refused(response, 403, "497", ota_schemas)
    assert row_counts(container) == before


def test_a_trusted_proxy_passes_on_the_allowed_client(
    client: PushClient, hotel: MappedHotel
) -> None:
    response = post(
        client,
        res_notif(),
        peer="10.0.0.2",
        headers={"x-forwarded-for": f"203.0.113.66, {ALLOWED_PEER}, 10.0.0.1"},
    )
    assert response.status_code == 200, response.text


def test_a_trusted_proxy_forwarding_a_foreign_client_gets_403(
    client: PushClient, hotel: MappedHotel, container: Container, ota_schemas: OtaSchemas
) -> None:
    before = row_counts(container)
    response = post(
        client, res_notif(), peer="10.0.0.2", headers={"x-forwarded-for": "203.0.113.66"}
    )
    assert_refused(response, 403, "497", ota_schemas)
    assert row_counts(container) == before


def test_without_configured_credentials_everything_is_refused(ota_schemas: OtaSchemas) -> None:
    container = app_container(
        settings=make_settings({"CM_PUSH_USERNAME": "", "CM_PUSH_PASSWORD": ""})
    )
    map_hotel(container)
    before = row_counts(container)
    with client_for(container) as client:
        for authorization in (basic(USER, PASSWORD), basic("", ""), None):
            response = post(client, res_notif(), authorization=authorization)
            text = assert_refused(response, 503, "448", ota_schemas)
            assert "CM_PUSH_USERNAME" in text
    assert row_counts(container) == before


def test_a_refused_soap_sender_gets_a_soap_answer(
    client: PushClient, hotel: MappedHotel, ota_schemas: OtaSchemas
) -> None:
    response = post(
        client, res_notif(soap=True), authorization=basic(USER, "nope"), headers={"SOAPAction": ""}
    )
    assert_refused(response, 401, "497", ota_schemas, soap=True)
    assert response.headers["content-type"].startswith("text/xml")


# --- hostile and malformed bodies -------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05">&lol9;</OTA_HotelResNotifRQ>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" EchoToken="&xxe;">
  <HotelReservations><HotelReservation><ResGlobalInfo><Comments><Comment><Text>&xxe;</Text>
  </Comment></Comments></ResGlobalInfo></HotelReservation></HotelReservations>
</OTA_HotelResNotifRQ>"""

DOCTYPE_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE OTA_HotelResNotifRQ SYSTEM "http://attacker.example/ota.dtd">
""" + res_notif().split(b"\n", 1)[1]

DEEP = b"<OTA_HotelResNotifRQ>" + b"<a>" * 200 + b"</a>" * 200 + b"</OTA_HotelResNotifRQ>"

HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "external entity": EXTERNAL_ENTITY,
    "doctype": DOCTYPE_ONLY,
    "not xml": b"this is not XML at all {json: true}",
    "empty": b"",
    "truncated": res_notif()[:300],
    "too deep": DEEP,
    "wrong message": b'<OTA_HotelAvailNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05"/>',
}


@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_or_malformed_bodies_get_400_and_store_nothing(
    client: PushClient,
    hotel: MappedHotel,
    container: Container,
    ota_schemas: OtaSchemas,
    body: bytes,
) -> None:
    before = row_counts(container)
    response = post(client, body)
    text = assert_refused(response, 400, "450", ota_schemas)
    assert text
    assert b"root:" not in response.content
    assert row_counts(container) == before


@pytest.fixture
def small_body_container() -> Container:
    container = app_container(settings=make_settings({"CM_MAX_BODY_BYTES": "4KiB"}))
    map_hotel(container)
    return container


def test_an_oversize_body_gets_413_and_stores_nothing(
    small_body_container: Container, ota_schemas: OtaSchemas
) -> None:
    padding = b"<!--" + b"x" * 8192 + b"-->"
    before = row_counts(small_body_container)
    with client_for(small_body_container) as client:
        response = post(client, res_notif() + padding)
        assert_refused(response, 413, "450", ota_schemas)
        # Without a Content-Length (chunked) the limit holds while streaming.
        streamed = post(client, iter([res_notif(), padding, padding]))
        assert_refused(streamed, 413, "450", ota_schemas)
        # The same message without padding fits.
        assert post(client, res_notif()).status_code == 200
    after = row_counts(small_body_container)
    assert after != before  # only the accepted message was stored
