"""Reservation queues: repeat until acknowledged, supersession, filters, message shape."""

from __future__ import annotations

import httpx

from booking_sandbox.config import SandboxConfig
from booking_sandbox.server import SandboxServer
from booking_sandbox.state import SandboxState
from tests.support.markup import elements, texts
from tests.support.waiting import wait_until

from .helpers import NS, OTA, ack, reservation_ids, xml

NEW = "/hotels/ota/OTA_HotelResNotif"
MODIFY = "/hotels/ota/OTA_HotelResModifyNotif"


def pending(
    client: httpx.Client, auth: dict[str, str], path: str = NEW, **params: str
) -> list[str]:
    response = client.get(path, headers=auth, params=params)
    assert response.status_code == 200, response.text
    return reservation_ids(xml(response))


def test_unacknowledged_messages_repeat_on_every_get(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    first = pending(client, auth)

    assert len(first) == 6  # 3 seeded bookings in each of the 2 connected hotels
    assert pending(client, auth) == first


def test_acknowledged_messages_are_not_served_again(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    served = pending(client, auth)

    response = client.post(NEW, content=ack("OTA_HotelResNotifRS", *served[:2]), headers=auth)

    assert response.status_code == 200
    assert xml(response).find(f"{{{OTA}}}Success") is not None
    assert pending(client, auth) == served[2:]
    again = client.post(NEW, content=ack("OTA_HotelResNotifRS", served[0]), headers=auth)
    assert again.status_code == 200  # acknowledging twice is harmless


def test_acknowledging_a_superseded_message_is_400_wrong_type(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    served = pending(client, auth)
    target = served[0]
    state.generate("modify", reservation_id=target)  # changed before we acknowledged

    response = client.post(NEW, content=ack("OTA_HotelResNotifRS", target), headers=auth)

    assert response.status_code == 400
    assert "transaction message of the wrong type" in response.text
    assert target in pending(client, auth)  # the change arrives as a new message
    assert (
        client.post(NEW, content=ack("OTA_HotelResNotifRS", target), headers=auth).status_code
        == 200
    )


def test_modifications_and_cancellations_use_the_modify_queue(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    served = pending(client, auth)
    client.post(NEW, content=ack("OTA_HotelResNotifRS", *served), headers=auth)
    state.generate("modify", reservation_id=served[0])
    state.generate("cancel", reservation_id=served[1])

    response = client.get(MODIFY, headers=auth)

    root = xml(response)
    assert root.tag == f"{{{OTA}}}OTA_HotelResModifyNotifRQ"
    modifies = root.findall(f"{{{OTA}}}HotelResModifies/{{{OTA}}}HotelResModify")
    assert [m.get("ResStatus") for m in modifies] == ["Modify", "Cancel"]
    assert modifies[0].find(f"{{{OTA}}}RoomStays") is not None
    assert modifies[1].find(f"{{{OTA}}}RoomStays") is None
    assert pending(client, auth) == []
    wrong_queue = client.post(NEW, content=ack("OTA_HotelResNotifRS", served[0]), headers=auth)
    assert wrong_queue.status_code == 200  # its new message was acknowledged already
    acked = client.post(
        MODIFY, content=ack("OTA_HotelResModifyNotifRS", served[0], served[1]), headers=auth
    )
    assert acked.status_code == 200
    assert pending(client, auth, MODIFY) == []


def test_acknowledging_a_new_booking_on_the_modify_queue_is_wrong_type(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    served = pending(client, auth)

    response = client.post(
        MODIFY, content=ack("OTA_HotelResModifyNotifRS", served[0]), headers=auth
    )

    assert response.status_code == 400
    assert "wrong type" in response.text
    assert served[0] in pending(client, auth)


def test_rejecting_with_errors_removes_the_message(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    served = pending(client, auth)

    response = client.post(
        NEW, content=ack("OTA_HotelResNotifRS", served[0], errors=True), headers=auth
    )

    assert response.status_code == 200
    assert served[0] not in pending(client, auth)
    assert any(m.rejected for m in state.queue.messages if m.reservation_id == served[0])


def test_filters_hotel_ids_id_and_limit(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    in_second = [r.id for r in state.reservations.values() if r.hotel_code == "1000002"]

    assert pending(client, auth, hotel_ids="1000002") == in_second
    assert pending(client, auth, id=in_second[1]) == [in_second[1]]
    assert len(pending(client, auth, limit="2")) == 2
    denied = client.get(NEW, headers=auth, params={"hotel_ids": "1000004"})
    assert denied.status_code == 403
    missing = client.get(NEW, headers=auth, params={"id": "123"})
    assert missing.status_code == 404
    assert client.get(NEW, headers=auth, params={"limit": "0"}).status_code == 400


def test_unknown_reservation_ack_is_400_and_nothing_is_acknowledged(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    served = pending(client, auth)

    response = client.post(NEW, content=ack("OTA_HotelResNotifRS", served[0], "999"), headers=auth)

    assert response.status_code == 400
    assert pending(client, auth) == served


def test_message_carries_booking_com_shapes(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    root = xml(client.get(NEW, headers=auth))

    assert root.get("Version") == "2.001"
    assert root.get("TimeStamp")
    reservation = root.find(f"{{{OTA}}}HotelReservations/{{{OTA}}}HotelReservation")
    assert reservation is not None
    res_id = reservation_ids(reservation)[0]
    expected = state.reservations[res_id]
    hotel = state.hotels[expected.hotel_code]
    room_rates = elements(reservation, ".//ota:RoomStay[1]//ota:RoomRate", namespaces=NS)
    first = expected.stays[0]
    if first.rate_form == "night":  # Booking.com: a RoomRate per night
        assert len(room_rates) == len(first.nights)
        assert room_rates[0].get("EffectiveDate") == first.arrival.isoformat()
    else:  # other senders: Rate spans inside one RoomRate
        assert len(room_rates) == 1
        rates = elements(room_rates[0], "ota:Rates/ota:Rate", namespaces=NS)
        assert rates[0].get("EffectiveDate") == first.arrival.isoformat()
        assert rates[-1].get("ExpireDate") == first.departure.isoformat()
    assert room_rates[0].get("RatePlanCode") == first.rate_plan_id
    total = elements(reservation, "ota:ResGlobalInfo/ota:Total", namespaces=NS)[0]
    amount = total.get("AmountAfterTax") or total.get("AmountBeforeTax")
    assert amount is not None
    assert amount.isdigit()
    decimal_places = total.get("DecimalPlaces")
    assert decimal_places is not None
    places = int(decimal_places)
    assert int(amount) == expected.total.scaleb(places)
    assert total.get("CurrencyCode") == hotel.currency
    card = elements(reservation, ".//ota:PaymentCard", namespaces=NS)[0]
    assert card.get("CardNumber") == expected.card.number
    room_type = texts(reservation, ".//ota:RoomType/@RoomTypeCode", namespaces=NS)[0]
    assert room_type == expected.stays[0].room_id
    assert elements(
        reservation, ".//ota:TotalCommissions/ota:CommissionPayableAmount", namespaces=NS
    )


def test_generator_makes_multi_room_bookings_within_availability(state: SandboxState) -> None:
    before = dict(state.availability)
    made = [state.generate("new", "1000002") for _ in range(15)]

    assert any(len(r.stays) > 1 for r in made)
    for reservation in made:
        for stay in reservation.stays:
            for night in stay.nights:
                assert state.availability[stay.room_id, night] < before[stay.room_id, night]
    stay = made[0].stays[0]
    rooms_taken = sum(1 for s in made[0].stays if s.room_id == stay.room_id)
    left = state.availability[stay.room_id, stay.arrival]

    state.generate("cancel", reservation_id=made[0].id)

    assert state.availability[stay.room_id, stay.arrival] == left + rooms_taken


def test_admin_generate_endpoint(client: httpx.Client, auth: dict[str, str]) -> None:
    response = client.post(
        "/_sandbox/reservations/generate", json={"kind": "new", "hotel_code": "1000001"}
    )

    assert response.status_code == 201
    made = response.json()["reservation"]
    assert made["hotel_code"] == "1000001"
    assert made["id"] in pending(client, auth)
    bad = client.post("/_sandbox/reservations/generate", json={"kind": "explode"})
    assert bad.status_code == 400


def test_background_ticker_generates_events() -> None:
    with SandboxServer(config=SandboxConfig(generate_every=0.05)) as running:
        before = len(running.state.queue.messages)
        wait_until(
            lambda: len(running.state.queue.messages) >= before + 3,
            timeout=5,
            interval=0.02,
            what="three events from the ticker",
        )
