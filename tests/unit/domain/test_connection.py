"""Connection lifecycle (the transition table) and single-use, expiring auth states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs
import pytest

from channel_manager.domain.connection import (
    ALLOWED_TRANSITIONS,
    AuthMode,
    AuthState,
    Connection,
    ConnectionStatus,
)
from channel_manager.domain.errors import (
    AuthStateExpired,
    AuthStateForeign,
    AuthStateReused,
    InvalidTransition,
)

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
S = ConnectionStatus


def connection(status: ConnectionStatus) -> Connection:
    return Connection(
        id=UUID(int=1),
        organization_id=UUID(int=2),
        channel="booking",
        auth_mode=AuthMode.OAUTH2,
        status=status,
        created_at=NOW,
    )


MOVES: dict[ConnectionStatus, Callable[[Connection], Connection]] = {
    S.ACTIVE: lambda c: c.activate("vault:ref", NOW),
    S.ERROR: lambda c: c.fail("token refresh failed"),
    S.REVOKED: lambda c: c.revoke(NOW),
}

EXPECTED_EDGES = {
    (S.PENDING, S.ACTIVE),
    (S.PENDING, S.ERROR),
    (S.PENDING, S.REVOKED),
    (S.ACTIVE, S.ACTIVE),
    (S.ACTIVE, S.ERROR),
    (S.ACTIVE, S.REVOKED),
    (S.ERROR, S.ACTIVE),
    (S.ERROR, S.REVOKED),
}


def test_transition_table_is_the_agreed_one() -> None:
    edges = {(src, dst) for src, targets in ALLOWED_TRANSITIONS.items() for dst in targets}
    assert edges == EXPECTED_EDGES
    assert set(ALLOWED_TRANSITIONS) == set(ConnectionStatus)


@pytest.mark.parametrize("source", list(ConnectionStatus))
@pytest.mark.parametrize("target", list(MOVES))
def test_every_method_follows_the_table(source: ConnectionStatus, target: ConnectionStatus) -> None:
    move = MOVES[target]
    if (source, target) in EXPECTED_EDGES:
        assert move(connection(source)).status is target
    else:
        with pytest.raises(InvalidTransition):
            move(connection(source))


def test_activate_stores_credentials_clears_error_and_schedules_work() -> None:
    broken = connection(S.PENDING).fail("denied")
    assert broken.error_reason == "denied"
    active = broken.activate("vault:abc", NOW, external_account_id="acct-9")
    assert (active.credential_ref, active.external_account_id) == ("vault:abc", "acct-9")
    assert active.error_reason is None
    assert active.next_poll_at == NOW
    assert active.next_sync_at == NOW
    assert active.is_active


def test_revoke_is_final_and_stops_scheduling() -> None:
    revoked = connection(S.ACTIVE).activate("r", NOW).revoke(NOW)
    assert (revoked.next_poll_at, revoked.next_sync_at, revoked.revoked_at) == (None, None, NOW)
    with pytest.raises(InvalidTransition, match="revoked"):
        revoked.activate("r2", NOW)


def test_schedule_only_changes_the_times_given() -> None:
    later = NOW + timedelta(seconds=20)
    scheduled = connection(S.ACTIVE).activate("r", NOW).schedule(next_poll_at=later)
    assert (scheduled.next_poll_at, scheduled.next_sync_at) == (later, NOW)


def auth_state(used_at: datetime | None = None) -> AuthState:
    return AuthState(
        state="s-123",
        organization_id=UUID(int=2),
        auth_mode=AuthMode.OAUTH2,
        code_verifier="verifier",
        redirect_uri="https://cm.example/oauth/booking/callback",
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
        used_at=used_at,
    )


def test_auth_state_is_consumed_once() -> None:
    used = auth_state().consume(NOW + timedelta(minutes=1))
    assert used.used_at == NOW + timedelta(minutes=1)
    with pytest.raises(AuthStateReused):
        used.consume(NOW + timedelta(minutes=2))


@pytest.mark.parametrize("after", [timedelta(minutes=10), timedelta(hours=1)])
def test_auth_state_expires(after: timedelta) -> None:
    with pytest.raises(AuthStateExpired):
        auth_state().consume(NOW + after)


def test_auth_state_is_valid_until_just_before_expiry() -> None:
    assert auth_state().consume(NOW + timedelta(minutes=10) - timedelta(microseconds=1)).used_at


def test_auth_state_never_shows_its_verifier() -> None:
    assert "verifier" not in repr(auth_state()).replace("code_verifier", "")


def test_auth_state_accepts_only_the_binding_it_was_started_with() -> None:
    bound = attrs.evolve(auth_state(), binding="a" * 64)

    bound.check_binding("a" * 64)
    for other in ("b" * 64, "", None):
        with pytest.raises(AuthStateForeign):
            bound.check_binding(other)
    with pytest.raises(AuthStateForeign):  # a state stored without a binding binds nobody
        auth_state().check_binding("a" * 64)
    assert "a" * 64 not in repr(bound)
