"""Guests, meals and extras as senders write them (OTA_RESERVATIONS.md, "Guests" and "What
else a property needs"): adults, children with ages and infants apart, guests per room, the
booker apart from the guests, the meal plan by code and name, services with prices, special
requests in every form, all ids, arrival time, promotion codes."""

from __future__ import annotations

from decimal import Decimal

from channel_manager.adapters.booking.ota.reservations_decode import decode_res_notif_rq
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import ReservationId, Service, meal_plan_name
from tests.unit.ota.test_sender_prices import sender_sample, stored

THREE_ROOMS = "three_rooms_guests_services.xml"


def test_three_identical_rooms_show_which_guest_sleeps_where() -> None:
    reservation = stored(sender_sample(THREE_ROOMS))
    assert [stay.external_room_type_id for stay in reservation.room_stays] == ["TWIN"] * 3
    assert [stay.guest_names for stay in reservation.room_stays] == [
        ("Ines Duarte",),
        ("Tomas Duarte",),
        ("Rita Alves",),  # the 2015B form: RPH numbers as the element's text
    ]


def test_adults_children_with_ages_and_infants_are_kept_apart() -> None:
    first, second, third = stored(sender_sample(THREE_ROOMS)).room_stays
    assert (first.adults, first.children, first.child_ages, first.infants) == (2, 0, (), 1)
    assert (second.adults, second.children, second.child_ages, second.infants) == (1, 2, (7, 7), 0)
    assert (third.adults, third.children, third.infants) == (2, 0, 0)
    assert [stay.guest_count for stay in (first, second, third)] == [3, 3, 2]


def test_the_booker_is_kept_apart_from_the_guests() -> None:
    reservation = stored(sender_sample(THREE_ROOMS))
    assert reservation.booker is not None
    assert reservation.booker.full_name == "Carla Mendes"
    assert reservation.booker.email == "carla@example.net"
    assert "Carla Mendes" not in [guest.full_name for guest in reservation.guests]
    assert [guest.full_name for guest in reservation.guests] == [
        "Ines Duarte",
        "Tomas Duarte",
        "Rita Alves",
    ]


def test_without_a_booker_profile_the_primary_guest_is_the_booker() -> None:
    reservation = stored(sender_sample("expedia_style_soap.xml"))
    assert reservation.booker is not None
    assert reservation.booker.full_name == "Maria Lopez"


def test_the_meal_plan_keeps_its_code_and_reads_as_a_name() -> None:
    reservation = stored(sender_sample(THREE_ROOMS))
    assert {stay.meal_plan for stay in reservation.room_stays} == {"12"}
    assert reservation.room_stays[0].meal_plan_name == "Half board"
    expedia = stored(sender_sample("expedia_style_soap.xml"))
    assert expedia.room_stays[0].meal_plan == "12"  # Breakfast="true" Dinner="true"


def test_meal_plan_names() -> None:
    assert meal_plan_name("14") == "Room only"
    assert meal_plan_name("1") == "All inclusive"
    assert meal_plan_name("3 19") == "Bed and breakfast, Breakfast"
    assert meal_plan_name("Breakfast is included in the room rate.") == (
        "Breakfast is included in the room rate."
    )
    assert meal_plan_name(None) is None


def test_services_are_itemised_with_prices_and_their_rooms() -> None:
    reservation = stored(sender_sample(THREE_ROOMS))
    assert reservation.services == (
        Service(code="CRIB", name="Baby cot", quantity=1, amount=Money.of("0.00", "EUR"), room=1),
        Service(code="PARK", name="Parking", quantity=2, amount=Money.of("30.00", "EUR"), room=3),
    )
    # Rooms (720.00) and services (30.00) add up to the reservation's 750.00: no flag.
    assert reservation.totals.amount_before_tax == Money.of("750.00", "EUR")
    assert reservation.flags == ()


def test_special_requests_in_every_form_and_comments_are_kept() -> None:
    reservation = stored(sender_sample(THREE_ROOMS))
    assert reservation.room_stays[0].remarks == ("Baby cot please",)
    assert reservation.room_stays[1].remarks == ("Ground floor",)
    assert reservation.special_requests == ("Late check-out if possible",)
    assert reservation.remarks == ("Family reunion, rooms close together",)
    expedia = stored(sender_sample("expedia_style_soap.xml"))
    assert expedia.room_stays[0].remarks == ("1 king bed",)


def test_ids_arrival_time_and_promotion_codes() -> None:
    reservation = stored(sender_sample(THREE_ROOMS))
    assert reservation.external_id == "TRI-3003"
    assert reservation.reservation_ids == (
        ReservationId(value="TRI-3003", type="14", source="SwitchCo"),
    )
    assert reservation.arrival_time == "15:30"
    assert reservation.promotion_codes == ("SUMMER26",)


def test_a_reservation_with_only_a_unique_id_keeps_it_as_its_id() -> None:
    body = sender_sample("expedia_style_soap.xml").replace(
        b'<HotelReservationID ResID_Type="8" ResID_Value="EXP-550011" ResID_Source="Sender"/>', b""
    )
    reservation = stored(body)
    assert reservation.external_id == "EXP-550011"
    assert reservation.reservation_ids == (ReservationId(value="EXP-550011"),)


def test_the_soap_header_of_the_sender_is_ignored_and_the_answer_form_remembered() -> None:
    message = decode_res_notif_rq(sender_sample("expedia_style_soap.xml"))
    assert message.soap is True
    assert message.echo_token == "exp-42"
    (ota,) = message.reservations
    assert ota.room_stays[0].guest_counts[1].age == 9
    assert ota.total is None
    assert ota.room_stays[0].total is not None
    assert ota.room_stays[0].total.taxes == Decimal("91.13")
