"""Connecting a calendar feed: validation, organisation scoping, the sealed secret, and what
one transaction stores (connection, claim, mapping, calendar); listing and rotating."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest

from channel_manager.application.credentials import credential_ref
from channel_manager.application.errors import InvalidRequest
from channel_manager.application.feeds import MAX_NAME, mask_url
from channel_manager.domain.connection import AuthMode, ConnectionStatus
from channel_manager.domain.errors import InvalidValue, NotFound
from channel_manager.domain.feed import FEED_ROOM_CODE, FeedSecret, feed_hotel_code
from tests.support.feed_world import AIRBNB_URL, FEED_CHANNEL, PUBLIC_URL, FeedWorld, feed_world


@pytest.fixture
def world() -> Iterator[FeedWorld]:
    made = feed_world()
    yield made
    made.container.unwire()


def _token(export_url: str) -> str:
    assert export_url.startswith(PUBLIC_URL + "/ical/")
    assert export_url.endswith(".ics")
    return export_url.removeprefix(PUBLIC_URL + "/ical/").removesuffix(".ics")


def test_connect_stores_everything_in_one_go(world: FeedWorld) -> None:
    made = world.connect("Airbnb - Loft")
    connection = made.connection
    assert connection.channel == FEED_CHANNEL
    assert connection.auth_mode is AuthMode.FEED_URL
    assert connection.status is ConnectionStatus.ACTIVE
    assert connection.next_poll_at == world.clock.now()  # the first fetch is due at once
    token = _token(made.export_url)
    assert len(token) >= 40
    with world.container.uow_factory()() as uow:
        stored = uow.connections.get(connection.id)
        claim = uow.hotel_claims.find(FEED_CHANNEL, feed_hotel_code(connection.id))
        [mapping] = uow.property_mappings.list_by_connection(connection.id)
        [room] = uow.unit_mappings.list_by_property_mapping(mapping.id)
        feed = uow.calendar_feeds.get(connection.id)
    assert stored == connection
    assert claim is not None
    assert claim.connection_id == connection.id
    assert claim.organization_id == world.organization.id
    assert mapping.internal_property_id == world.property.id
    assert mapping.external_property_id == feed_hotel_code(connection.id)
    assert mapping.external_property_name == "Airbnb - Loft"
    assert room.internal_unit_id == world.loft.id
    assert room.external_room_type_id == FEED_ROOM_CODE
    assert feed.unit_id == world.loft.id
    assert feed.name == "Airbnb - Loft"
    assert feed.export_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert made.feed == feed
    assert (made.unit_name, made.property_name) == ("Loft", "Sea View")


def test_the_import_url_is_sealed_and_never_handed_back(world: FeedWorld) -> None:
    made = world.connect()
    token = _token(made.export_url)
    ref = credential_ref(made.connection.id)
    assert made.connection.credential_ref == ref
    with world.container.uow_factory()() as uow:
        sealed = uow.secrets.get(ref)
    assert b"airbnb" not in sealed
    assert token.encode() not in sealed
    opened = FeedSecret.from_bytes(world.container.credentials().load(ref))
    assert (opened.import_url, opened.export_token) == (AIRBNB_URL, token)
    assert made.import_url_masked == "https://www.airbnb.com/…"
    for view in (made, world.feeds.get(world.organization.id, made.connection.id)):
        assert "12345" not in repr(view)
        assert "secret" not in str(attrs.asdict(view))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host.example:8443/a/b?c", "https://host.example:8443/…"),
        ("https://www.airbnb.com/calendar/ical/1.ics?s=secret", "https://www.airbnb.com/…"),
        ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/…"),
        ("not a url", "…"),
        ("http://[::1", "…"),
    ],
)
def test_masking_keeps_scheme_host_and_port_only(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"name": "  "}, InvalidRequest, "name"),
        ({"name": "x" * (MAX_NAME + 1)}, InvalidRequest, "name"),
        ({"import_url": "ftp://example.com/cal.ics"}, InvalidValue, "https://"),
        ({"import_url": "https://u:p@example.com/cal.ics"}, InvalidValue, "password"),
        ({"import_url": "http://127.0.0.1:8080/cal.ics"}, InvalidValue, "not allowed"),
        ({"channel": "booking"}, InvalidRequest, "calendar URL"),
        ({"channel": "nowhere"}, InvalidRequest, "'ical'"),
    ],
)
def test_connect_refuses_bad_input_and_stores_nothing(
    world: FeedWorld, changes: dict[str, str], error: type[Exception], words: str
) -> None:
    given: dict[str, Any] = {
        "channel": FEED_CHANNEL,
        "name": "Airbnb",
        "import_url": AIRBNB_URL,
    } | changes
    with pytest.raises(error, match=words):
        world.feeds.connect(world.organization.id, unit_id=world.loft.id, **given)
    assert world.feeds.list(world.organization.id) == []


def test_another_organisations_unit_is_not_found(world: FeedWorld) -> None:
    other = world.container.inventory().ensure_organization("Someone Else")
    with pytest.raises(NotFound):
        world.feeds.connect(
            other.id,
            channel=FEED_CHANNEL,
            name="Airbnb",
            unit_id=world.loft.id,
            import_url=AIRBNB_URL,
        )
    with world.container.uow_factory()() as uow:
        assert uow.connections.list(other.id) == []
        assert uow.calendar_feeds.list_by_unit(world.loft.id) == []


def test_list_and_get_are_scoped_and_leave_revoked_out(world: FeedWorld) -> None:
    first = world.connect("Airbnb")
    world.clock.advance(timedelta(minutes=1))
    second = world.connect("Vrbo", unit=world.apartments)
    listed = world.feeds.list(world.organization.id)
    assert [f.connection.id for f in listed] == [first.connection.id, second.connection.id]
    assert [f.export_url for f in listed] == [first.export_url, second.export_url]
    other = world.container.inventory().ensure_organization("Someone Else")
    assert world.feeds.list(other.id) == []
    with pytest.raises(NotFound):
        world.feeds.get(other.id, first.connection.id)
    with pytest.raises(NotFound):
        world.feeds.get(world.organization.id, world.booking.id)  # not a calendar
    with world.container.uow_factory()() as uow:
        uow.connections.update(first.connection.revoke(world.clock.now()))
        uow.commit()
    assert [f.connection.id for f in world.feeds.list(world.organization.id)] == [
        second.connection.id
    ]
    with pytest.raises(NotFound):
        world.feeds.get(world.organization.id, first.connection.id)


def test_rotating_the_export_url_retires_the_old_one(world: FeedWorld) -> None:
    made = world.connect()
    old = _token(made.export_url)
    assert world.feeds.export(old).body
    rotated = world.feeds.rotate_export(world.organization.id, made.connection.id)
    new = _token(rotated.export_url)
    assert new != old
    with pytest.raises(NotFound):
        world.feeds.export(old)
    assert world.feeds.export(new).body
    secret = FeedSecret.from_bytes(
        world.container.credentials().load(credential_ref(made.connection.id))
    )
    assert (secret.import_url, secret.export_token) == (AIRBNB_URL, new)
    assert world.feeds.get(world.organization.id, made.connection.id).export_url == (
        rotated.export_url
    )


def test_only_the_owner_rotates(world: FeedWorld) -> None:
    made = world.connect()
    other = world.container.inventory().ensure_organization("Someone Else")
    with pytest.raises(NotFound):
        world.feeds.rotate_export(other.id, made.connection.id)
    assert world.feeds.export(_token(made.export_url)).body
