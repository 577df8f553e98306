"""``POST /ota/booking/reservations`` under hostile and mutated messages: always an OTA answer
(Success with 200, or Errors with a 4xx), never a 5xx for the sender's mistake, never a
traceback, never a card number kept, and a refused message stores no reservation."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.unit.fuzz.api_world import store_snapshot
from tests.unit.fuzz.ota_mutations import hostile_messages, mutated_messages, seeds
from tests.unit.fuzz.push_world import (
    assert_no_card_number_kept,
    assert_ota_answer,
    push_world,
    send_push,
    without_log,
)

FUZZ_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # No shrinking: a failing message is reported as generated, and shrinking through the
    # whole app takes minutes.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    database=None,
)


def test_the_seed_messages_are_answered_and_the_complete_ones_accepted() -> None:
    accepted = set()
    with push_world() as world:
        for seed in seeds():
            before = store_snapshot(world.container)
            response = send_push(world, seed.body, soap=False)
            after = store_snapshot(world.container)
            assert_ota_answer(response, before, after)
            assert_no_card_number_kept(seed.body, response, after)
            if response.status_code == 200:
                accepted.add(seed.name)
    # The others lack a ResID or cancel a reservation nobody holds: refused with a 4xx.
    assert accepted >= {
        "booking_res_notif_multi_room.xml",
        "OTA_HotelResNotifRQ.xml",
        "OTA_HotelResModifyNotifRQ.xml",
    }


def test_mutated_messages_get_an_ota_answer_and_keep_no_card_number() -> None:
    with push_world() as world:

        @FUZZ_SETTINGS
        @given(body=mutated_messages(), soap=st.booleans())
        def answered(body: bytes, soap: bool) -> None:
            before = store_snapshot(world.container)
            response = send_push(world, body, soap=soap)
            after = store_snapshot(world.container)
            assert_ota_answer(response, before, after)
            assert_no_card_number_kept(body, response, after)

        answered()


def test_bodies_that_are_no_ota_message_get_a_400_ota_error() -> None:
    with push_world() as world:

        @settings(FUZZ_SETTINGS, max_examples=60)
        @given(body=hostile_messages(), soap=st.booleans())
        def refused(body: bytes, soap: bool) -> None:
            before = store_snapshot(world.container)
            response = send_push(world, body, soap=soap)
            after = store_snapshot(world.container)
            assert_ota_answer(response, before, after)
            assert response.status_code == 400, response.text
            # Apart from the (redacted) message log, a refused message leaves nothing behind.
            assert without_log(after) == without_log(before)

        refused()
