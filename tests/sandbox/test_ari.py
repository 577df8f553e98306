"""ARI writes: applied to state, Booking-like validation, partial success, valid OTA RS."""

from __future__ import annotations

import datetime as dt

import httpx

from booking_sandbox.state import SandboxState

from .helpers import OTA, avail_message, avail_rq, rate_message, rate_rq, validate, xml

AVAIL = "/hotels/ota/OTA_HotelAvailNotif"
RATES = "/hotels/ota/OTA_HotelRateAmountNotif"


def post(client: httpx.Client, auth: dict[str, str], path: str, body: bytes) -> httpx.Response:
    return client.post(path, content=body, headers={**auth, "Accept-Version": "1.1"})


def debug_row(
    client: httpx.Client, hotel: str, room: str, rate: str, day: dt.date
) -> dict[str, object]:
    rows = client.get(f"/_sandbox/ari/{hotel}", params={"from": str(day), "to": str(day)}).json()[
        "rows"
    ]
    row: dict[str, object] = next(
        r for r in rows if r["room_id"] == room and r["rate_plan_id"] == rate
    )
    return row


def test_avail_notif_sets_availability_and_restrictions(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    room = state.hotels["1000001"].rooms[0]
    rate = room.rate_plan_ids[0]
    day = state.clock.today() + dt.timedelta(days=10)
    inner = (
        '<LengthsOfStay><LengthOfStay Time="2" MinMaxMessageType="SetMinLOS"/>'
        '<LengthOfStay Time="7" MinMaxMessageType="SetMaxLOS"/></LengthsOfStay>'
        '<RestrictionStatus Status="Close" Restriction="Arrival"/>'
    )
    body = avail_rq(
        "1000001",
        avail_message(room.id, day, day + dt.timedelta(days=2), BookingLimit="4"),
        avail_message(room.id, day, day, rate, inner),
        avail_message(
            room.id,
            day + dt.timedelta(days=1),
            day + dt.timedelta(days=1),
            rate,
            '<RestrictionStatus Status="Close"/>',
        ),
    )

    response = post(client, auth, AVAIL, body)

    assert response.status_code == 200
    root = xml(response)
    assert root.tag == f"{{{OTA}}}OTA_HotelAvailNotifRS"
    assert root.find(f"{{{OTA}}}Success") is not None
    assert root.find(f"{{{OTA}}}Warnings") is None
    validate(root, "OTA_HotelAvailNotifRS.xsd")
    row = debug_row(client, "1000001", room.id, rate, day)
    assert row["availability"] == 4
    assert (row["min_los"], row["max_los"]) == (2, 7)
    assert row["closed_to_arrival"] is True
    assert row["closed"] is False
    assert debug_row(client, "1000001", room.id, rate, day + dt.timedelta(days=1))["closed"] is True


def test_rate_amount_notif_sets_integer_amounts_with_decimal_places(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    room = state.hotels["1000001"].rooms[0]
    rate = room.rate_plan_ids[0]
    day = state.clock.today() + dt.timedelta(days=3)
    amount = 'AmountAfterTax="13350" DecimalPlaces="2" CurrencyCode="EUR"'

    response = post(
        client, auth, RATES, rate_rq("1000001", rate_message(room.id, rate, day, day, amount))
    )

    assert response.status_code == 200
    root = xml(response)
    validate(root, "OTA_HotelRateAmountNotifRS.xsd")
    assert debug_row(client, "1000001", room.id, rate, day)["rate"] == "133.50"


def test_unknown_room_is_error_402(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    day = state.clock.today()

    response = post(
        client, auth, AVAIL, avail_rq("1000001", avail_message("999", day, day, BookingLimit="1"))
    )

    assert response.status_code == 400
    error = xml(response).find(f"{{{OTA}}}Errors/{{{OTA}}}Error")
    assert error is not None
    assert (error.get("Type"), error.get("Code"), error.get("Status")) == (
        "3",
        "402",
        "NotProcessed",
    )
    validate(xml(response), "OTA_HotelAvailNotifRS.xsd")


def test_rate_plan_not_on_the_room_is_402(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    room = state.hotels["1000001"].rooms[0]
    day = state.clock.today()
    amount = 'AmountAfterTax="10000" DecimalPlaces="2"'

    response = post(
        client, auth, RATES, rate_rq("1000001", rate_message(room.id, "77777", day, day, amount))
    )

    assert response.status_code == 400
    assert "RatePlanCode '77777' not active" in response.text


def test_partial_success_is_200_with_success_and_per_item_warnings(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    room = state.hotels["1000001"].rooms[1]
    day = state.clock.today() + dt.timedelta(days=5)
    body = avail_rq(
        "1000001",
        avail_message(room.id, day, day, BookingLimit="3"),
        avail_message("999", day, day, BookingLimit="3"),
    )

    response = post(client, auth, AVAIL, body)

    assert response.status_code == 200
    root = xml(response)
    assert root.find(f"{{{OTA}}}Success") is not None
    warnings = root.findall(f"{{{OTA}}}Warnings/{{{OTA}}}Warning")
    assert [(w.get("Code"), w.get("RecordID")) for w in warnings] == [("402", "2")]
    validate(root, "OTA_HotelAvailNotifRS.xsd")
    assert state.availability[room.id, day] == 3


def test_dates_spanning_more_than_a_month_are_refused_whole(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    room = state.hotels["1000001"].rooms[0]
    start = dt.date(state.clock.today().year + 2, 1, 15)  # beyond the seeded days
    month_later = dt.date(start.year, 2, 15)

    too_long = post(
        client,
        auth,
        AVAIL,
        avail_rq("1000001", avail_message(room.id, start, month_later, BookingLimit="1")),
    )
    assert too_long.status_code == 400
    assert "more than one month" in too_long.text
    assert (room.id, start) not in state.availability

    last_day = month_later - dt.timedelta(days=1)
    just_fits = post(
        client,
        auth,
        AVAIL,
        avail_rq("1000001", avail_message(room.id, start, last_day, BookingLimit="1")),
    )
    assert just_fits.status_code == 200
    assert state.availability[room.id, start] == state.availability[room.id, last_day] == 1


def test_more_than_one_hotel_per_request_is_refused(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    day = state.clock.today()
    room1 = state.hotels["1000001"].rooms[0].id
    room2 = state.hotels["1000002"].rooms[0].id
    first = avail_message(room1, day, day, BookingLimit="1")
    second = avail_message(room2, day, day, BookingLimit="1")
    body = (
        f'<OTA_HotelAvailNotifRQ xmlns="{OTA}" Version="1.005">'
        f'<AvailStatusMessages HotelCode="1000001">{first}</AvailStatusMessages>'
        f'<AvailStatusMessages HotelCode="1000002">{second}</AvailStatusMessages>'
        "</OTA_HotelAvailNotifRQ>"
    ).encode()

    response = post(client, auth, AVAIL, body)

    assert response.status_code == 400
    assert "one hotel per request" in response.text


def test_currency_and_amount_format_problems_are_errors(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    room = state.hotels["1000001"].rooms[0]
    rate = room.rate_plan_ids[0]
    day = state.clock.today()
    bad_amounts = [
        'AmountAfterTax="10000" DecimalPlaces="2" CurrencyCode="USD"',
        'AmountAfterTax="100.00" DecimalPlaces="2"',
        'AmountAfterTax="12,50"',
        'AmountAfterTax="1" DecimalPlaces="3"',  # 0.001 EUR: finer than cents
        'AmountAfterTax="0" DecimalPlaces="2"',
        'DecimalPlaces="2"',
    ]
    for amount in bad_amounts:
        response = post(
            client, auth, RATES, rate_rq("1000001", rate_message(room.id, rate, day, day, amount))
        )
        assert response.status_code == 400, amount
        assert xml(response).find(f"{{{OTA}}}Errors") is not None


def test_hotel_not_visible_to_the_caller_is_403(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    room = state.hotels["1000004"].rooms[0]
    day = state.clock.today()
    before = state.availability[room.id, day]

    response = post(
        client, auth, AVAIL, avail_rq("1000004", avail_message(room.id, day, day, BookingLimit="0"))
    )

    assert response.status_code == 403
    assert "not authorised" in response.text
    assert state.availability[room.id, day] == before


def test_booking_limit_out_of_range_is_an_error(
    client: httpx.Client, auth: dict[str, str], state: SandboxState
) -> None:
    room = state.hotels["1000001"].rooms[0]
    day = state.clock.today()

    response = post(
        client,
        auth,
        AVAIL,
        avail_rq("1000001", avail_message(room.id, day, day, BookingLimit="256")),
    )

    assert response.status_code == 400
    assert "BookingLimit" in response.text
