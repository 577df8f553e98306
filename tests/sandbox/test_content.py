"""Property search (paginated), rooms and rates, ARI read-back."""

from __future__ import annotations

import datetime as dt

import httpx
from lxml import etree

from booking_sandbox.state import SandboxState
from tests.support.markup import texts

from .helpers import NS, OTA, validate, xml


def search(client: httpx.Client, auth: dict[str, str], page: int, size: int) -> httpx.Response:
    body = (
        f'<OTA_HotelSearchRQ xmlns="{OTA}" Version="1.0"><TPA_Extensions>'
        f'<Pagination Page="{page}" PageSize="{size}"/></TPA_Extensions></OTA_HotelSearchRQ>'
    )
    return client.post("/hotels/ota/OTA_HotelSearch", content=body, headers=auth)


def codes(response: httpx.Response) -> list[str]:
    return [str(c) for c in texts(xml(response), "//ota:Property/@HotelCode", namespaces=NS)]


def test_search_pages_through_the_connected_hotels(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    pages = [codes(search(client, auth, page, 1)) for page in (1, 2, 3)]

    assert pages == [["1000001"], ["1000002"], []]
    first = xml(search(client, auth, 1, 100)).find(f"{{{OTA}}}Properties/{{{OTA}}}Property")
    assert first is not None
    hotel = state.hotels["1000001"]
    assert (first.get("HotelName"), first.get("CurrencyCode")) == (hotel.name, hotel.currency)


def test_search_response_is_a_valid_ota_rs(client: httpx.Client, auth: dict[str, str]) -> None:
    root = xml(search(client, auth, 1, 100))

    assert root.tag == f"{{{OTA}}}OTA_HotelSearchRS"
    assert root.get("TimeStamp")
    assert root.get("Version")
    validate(root, "OTA_HotelSearchRS.xsd")


def test_search_rejects_bad_pagination(client: httpx.Client, auth: dict[str, str]) -> None:
    response = search(client, auth, 0, 10)

    assert response.status_code == 400
    assert xml(response).find(f"{{{OTA}}}Errors") is not None


def test_roomrates_lists_rooms_and_their_rate_plans(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    response = client.post(
        "/hotels/xml/roomrates",
        content="<request><hotel_id>1000002</hotel_id></request>",
        headers=auth,
    )

    root = xml(response)
    hotel = state.hotels["1000002"]
    rooms = root.findall("room")
    assert [r.get("id") for r in rooms] == [r.id for r in hotel.rooms]
    first = rooms[0]
    assert first.get("name") == hotel.rooms[0].name
    assert first.get("max_persons") == str(hotel.rooms[0].max_persons)
    assert [r.get("id") for r in first.findall("rates/rate")] == list(hotel.rooms[0].rate_plan_ids)


def test_roomrates_refuses_hotels_the_caller_cannot_see(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    response = client.post(
        "/hotels/xml/roomrates",
        content="<request><hotel_id>1000004</hotel_id></request>",
        headers=auth,
    )

    assert response.status_code == 403
    assert xml(response).tag == "errors"


def test_malformed_xml_is_400(client: httpx.Client, auth: dict[str, str]) -> None:
    response = client.post("/hotels/xml/roomrates", content="<request><hotel_id>", headers=auth)

    assert response.status_code == 400


def test_roomrateavailability_returns_stored_ari(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    today = state.clock.today()
    hotel = state.hotels["1000001"]
    room = hotel.rooms[0]
    body = (
        f"<request><hotel_id>1000001</hotel_id><start_date>{today}</start_date>"
        f"<end_date>{today + dt.timedelta(days=1)}</end_date></request>"
    )

    root = xml(client.post("/hotels/xml/roomrateavailability", content=body, headers=auth))

    dates = root.findall("date")
    assert [d.get("value") for d in dates] == [str(today), str(today + dt.timedelta(days=1))]
    room_element = dates[0].find(f"room[@id='{room.id}']")
    assert room_element is not None
    assert room_element.get("roomstosell") == str(state.availability[room.id, today])
    rate_element = room_element.find(f"rate[@id='{room.rate_plan_ids[0]}']")
    assert rate_element is not None
    assert rate_element.get("price") == str(
        state.cells[room.id, room.rate_plan_ids[0], today].price
    )
    assert etree.tostring(root)
