"""Every ``/api/v1`` operation under generated input: a clear 4xx or a success, never a 5xx,
and a refused request leaves every table exactly as it was."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.unit.fuzz.api_operations import (
    GeneratedRequest,
    Operation,
    api_operations,
    requests_for,
)
from tests.unit.fuzz.api_world import (
    ApiWorld,
    api_world,
    assert_json_error,
    assert_robust_answer,
    store_snapshot,
)
from tests.unit.fuzz.json_strategies import NASTY_STRINGS

OPERATIONS = api_operations()
FUZZ_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # No shrinking: a failing request is reported as generated (readable enough), and
    # shrinking through a whole app takes minutes.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    database=None,  # the world is rebuilt per test; replayed examples would mislead
)


def _send(world: ApiWorld, request: GeneratedRequest) -> None:
    before = store_snapshot(world.container)
    response = world.client.request(
        request.method,
        request.url,
        params=dict(request.params),
        content=request.content,
        headers=dict(request.headers),
    )
    assert_robust_answer(response, before, store_snapshot(world.container))
    if request.foreign and response.status_code < 300:
        # The other organisation never sees one of the world's records.
        for private in (world.property_id, world.connection_id, world.reservation_id):
            if private not in request.url:
                assert private not in response.text, response.text


def test_every_documented_api_operation_is_fuzzed() -> None:
    documented = {str(operation) for operation in OPERATIONS}
    assert "POST /api/v1/connections/{connection_id}/ari" in documented
    assert "PUT /api/v1/connections/{connection_id}/mappings" in documented
    assert len(documented) >= 18


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_generated_requests_get_a_clear_answer_and_refusals_change_nothing(
    operation: Operation,
) -> None:
    with api_world() as world:

        @FUZZ_SETTINGS
        @given(request=requests_for(operation, world))
        def answer_is_robust(request: GeneratedRequest) -> None:
            _send(world, request)

        answer_is_robust()


def test_unknown_or_mangled_keys_get_401_in_the_error_shape() -> None:
    with api_world() as world:

        @FUZZ_SETTINGS
        @given(
            header=st.one_of(
                st.text(max_size=40),
                st.sampled_from(NASTY_STRINGS).map(lambda text: f"Bearer {text}"),
                st.text(max_size=40).map(lambda text: f"Bearer cm_{text}"),
                st.just(f"Bearer {world.key}x"),
                st.just(f"Basic {world.key}"),
            ).filter(lambda header: header.isascii() and "\n" not in header and "\r" not in header)
        )
        def refused(header: str) -> None:
            response = world.client.get("/api/v1/connections", headers={"Authorization": header})
            assert response.status_code == 401, response.text
            assert assert_json_error(response)["type"] == "unauthenticated"

        refused()


def test_bodies_that_are_not_json_get_400_and_change_nothing() -> None:
    with api_world() as world:
        targets = [
            ("POST", "/api/v1/properties"),
            ("POST", f"/api/v1/properties/{world.property_id}/units"),
            ("PUT", f"/api/v1/connections/{world.connection_id}/mappings"),
            ("POST", f"/api/v1/connections/{world.connection_id}/ari"),
        ]

        @FUZZ_SETTINGS
        @given(
            target=st.sampled_from(targets),
            body=st.one_of(
                st.binary(max_size=200),
                st.sampled_from([b"", b"{", b"NaN", b'{"name": NaN}', b"\xff\xfe{}", b"[]" * 50]),
            ),
            content_type=st.sampled_from(
                ["application/json", "application/json; charset=latin-1", "text/plain", ""]
            ),
        )
        def refused(target: tuple[str, str], body: bytes, content_type: str) -> None:
            method, url = target
            before = store_snapshot(world.container)
            response = world.client.request(
                method, url, content=body, headers={**world.auth(), "Content-Type": content_type}
            )
            assert 400 <= response.status_code < 500, response.text
            assert_robust_answer(response, before, store_snapshot(world.container))

        refused()


def test_the_connection_wizard_hops_answer_any_query_clearly() -> None:
    with api_world() as world:
        junk = st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=30))

        @FUZZ_SETTINGS
        @given(
            start=st.fixed_dictionaries({}, optional={"mode": junk, "hotel_id": junk}),
            back=st.fixed_dictionaries({}, optional={"state": junk, "code": junk, "error": junk}),
        )
        def answered(start: dict[str, str], back: dict[str, str]) -> None:
            before = store_snapshot(world.container)
            started = world.client.get(
                "/connect/booking", params=start, headers=world.auth(), follow_redirects=False
            )
            assert_robust_answer(started, before, store_snapshot(world.container))
            assert started.status_code in {302, 400, 422}, started.text
            before = store_snapshot(world.container)
            returned = world.client.get(
                "/oauth/booking/callback", params=back, headers={"Accept": "application/json"}
            )
            # A state nobody issued finishes nothing.
            assert 400 <= returned.status_code < 500, returned.text
            assert_robust_answer(returned, before, store_snapshot(world.container))

        answered()
