"""Channel health (issue 18): facts -> status and reasons, and the sliding attempt window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.connection import ConnectionStatus
from channel_manager.domain.health import (
    ERROR_WINDOW,
    Attempts,
    AttemptWindow,
    FeedFacts,
    HealthFacts,
    HealthRecord,
    HealthStatus,
    HealthThresholds,
    OverbookedUnit,
    UnacknowledgedReservation,
    assess,
    describe_duration,
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
LIMITS = HealthThresholds()
CONNECTION = uuid4()


def facts(**changes: object) -> HealthFacts:
    values: dict[str, object] = {
        "connection_id": CONNECTION,
        "channel_label": "Booking.com",
        "status": ConnectionStatus.ACTIVE,
    }
    values.update(changes)
    return HealthFacts(**values)  # type: ignore[arg-type]


def unacked(minutes_ago: int) -> UnacknowledgedReservation:
    return UnacknowledgedReservation(
        connection_id=CONNECTION,
        external_id=f"R{minutes_ago}",
        first_seen_at=NOW - timedelta(minutes=minutes_ago),
        reason="unknown room",
    )


def test_nothing_wrong_is_green_with_no_reason():
    report = assess(facts(last_poll_at=NOW), NOW, LIMITS)
    assert (report.status, report.reasons, report.headline) == (HealthStatus.GREEN, (), "all good")


def test_polls_failing_are_amber_then_red_after_the_threshold_with_the_error():
    failing = facts(
        poll_failing_since=NOW - timedelta(minutes=2), poll_error="HTTP 503 from Booking.com"
    )
    early = assess(failing, NOW, LIMITS)
    assert early.status is HealthStatus.AMBER
    assert early.headline == "polls failing for 2 min: HTTP 503 from Booking.com"
    late = assess(failing, NOW + timedelta(minutes=10), LIMITS)
    assert late.status is HealthStatus.RED
    assert late.headline == "polls failing for 12 min: HTTP 503 from Booking.com"


def test_a_feed_says_fetches_not_polls():
    report = assess(
        facts(
            poll_failing_since=NOW - timedelta(minutes=30),
            poll_error="timed out",
            feed=FeedFacts(name="Airbnb"),
        ),
        NOW,
        LIMITS,
    )
    assert report.headline == "feed fetches failing for 30 min: timed out"


def test_unacknowledged_reservations_turn_red_after_30_minutes_only():
    report = assess(facts(unacknowledged=(unacked(45), unacked(31), unacked(5))), NOW, LIMITS)
    assert report.status is HealthStatus.RED
    assert [r.text for r in report.reasons] == [
        "2 reservations unacknowledged for over 30 min (Booking.com alerts the property)",
        "1 reservation not yet acknowledged at Booking.com",
    ]
    assert assess(facts(unacknowledged=(unacked(29),)), NOW, LIMITS).status is HealthStatus.AMBER


def test_the_oldest_queued_change_turns_amber_then_red():
    def status(minutes: int) -> HealthStatus:
        queued_at = NOW - timedelta(minutes=minutes)
        return assess(facts(queued=3, oldest_queued_at=queued_at), NOW, LIMITS).status

    assert [status(m) for m in (1, 5, 29, 30)] == [
        HealthStatus.GREEN,
        HealthStatus.AMBER,
        HealthStatus.AMBER,
        HealthStatus.RED,
    ]


def test_error_rate_counts_only_from_the_minimum_attempts():
    few = facts(polls=Attempts(3, 3))
    assert assess(few, NOW, LIMITS).status is HealthStatus.GREEN
    some = facts(polls=Attempts(10, 1), pushes=Attempts(10, 1))
    report = assess(some, NOW, LIMITS)
    assert report.status is HealthStatus.AMBER
    assert report.headline == (
        "10% of 20 attempts failed in the last hour (1 of 10 polls, 1 of 10 pushes)"
    )
    many = facts(pushes=Attempts(6, 3))
    assert assess(many, NOW, LIMITS).status is HealthStatus.RED


def test_feed_suspect_overbookings_and_given_up_pushes_are_amber():
    report = assess(
        facts(
            feed=FeedFacts(
                name="Vrbo", suspect_since=NOW - timedelta(hours=2), suspect_reason="empty feed"
            ),
            overbooked=(OverbookedUnit(unit_name="Loft", nights=2, first_night="2027-03-02"),),
            given_up_pushes=1,
        ),
        NOW,
        LIMITS,
    )
    assert report.status is HealthStatus.AMBER
    assert {r.code for r in report.reasons} == {"feed_suspect", "overbooked", "pushes_given_up"}
    assert "Loft (2 nights from 2027-03-02)" in next(
        r.text for r in report.reasons if r.code == "overbooked"
    )


def test_a_broken_connection_is_red_and_the_worst_reason_comes_first():
    report = assess(
        facts(
            status=ConnectionStatus.ERROR,
            error_reason="the channel refused access",
            given_up_pushes=2,
        ),
        NOW,
        LIMITS,
    )
    assert report.status is HealthStatus.RED
    assert report.reasons[0].text == "connection broken: the channel refused access"


def test_durations_read_as_people_say_them():
    assert [
        describe_duration(timedelta(seconds=s)) for s in (-5, 45, 60, 720, 3600, 11_100, 200_000)
    ] == ["0 s", "45 s", "1 min", "12 min", "1 h", "3 h 5 min", "2 days"]


def test_a_record_keeps_its_status_start_while_the_status_lasts():
    record = HealthRecord(connection_id=CONNECTION).evaluated(HealthStatus.RED, NOW)
    later = record.evaluated(HealthStatus.RED, NOW + timedelta(minutes=5))
    assert (later.status_since, later.checked_at) == (NOW, NOW + timedelta(minutes=5))
    green = later.evaluated(HealthStatus.GREEN, NOW + timedelta(minutes=9))
    assert green.status_since == NOW + timedelta(minutes=9)


def test_a_failed_poll_leaves_the_last_good_one():
    record = HealthRecord(connection_id=CONNECTION).poll_done(NOW, failed=False)
    record = record.poll_done(NOW + timedelta(seconds=20), failed=True)
    assert record.last_poll_at == NOW
    assert record.polls.estimate(NOW + timedelta(seconds=20)) == Attempts(2, 1)


offsets = st.lists(
    st.tuples(st.integers(min_value=0, max_value=4 * 3600), st.booleans()), max_size=60
)


@given(offsets, st.integers(min_value=0, max_value=3 * 3600))
def test_the_window_estimate_lies_between_the_exact_last_hour_and_the_last_two(
    attempts: list[tuple[int, bool]], after: int
):
    attempts = sorted(attempts)
    window = AttemptWindow()
    for second, failed in attempts:
        window = window.record(NOW + timedelta(seconds=second), failed=failed)
    now = NOW + timedelta(seconds=(attempts[-1][0] if attempts else 0) + after)
    estimate = window.estimate(now)

    def exact(span: timedelta) -> Attempts:
        inside = [f for s, f in attempts if now - NOW - timedelta(seconds=s) < span]
        return Attempts(len(inside), sum(inside))

    # Never more than the last two hours held, never less than the current bucket's share.
    assert estimate.attempts <= exact(2 * ERROR_WINDOW).attempts
    assert estimate.failures <= exact(2 * ERROR_WINDOW).failures
    assert estimate.failures <= estimate.attempts
    if attempts and now - (NOW + timedelta(seconds=attempts[0][0])) < ERROR_WINDOW:
        # All inside the first bucket: exact.
        assert estimate == exact(ERROR_WINDOW)
    if after >= 2 * 3600:
        assert estimate == Attempts()


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_percent_failed_is_a_rounded_share(attempts: int, failures: int):
    failures = min(failures, attempts)
    percent = Attempts(attempts, failures).percent_failed
    if attempts == 0:
        assert percent is None
    else:
        assert percent is not None
        assert abs(percent - 100 * failures / attempts) <= 0.5


minutes = st.integers(min_value=0, max_value=600)
any_facts = st.builds(
    facts,
    status=st.sampled_from(ConnectionStatus),
    poll_failing_since=st.none() | minutes.map(lambda m: NOW - timedelta(minutes=m)),
    poll_error=st.none() | st.text(max_size=20),
    queued=st.integers(min_value=0, max_value=50),
    oldest_queued_at=st.none() | minutes.map(lambda m: NOW - timedelta(minutes=m)),
    given_up_pushes=st.integers(min_value=0, max_value=3),
    polls=st.builds(
        lambda a, f: Attempts(a, min(a, f)),
        st.integers(min_value=0, max_value=40),
        st.integers(min_value=0, max_value=40),
    ),
    unacknowledged=st.lists(minutes.map(unacked), max_size=3).map(tuple),
    feed=st.none() | st.builds(FeedFacts, name=st.just("Airbnb")),
)


@given(any_facts)
def test_the_status_is_the_worst_reason_and_reasons_come_worst_first(health_facts: HealthFacts):
    report = assess(health_facts, NOW, LIMITS)
    ranks = [reason.status.rank for reason in report.reasons]
    assert ranks == sorted(ranks, reverse=True)
    assert report.status.rank == max(ranks, default=0)
    assert all(reason.status is not HealthStatus.GREEN for reason in report.reasons)
    assert all(reason.text for reason in report.reasons)
