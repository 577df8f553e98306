"""Every page renders for the signed-in organisation and only for it; forms validate."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import attrs
import pytest
from litestar.testing import TestClient

from channel_manager.adapters.memory.gateway import GatewayOperation
from channel_manager.application.ari import AriChangeInput
from channel_manager.domain.errors import PermanentChannelError
from channel_manager.domain.money import Money
from channel_manager.domain.reservation import Totals
from tests.support.builders import booking
from tests.support.clock import HARD_DAYS, next_year
from tests.unit.web.conftest import csrf_from, sign_in
from tests.unit.web.world import (
    HOTEL_CODE,
    World,
    build_world,
    connect,
    other_organization_key,
    web_app,
)


@pytest.fixture
def connected(client: TestClient, world: World) -> str:
    """Signed in, with an active connection; its id."""
    connection_id = connect(world)
    sign_in(client, world.api_key)
    return str(connection_id)


def _save_mapping(client: TestClient, connection_id: str, **choices: str) -> str:
    page = client.get(f"/connections/{connection_id}/mapping")
    fields = dict(re.findall(r'name="(hotel-[^"]+-code)" value="([^"]*)"', page.text))
    fields.update(choices)
    fields["_csrf_token"] = csrf_from(page.text)
    response = client.post(f"/connections/{connection_id}/mapping", data=fields)
    return response.text


def _map_double_room(client: TestClient, world: World, connection_id: str) -> None:
    """Map the double room and the standard rate plan to ours."""
    (standard,) = world.container.inventory().list_rate_plans(
        world.organization_id, world.property_id
    )
    text = _save_mapping(
        client,
        connection_id,
        **{
            "hotel-0-property": str(world.property_id),
            "hotel-0-sync": "on",
            "hotel-0-room-0": str(world.double_unit_id),
            "hotel-0-rate-0": str(standard.id),
        },
    )
    assert "Mapping saved" in text


def test_every_page_renders(client: TestClient, connected: str) -> None:
    for path in (
        "/integrations",
        f"/connections/{connected}/mapping",
        f"/sync?connection_id={connected}",
        "/reservations",
        f"/rates?connection_id={connected}",
        "/pushes",
        "/messages",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]


def test_integrations_card_shows_status_and_failures(
    client: TestClient, world: World, connected: str
) -> None:
    text = client.get("/integrations").text
    assert "active" in text
    assert f"/integrations/{connected}/disconnect" in text


def test_another_organisations_connection_is_not_found(client: TestClient, world: World) -> None:
    foreign = connect(world, world.container.inventory().ensure_organization("Someone Else").id)
    sign_in(client, world.api_key)
    for path in (
        f"/connections/{foreign}/mapping",
        f"/sync?connection_id={foreign}",
        f"/pushes?connection_id={foreign}",
        f"/messages?connection_id={foreign}",
        f"/rates?connection_id={foreign}",
        f"/integrations/booking/result?status=connected&connection_id={foreign}",
    ):
        assert client.get(path).status_code == 404, path
    page = client.get("/integrations")
    response = client.post(
        f"/integrations/{foreign}/disconnect", data={"_csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 404


def test_other_organisation_sees_nothing_of_ours(world: World, connected: str) -> None:
    with TestClient(web_app(world)) as other:
        sign_in(other, other_organization_key(world))
        assert connected not in other.get("/integrations").text
        assert other.get(f"/connections/{connected}/mapping").status_code == 404


def test_connection_result_explains_errors_in_words(client: TestClient, connected: str) -> None:
    text = client.get(
        "/integrations/booking/result?status=error&code=state_reused&reason=planted"
    ).text
    assert "already used" in text
    assert "planted" not in text  # only the product's own words for a code
    result = client.get(f"/integrations/booking/result?status=connected&connection_id={connected}")
    assert "Map rooms now" in result.text


def test_mapping_preselects_suggestions_and_highlights_unmapped(
    client: TestClient, world: World, connected: str
) -> None:
    text = client.get(f"/connections/{connected}/mapping").text
    assert re.search(rf'<option value="{world.double_unit_id}" selected>', text)
    assert text.count('class="unmapped"') == 4  # two rooms, two rate plans


def test_mapping_save_creates_a_unit_and_reports_what_is_left(
    client: TestClient, world: World, connected: str
) -> None:
    text = _save_mapping(
        client,
        connected,
        **{
            "hotel-0-property": str(world.property_id),
            "hotel-0-room-0": str(world.double_unit_id),
            "hotel-0-room-1": "new",
            "hotel-0-room-1-count": "2",
        },
    )
    assert "Mapping saved" in text
    assert "Junior Suite (2 rooms)" in text
    assert text.count('class="unmapped"') == 2  # the two rate plans left empty


def test_mapping_validation_messages(client: TestClient, world: World, connected: str) -> None:
    text = _save_mapping(client, connected)
    assert "choose a property" in text
    text = _save_mapping(
        client,
        connected,
        **{
            "hotel-0-property": str(world.property_id),
            "hotel-0-room-0": str(world.double_unit_id),
            "hotel-0-room-1": str(world.double_unit_id),
        },
    )
    assert "Not saved" in text


def test_rates_preview_shows_compressed_messages_and_xml(
    client: TestClient, world: World, connected: str
) -> None:
    _map_double_room(client, world, connected)
    # Mapping queued the room's whole calendar; a preview adds nothing to it.
    queued = world.container.dispatcher().list(world.organization_id)
    page = client.get(f"/rates?connection_id={connected}")
    response = client.post(
        f"/connections/{connected}/rates",
        data={
            "_csrf_token": csrf_from(page.text),
            "hotel": HOTEL_CODE,
            "room_type_code": "DBL",
            "rate_plan_code": "STD",
            "start": next_year(1, 30).isoformat(),
            "end": next_year(2, 2).isoformat(),
            "rate": "120.50",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    # A range crossing a month boundary is split into one request per month.
    assert response.text.count("<h3>OTA_HotelRateAmountNotifRQ") == 2
    assert f"{next_year(1, 30)} \N{EN DASH} {next_year(1, 31)}" in response.text
    assert "&lt;OTA_HotelRateAmountNotifRQ" in response.text
    assert world.container.dispatcher().list(world.organization_id) == queued


def test_rates_form_errors_are_shown(client: TestClient, world: World, connected: str) -> None:
    _map_double_room(client, world, connected)
    page = client.get(f"/rates?connection_id={connected}")
    base = {"_csrf_token": csrf_from(page.text), "hotel": HOTEL_CODE, "room_type_code": "DBL"}
    cases = {
        "must not be before": {
            "start": next_year(2, 2).isoformat(),
            "end": next_year(2, 1).isoformat(),
            "availability": "1",
        },
        "Set at least one value": {
            "start": next_year(2, 1).isoformat(),
            "end": next_year(2, 1).isoformat(),
        },
        "Choose the rate plan": {
            "start": next_year(2, 1).isoformat(),
            "end": next_year(2, 1).isoformat(),
            "rate": "10",
        },
        "Rate must be an amount": {
            "start": next_year(2, 1).isoformat(),
            "end": next_year(2, 1).isoformat(),
            "rate": "ten",
            "rate_plan_code": "STD",
        },
    }
    for message, fields in cases.items():
        response = client.post(
            f"/connections/{connected}/rates", data={**base, **fields, "action": "push"}
        )
        assert response.status_code == 422, message
        assert message in response.text
    # A preview refuses what a push would: no "1 message would be sent" for a past range.
    today = world.container.clock().now().date()
    past = {"start": str(today - timedelta(days=800)), "availability": "1"}
    past["end"] = past["start"]
    for action in ("preview", "push"):
        response = client.post(
            f"/connections/{connected}/rates", data={**base, **past, "action": action}
        )
        assert response.status_code == 422, action
        assert "dates must lie between" in response.text, action
        assert "would be sent" not in response.text, action


def test_push_then_history_then_retry(client: TestClient, world: World, connected: str) -> None:
    _map_double_room(client, world, connected)
    page = client.get(f"/rates?connection_id={connected}")
    response = client.post(
        f"/connections/{connected}/rates",
        data={
            "_csrf_token": csrf_from(page.text),
            "hotel": HOTEL_CODE,
            "room_type_code": "DBL",
            "rate_plan_code": "STD",
            "start": next_year(2, 1).isoformat(),
            "end": next_year(2, 3).isoformat(),
            "rate": "99",
            "action": "push",
        },
    )
    assert "Queued 1 push(es)" in response.text
    world.channel.fail_next(GatewayOperation.PUSH_RATES, PermanentChannelError("400", "closed"))
    asyncio.run(world.container.dispatcher().dispatch_due("test"))
    history = client.get(f"/pushes?connection_id={connected}&state=failed")
    assert "400: closed" in history.text
    push_id = re.search(r'data-push-id="([^"]+)"', history.text)
    assert push_id
    retried = client.post(
        f"/pushes/{push_id.group(1)}/retry", data={"_csrf_token": csrf_from(history.text)}
    )
    assert "queued again" in retried.text
    assert "badge push-pending" in retried.text


def test_sync_now_runs_and_reservation_appears(
    client: TestClient, world: World, connected: str
) -> None:
    _map_double_room(client, world, connected)
    world.channel.enqueue(booking("BK-1", hotel_code=HOTEL_CODE, room="DBL"))
    page = client.get(f"/sync?connection_id={connected}")
    response = client.post(
        f"/connections/{connected}/sync",
        data={"_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    run_id = response.headers["location"].rpartition("run=")[2]
    run = client.get(f"/api/v1/sync-runs/{run_id}").json()  # the session works for the API
    assert run["status"] == "succeeded"
    assert "succeeded" in client.get(response.headers["location"]).text
    listing = client.get("/reservations?status=confirmed")
    assert "BK-1" in listing.text
    detail_path = re.search(r'href="(/reservations/[^"]+)"', listing.text)
    assert detail_path
    detail = client.get(detail_path.group(1)).text
    assert "Zoë Søren" in detail
    assert "100.00 EUR" in detail
    assert "BK-1" not in client.get("/reservations?status=cancelled").text


def test_unknown_reservation_is_not_found(client: TestClient, connected: str) -> None:
    assert client.get(f"/reservations/{uuid4()}").status_code == 404


def test_reservations_priced_before_tax_show_that_total(
    client: TestClient, world: World, connected: str
) -> None:
    message = booking("BK-NET", hotel_code=HOTEL_CODE, room="DBL")
    net = attrs.evolve(
        message,
        reservation=attrs.evolve(
            message.reservation, totals=Totals(amount_before_tax=Money.of("180.00", "EUR"))
        ),
    )
    connection = world.container.queries().connection(world.organization_id, UUID(connected))
    world.container.intake().apply(connection, net)

    listing = client.get("/reservations").text

    assert "180.00 EUR" in listing
    assert "excl. tax" in listing


@pytest.mark.parametrize(
    ("moment", "timezone", "first_day"),
    [
        # 22:30 UTC on 30 June: Amsterdam is already at 00:30 on 1 July.
        (HARD_DAYS["late-evening-utc"], "Europe/Amsterdam", date(2027, 7, 1)),
        (HARD_DAYS["late-evening-utc"], "UTC", date(2027, 6, 30)),
        # 03:00 UTC on 1 March 2027: New York is still on 28 February.
        (datetime(2027, 3, 1, 3, 0, tzinfo=UTC), "America/New_York", date(2027, 2, 28)),
        # 00:30 UTC on the night Amsterdam springs forward: 01:30 CET, the same date.
        (HARD_DAYS["amsterdam-spring-forward"], "Europe/Amsterdam", date(2027, 3, 28)),
        # An unknown zone reads as UTC rather than failing the page.
        (HARD_DAYS["late-evening-utc"], "Mars/Olympus_Mons", date(2027, 6, 30)),
    ],
)
def test_the_rates_grid_opens_on_the_hotels_own_today(
    moment: datetime, timezone: str, first_day: date
) -> None:
    world = build_world(timezone=timezone, now=moment)
    with TestClient(web_app(world), base_url="http://testserver.local") as client:
        connection = connect(world)
        sign_in(client, world.api_key)
        _map_double_room(client, world, str(connection))
        page = client.get(f"/rates?connection_id={connection}")

    assert page.status_code == 200, page.text
    first_column = re.search(
        r'id="f-grid-start" type="date" name="start" value="([^"]+)"', page.text
    )
    assert first_column is not None, "the grid has no first-day control"
    assert first_column.group(1) == first_day.isoformat()
    assert f'id="f-start" type="date" name="start" required value="{first_day}"' in page.text


def test_a_missing_extranet_property_id_lands_on_the_result_page_not_in_json(
    client: TestClient, world: World
) -> None:
    """(The Booking.com authoriser refuses misspelt ids the same way: digits only.)"""
    sign_in(client, world.api_key)
    answer = client.get(
        "/connect/booking",
        params={"mode": "booking-connectivity", "hotel_id": ""},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/integrations/booking/result?status=error")
    shown = client.get(answer.headers["location"])
    assert shown.status_code == 200
    assert "property" in shown.text.lower()


def test_a_revoked_connections_pages_say_so_and_call_nothing(
    client: TestClient, world: World, connected: str
) -> None:
    """Not the internal "secret connection:... not found", and no channel call per visit."""
    _map_double_room(client, world, connected)
    stop_sell = AriChangeInput(
        hotel_code=HOTEL_CODE,
        room_type_code="DBL",
        start=next_year(2, 1),
        end=next_year(2, 1),
        stop_sell=True,
    )
    [queued] = world.container.ari().submit(world.organization_id, UUID(connected), [stop_sell])
    sync_page = client.get(f"/sync?connection_id={connected}")
    asyncio.run(world.container.connect().disconnect(world.organization_id, UUID(connected)))
    world.channel.enqueue(booking("BK-1", hotel_code=HOTEL_CODE, room="DBL"))
    world.channel.calls.clear()

    page = client.get(f"/connections/{connected}/mapping")
    saved = client.post(
        f"/connections/{connected}/mapping",
        data={"_csrf_token": csrf_from(sync_page.text), "hotel-0-code": HOTEL_CODE},
    )
    synced = client.post(
        f"/connections/{connected}/sync",
        data={"_csrf_token": csrf_from(sync_page.text)},
        follow_redirects=False,
    )

    assert page.status_code == 409
    assert "This connection is revoked" in page.text
    assert "connect it from" in page.text
    assert "not found" not in page.text
    assert 'name="hotel-0-code"' not in page.text  # no mapping form
    assert saved.status_code == 409
    assert "This connection is revoked" in saved.text
    assert synced.status_code == 409
    assert "revoked" in synced.text
    pushes = client.get(f"/pushes?connection_id={connected}")
    assert f'data-push-id="{queued.id}"' in pushes.text
    assert "connection revoked" in pushes.text  # given up, visibly
    assert f"/pushes/{queued.id}/retry" not in pushes.text  # nothing to retry through
    assert world.channel.calls == []
    assert len(world.channel.pending_messages()) == 1


def test_a_failed_connections_mapping_page_asks_to_reconnect_and_calls_nothing(
    client: TestClient, world: World, connected: str
) -> None:
    with world.container.uow_factory()() as uow:
        current = uow.connections.get(UUID(connected))
        uow.connections.update(current.fail("the channel refused access: token revoked"))
        uow.commit()
    world.channel.calls.clear()

    page = client.get(f"/connections/{connected}/mapping")

    assert page.status_code == 409
    assert "This connection needs to be connected again" in page.text
    assert "token revoked" in page.text
    assert world.channel.calls == []
