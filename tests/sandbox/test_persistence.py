"""A sandbox started with a state path goes on where it stopped after a restart.

Before, a restart re-seeded the world: the seeded bookings came back as new messages (revision 1,
so a modified booking read as its first version again), and a hotel connected through the
Extranet fell back to not connected (every poll for it answered 403).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from booking_sandbox.config import SandboxConfig
from booking_sandbox.persistence import SandboxStateError, StateFile, snapshot
from booking_sandbox.server import SandboxServer

from .helpers import ack, avail_message, avail_rq, bearer_for, reservation_ids, xml
from .test_connections import request_connection
from .test_oauth import get_tokens, refresh

NEW = "/hotels/ota/OTA_HotelResNotif"
MODIFY = "/hotels/ota/OTA_HotelResModifyNotif"


@contextmanager
def sandbox_at(path: Path, seed: int = 1) -> Iterator[httpx.Client]:
    """A sandbox keeping its state in ``path``, and a client for it; stopped on exit."""
    with (
        SandboxServer(seed=seed, config=SandboxConfig(state_path=path)) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as client,
    ):
        yield client


def served(client: httpx.Client, path: str, auth: dict[str, str]) -> list[str]:
    response = client.get(path, headers=auth)
    assert response.status_code == 200, response.text
    return reservation_ids(xml(response))


def generate(client: httpx.Client, **body: str) -> dict[str, Any]:
    response = client.post("/_sandbox/reservations/generate", json=body)
    assert response.status_code == 201, response.text
    reservation: dict[str, Any] = response.json()["reservation"]
    return reservation


def held(client: httpx.Client) -> dict[str, dict[str, Any]]:
    rows = client.get("/_sandbox/reservations").json()["reservations"]
    return {row["id"]: row for row in rows}


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "sandbox" / "state.json"


def test_bookings_and_their_revisions_continue_after_a_restart(state_path: Path) -> None:
    with sandbox_at(state_path) as client:
        auth = bearer_for(client)
        seeded = served(client, NEW, auth)
        assert client.post(NEW, content=ack("OTA_HotelResNotifRS", *seeded), headers=auth)
        booking = generate(client, kind="new", hotel_code="1000001")
        assert served(client, NEW, auth) == [booking["id"]]
        client.post(NEW, content=ack("OTA_HotelResNotifRS", booking["id"]), headers=auth)
        modified = generate(client, kind="modify", reservation_id=booking["id"])
        before = held(client)
    assert state_path.exists()

    with sandbox_at(state_path) as client:
        auth = bearer_for(client)
        after = held(client)
        # Nothing acknowledged comes back, nothing is made up again as new.
        assert served(client, NEW, auth) == []
        assert after == before
        assert after[booking["id"]]["revision"] == 2
        assert after[booking["id"]]["status"] == "modified"
        modify_queue = client.get(MODIFY, headers=auth)
        assert reservation_ids(xml(modify_queue)) == [booking["id"]]
        departure = modified["stays"][0]["departure"]
        assert departure != booking["stays"][0]["departure"]
        assert f'End="{departure}"' in modify_queue.text  # the modified version, not the first
        client.post(MODIFY, content=ack("OTA_HotelResModifyNotifRS", booking["id"]), headers=auth)
        cancelled = generate(client, kind="cancel", reservation_id=booking["id"])
        later = generate(client, kind="new", hotel_code="1000001")

    assert cancelled["revision"] == 3
    assert cancelled["status"] == "cancelled"
    assert int(later["id"]) > int(booking["id"])  # ids go on counting, none is handed out twice
    assert later["id"] not in before
    with sandbox_at(state_path) as client:
        auth = bearer_for(client)
        assert served(client, MODIFY, auth) == [booking["id"]]
        assert served(client, NEW, auth) == [later["id"]]
        assert held(client)[booking["id"]]["status"] == "cancelled"


def test_an_extranet_connection_stays_connected_after_a_restart(state_path: Path) -> None:
    status_url = "/connections-api/properties/1000003/status"
    with sandbox_at(state_path) as client:
        auth = bearer_for(client)
        request_connection(client, "1000003")
        client.post("/connections-api/requests/1000003/accept", headers=auth)

    with sandbox_at(state_path) as client:
        auth = bearer_for(client)
        assert client.get(status_url, headers=auth).json()["data"]["status"] == "connected"
        polled = client.get(NEW, params={"hotel_ids": "1000003"}, headers=auth)
        assert polled.status_code == 200, polled.text  # was 403 every 20 s


def test_ari_tokens_and_oauth_grants_survive_a_restart(state_path: Path) -> None:
    day = dt.date.fromisoformat("2030-01-15")
    with sandbox_at(state_path) as client:
        auth = bearer_for(client)
        hotels = client.get("/_sandbox/hotels").json()["hotels"]
        room = hotels[0]["rooms"][0]["id"]
        sent = client.post(
            "/hotels/ota/OTA_HotelAvailNotif",
            content=avail_rq("1000001", avail_message(room, day, day, BookingLimit="7")),
            headers=auth,
        )
        assert sent.status_code == 200, sent.text
        tokens = get_tokens(client, ["1000004"])

    with sandbox_at(state_path) as client:
        # A machine token issued before the restart is still good, and so is the grant.
        assert client.get(NEW, headers=auth).status_code == 200
        rows = client.get(f"/_sandbox/ari/1000001?from={day}&to={day}").json()["rows"]
        assert {row["availability"] for row in rows if row["room_id"] == room} == {7}
        rotated = refresh(client, tokens["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        # The old refresh token was used up before the restart: replaying it still fails.
        assert refresh(client, tokens["refresh_token"]).status_code == 400


def test_the_token_cap_counts_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    config = SandboxConfig(state_path=path, tokens_per_hour=2)
    with (
        SandboxServer(config=config) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        bearer_for(client)
        bearer_for(client)
    with (
        SandboxServer(config=config) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        third = client.post(
            "/token-based-authentication/exchange",
            json={"client_id": "sandbox-client", "client_secret": "sandbox-secret"},
        )
    assert third.status_code == 429


def test_a_saved_state_reads_back_the_same(state_path: Path) -> None:
    with sandbox_at(state_path) as client:
        generate(client, kind="new")
        generate(client, kind="modify")
    config = SandboxConfig(state_path=state_path)
    first = StateFile(state_path).load(config, seed=1)
    assert first is not None
    again = StateFile(state_path).load(config, seed=1)
    assert again is not None
    assert snapshot(again) == snapshot(first)
    # The random sequence goes on from where it was, too.
    one, other = first.generate("new"), again.generate("new")
    assert (one.id, one.stays, one.booker) == (other.id, other.stays, other.booker)


def test_the_file_is_written_atomically_and_only_for_its_owner(state_path: Path) -> None:
    with sandbox_at(state_path) as client:
        generate(client, kind="new")
        assert json.loads(state_path.read_text())["format"] == 1
    assert state_path.stat().st_mode & 0o077 == 0
    assert [p.name for p in state_path.parent.iterdir()] == ["state.json"]  # no temporary left


def test_a_file_of_another_seed_or_garbage_is_refused_with_a_reason(state_path: Path) -> None:
    with sandbox_at(state_path, seed=1):
        pass
    with pytest.raises(SandboxStateError, match="--seed 1"):
        SandboxServer(seed=2, config=SandboxConfig(state_path=state_path))
    state_path.write_text("{not json")
    with pytest.raises(SandboxStateError, match="not a sandbox state file"):
        SandboxServer(config=SandboxConfig(state_path=state_path))


def test_without_a_state_path_the_state_lives_in_memory_only() -> None:
    with SandboxServer() as server:
        assert server.state.store is None
