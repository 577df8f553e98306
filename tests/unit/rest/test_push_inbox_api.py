"""``/api/v1/push-inbox``: a pushed message that could not be applied is visible and retryable
by the organisation it routes to, and by nobody else (issue 17)."""

from __future__ import annotations

import copy
from uuid import UUID

from lxml import etree

from channel_manager.adapters.booking.ota.namespaces import OTA_NS
from channel_manager.container import Container
from tests.unit.rest.conftest import (
    MappedHotel,
    PushClient,
    apply_pushes,
    inbox_rows,
    map_hotel,
)
from tests.unit.rest.messages import res_notif
from tests.unit.rest.test_push_reservations import RES_ID, push, stored

UNMAPPED = "7654321"


def with_unmapped_hotel() -> bytes:
    """Our hotel's booking plus one for UNMAPPED, a hotel nobody maps yet."""
    root = etree.fromstring(res_notif())
    reservations = root.find(f"{{{OTA_NS}}}HotelReservations")
    assert reservations is not None
    theirs = copy.deepcopy(reservations[0])
    for element in theirs.iter(f"{{{OTA_NS}}}BasicPropertyInfo"):
        element.set("HotelCode", UNMAPPED)
    for element in theirs.iter(f"{{{OTA_NS}}}HotelReservationID"):
        element.set("ResID_Value", "777")
    reservations.append(theirs)
    return etree.tostring(root)


def bearer(container: Container, organization_id: UUID) -> dict[str, str]:
    issued = container.api_keys().issue(organization_id, "tests")
    return {"Authorization": f"Bearer {issued.plaintext}"}


def test_a_flagged_push_is_listed_for_its_organisation_and_applied_once_after_a_retry(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    stranger = map_hotel(container, "5550001")
    ours, theirs = (
        bearer(container, hotel.organization_id),
        bearer(container, stranger.organization_id),
    )
    assert push(client, with_unmapped_hotel()).status_code == 200
    apply_pushes(container)
    [row] = inbox_rows(container)

    listed = client.get("/api/v1/push-inbox", params={"state": "flagged"}, headers=ours)
    assert listed.status_code == 200, listed.text
    [shown] = listed.json()
    assert shown["id"] == str(row.id)
    assert shown["state"] == "flagged"
    assert shown["failure"] == "unknown_property"
    assert shown["attempts"] == 1
    assert shown["reservations"] == [[RES_ID, "1234567"]]  # only our own part
    assert client.get("/api/v1/push-inbox", params={"state": "pending"}, headers=ours).json() == []
    # Another organisation neither sees nor retries it.
    assert client.get("/api/v1/push-inbox", headers=theirs).json() == []
    refused = client.post(f"/api/v1/push-inbox/{row.id}/retry", headers=theirs)
    assert refused.status_code == 404
    assert client.get("/api/v1/push-inbox").status_code == 401

    # The hotel is mapped (here: by us), then the row retried: applied, once.
    map_hotel(container, UNMAPPED)
    retried = client.post(f"/api/v1/push-inbox/{row.id}/retry", headers=ours)
    assert retried.status_code == 201, retried.text
    assert retried.json()["state"] == "pending"
    apply_pushes(container)
    assert inbox_rows(container) == []
    assert stored(container, hotel) is not None
    again = client.post(f"/api/v1/push-inbox/{row.id}/retry", headers=ours)
    assert again.status_code == 404  # applied rows are gone: nothing to apply twice


def test_bad_states_are_refused(
    client: PushClient, hotel: MappedHotel, container: Container
) -> None:
    headers = bearer(container, hotel.organization_id)
    answer = client.get("/api/v1/push-inbox", params={"state": "applied"}, headers=headers)
    assert answer.status_code == 400
