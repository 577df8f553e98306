"""A push carrying reservations for several organisations' hotels is logged for each with only
its own reservations (issue 12 §4): the guests of one hotel never reach another's message log,
whether the push is committed or fails."""

from __future__ import annotations

import copy

import pytest
from dependency_injector import providers
from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.container import Container
from channel_manager.domain.messages import MessageDirection
from tests.unit.rest.conftest import (
    HOTEL_CODE,
    MappedHotel,
    PushClient,
    apply_pushes,
    client_for,
    map_hotel,
)
from tests.unit.rest.messages import CARD_NUMBER, res_notif
from tests.unit.rest.test_push_reservations import (
    RES_ID,
    FailingIntake,
    message_log,
    push,
    stored,
)

OTHER_HOTEL = "7654321"
OTHER_RES_ID = "4999000111"
OTHER_GUEST = "Bram Stoker-Jansen"
OTHER_REMARK = "allergic to feathers, room 12 please"


def two_organisations_message() -> bytes:
    """``res_notif()`` (Anna de Vries at HOTEL_CODE) plus a second reservation, another
    guest with a remark, at OTHER_HOTEL (held by another organisation)."""
    root = etree.fromstring(res_notif(comment="first floor please"))
    reservations = root.find(f"{{{OTA_NS}}}HotelReservations")
    assert reservations is not None
    theirs = copy.deepcopy(reservations[0])
    for element in theirs.iter(f"{{{OTA_NS}}}BasicPropertyInfo"):
        element.set("HotelCode", OTHER_HOTEL)
    for element in theirs.iter(f"{{{OTA_NS}}}HotelReservationID"):
        element.set("ResID_Value", OTHER_RES_ID)
    for element in theirs.iter(f"{{{OTA_NS}}}CardHolderName"):
        element.text = OTHER_GUEST
    for element in theirs.iter(f"{{{OTA_NS}}}Text"):
        element.text = OTHER_REMARK
    reservations.append(theirs)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


OURS = ("Anna de Vries", RES_ID, "first floor please")
THEIRS = (OTHER_GUEST, OTHER_RES_ID, OTHER_REMARK)


@pytest.fixture
def other(container: Container) -> MappedHotel:
    """OTHER_HOTEL mapped by a second organisation."""
    return map_hotel(container, OTHER_HOTEL)


def assert_only_own(container: Container, hotel: MappedHotel, own: tuple[str, ...]) -> None:
    entries = message_log(container, hotel)
    assert [e.direction for e in entries] == [MessageDirection.INBOUND, MessageDirection.OUTBOUND]
    foreign = THEIRS if own == OURS else OURS
    inbound = entries[0].body
    for word in own:
        assert word in inbound, (word, inbound)
    for entry in entries:
        for word in foreign:
            assert word not in entry.body, (word, entry.body)
        assert CARD_NUMBER not in entry.body


def test_a_committed_push_is_logged_per_organisation_with_its_own_reservations_only(
    client: PushClient, hotel: MappedHotel, other: MappedHotel, container: Container
) -> None:
    assert hotel.organization_id != other.organization_id
    response = push(client, two_organisations_message())
    assert response.status_code == 200, response.text
    apply_pushes(container)

    assert_only_own(container, hotel, OURS)
    assert_only_own(container, other, THEIRS)
    # Each reservation links the entry of its own organisation.
    ours, theirs = stored(container, hotel), stored(container, other, OTHER_RES_ID)
    assert ours is not None
    assert theirs is not None
    assert ours.raw_message_id == message_log(container, hotel)[0].id
    assert theirs.raw_message_id == message_log(container, other)[0].id
    # What each logged is still the message, cut: well-formed with one reservation in it.
    for logged in (message_log(container, hotel)[0], message_log(container, other)[0]):
        root = etree.fromstring(logged.body.encode())
        assert len(root.findall(f".//{{{OTA_NS}}}HotelReservation")) == 1


def test_a_failed_push_is_shown_to_each_organisation_with_its_own_reservations_only(
    container: Container, hotel: MappedHotel, other: MappedHotel
) -> None:
    failing = FailingIntake(container.uow_factory(), container.ids(), container.availability())
    container.intake.override(providers.Object(failing))
    with client_for(container) as client:
        response = push(client, two_organisations_message())
    assert response.status_code == 200
    apply_pushes(container)

    # Nothing applied, nothing logged yet; the inbox row is each one's to see, cut.
    assert message_log(container, hotel) == message_log(container, other) == []
    inbox = container.push_inbox()
    [ours] = inbox.list(organization_id=hotel.organization_id)
    [theirs] = inbox.list(organization_id=other.organization_id)
    assert ours.id == theirs.id
    assert ours.reservations == ((RES_ID, HOTEL_CODE),)
    assert theirs.reservations == ((OTHER_RES_ID, OTHER_HOTEL),)


def test_a_push_for_one_organisation_is_logged_whole(
    client: PushClient, hotel: MappedHotel, other: MappedHotel, container: Container
) -> None:
    assert push(client, res_notif()).status_code == 200
    apply_pushes(container)
    assert message_log(container, other) == []
    inbound, _answer = message_log(container, hotel)
    assert "Anna de Vries" in inbound.body
