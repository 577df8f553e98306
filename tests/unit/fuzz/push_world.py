"""A populated app for the push endpoint's robustness tests, and the endpoint's contract.

Every hotel and room type the seed messages name is mapped on one active connection, so a
mutated message gets past routing into decoding, mapping and the reservation ledger.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import uuid4

import attrs
import httpx
from litestar import Litestar
from litestar.testing import TestClient
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS, SOAP11_NS
from channel_manager.container import Container
from channel_manager.domain.connection import AuthMode, Connection, ConnectionStatus
from channel_manager.domain.mapping import PropertyMapping, UnitMapping
from channel_manager.entrypoints.asgi import build_asgi_app
from tests.support.containers import app_container, make_settings
from tests.support.database import Snapshot
from tests.unit.fuzz.ota_mutations import PAN, seeds

PATH = "/ota/booking/reservations"
AUTH = "Basic " + base64.b64encode(b"push-user:push-password").decode()
ANSWERS = {"OTA_HotelResNotifRS", "OTA_HotelResModifyNotifRS"}
RESERVATION_TABLES = (
    "reservations",
    "reservation_room_stays",
    "reservation_nightly_prices",
    "reservation_guests",
    "outbound_messages",
)


@attrs.frozen
class PushWorld:
    """The full app with every seed's hotel and room types mapped on one active connection."""

    client: TestClient[Litestar]
    container: Container


def _map_seed_hotels(container: Container) -> None:
    inventory = container.inventory()
    organization = inventory.ensure_organization("Pushed Hotels")
    now: datetime = container.clock().now()
    connection = Connection(
        id=uuid4(),
        organization_id=organization.id,
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        status=ConnectionStatus.ACTIVE,
        created_at=now,
    )
    hotels = {code: seed for seed in seeds() for code in seed.hotel_codes}
    with container.uow_factory()() as uow:
        uow.connections.add(connection)
        uow.commit()
    for hotel_code, seed in hotels.items():
        prop = inventory.create_property(organization.id, f"Hotel {hotel_code}", "EUR")
        mapping = PropertyMapping(
            id=uuid4(),
            connection_id=connection.id,
            internal_property_id=prop.id,
            external_property_id=hotel_code,
            created_at=now,
        )
        units = [
            (code, inventory.create_unit(organization.id, prop.id, code, count=5))
            for code in seed.room_type_codes
        ]
        with container.uow_factory()() as uow:
            uow.property_mappings.add(mapping)
            for code, unit in units:
                uow.unit_mappings.add(
                    UnitMapping(
                        id=uuid4(),
                        property_mapping_id=mapping.id,
                        internal_unit_id=unit.id,
                        external_room_type_id=code,
                        created_at=now,
                    )
                )
            uow.commit()


@contextmanager
def push_world() -> Iterator[PushWorld]:
    """The world, with the client open for the ``with`` block."""
    # Thousands of wrong Basic pairs from one client: the lockout has its own tests.
    settings = make_settings(
        {"CM_MAX_BODY_BYTES": "64KiB", "CM_AUTH_FAILURE_LIMIT": "1000000 per 15 minutes"}
    )
    container = app_container(settings=settings)
    _map_seed_hotels(container)
    with TestClient(build_asgi_app(container), raise_server_exceptions=False) as client:
        yield PushWorld(client, container)


def send_push(world: PushWorld, body: bytes, *, soap: bool) -> httpx.Response:
    """POST ``body`` with valid credentials, bare or wrapped in a SOAP 1.1 envelope, then
    apply the push inbox as the worker does at once (what is checked afterwards is what the
    push left once applied)."""
    headers = {"authorization": AUTH, "content-type": "application/xml"}
    if soap:
        body = (
            f'<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body>'.encode()
            + body.split(b"?>", 1)[-1]
            + b"</soap:Body></soap:Envelope>"
        )
        headers |= {"content-type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    response = world.client.post(PATH, content=body, headers=headers)
    inbox = world.container.push_inbox()
    while inbox.apply_due():
        pass
    return response


def ota_root(response: httpx.Response) -> etree._Element:
    """The OTA root element of an answer, unwrapped from SOAP if it came in an envelope."""
    root = etree.fromstring(response.content)
    if etree.QName(root).namespace == SOAP11_NS:
        payload = root.find(f"{{{SOAP11_NS}}}Body")
        assert payload is not None
        root = payload[0]
    return root


def _reservations(snapshot: Snapshot) -> dict[str, object]:
    return {table: snapshot.get(table, []) for table in RESERVATION_TABLES}


def without_log(snapshot: Snapshot) -> Snapshot:
    """``snapshot`` without the message log (which keeps refused messages, redacted)."""
    return {table: rows for table, rows in snapshot.items() if table != "message_log"}


def assert_ota_answer(response: httpx.Response, before: Snapshot, after: Snapshot) -> None:
    """The endpoint's contract for one answered push (see the endpoint's docstring)."""
    where = f"{response.status_code}: {response.text[:600]}"
    # 5xx tells the sender to resend: ours only, or "not yet" (a cancellation that overtook its
    # booking is answered 503 with Retry-After, so the sender resends it once the booking is here).
    not_yet = response.status_code == 503 and "retry-after" in response.headers
    assert response.status_code < 500 or not_yet, where
    assert b"Traceback" not in response.content, where
    assert response.headers["content-type"].split(";")[0] in {"application/xml", "text/xml"}
    root = ota_root(response)
    assert etree.QName(root).namespace == OTA_NS, where
    assert etree.QName(root).localname in ANSWERS, where
    success = root.find(f"{{{OTA_NS}}}Success")
    errors = root.findall(f"{{{OTA_NS}}}Errors/{{{OTA_NS}}}Error")
    if response.status_code == 200:
        assert success is not None, where
        assert not errors, where
    else:
        assert 400 <= response.status_code < 500 or not_yet, where
        assert success is None, where
        assert errors, where
        assert all((error.text or "").strip() for error in errors), where
        assert _reservations(after) == _reservations(before), f"refused but stored: {where}"


def _luhn_valid(digits: bytes) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = char - 0x30
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def assert_no_card_number_kept(sent: bytes, response: httpx.Response, after: Snapshot) -> None:
    """No card number (a Luhn-valid run of 13-19 digits, issue 12) that was sent is stored or
    echoed. Other long digit runs (booking ids, 9999999999999999) are kept on purpose."""
    stored = repr(after).encode()
    for number in {found for found in PAN.findall(sent) if _luhn_valid(found)}:
        assert number not in stored, f"card number {number!r} was stored"
        assert number not in response.content, f"card number {number!r} was echoed"
