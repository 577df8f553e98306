"""Reconciling a feed snapshot against the baseline: examples for each rule (Airbnb's
re-issued blocks, Vrbo's date changes, vanished and ended events, suspect snapshots) and
properties that hold for any baseline and snapshot."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import attrs
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.domain.feed import (
    FeedEvent,
    FeedEventKind,
    KnownEvent,
    reconcile,
    snapshot_fingerprint,
    suspect_reason,
)

TODAY = date(2026, 7, 1)
STAY, BLOCK = FeedEventKind.STAY, FeedEventKind.BLOCK


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


def event(start: int, end: int, uid: str | None = None, kind=STAY, **extra) -> FeedEvent:
    return FeedEvent(uid=uid, start=day(start), end=day(end), kind=kind, **extra)


def applied(baseline, events, today=TODAY) -> list[KnownEvent]:
    """The baseline after applying what ``reconcile`` found."""
    return list(reconcile(baseline, events, today).baseline())


def test_the_first_snapshot_is_all_new_under_code_uid_or_dates():
    airbnb = event(2, 5, "a@airbnb.com", summary="Reserved", confirmation_code="HMX1")
    vrbo = event(6, 9, "v-1", summary="Reserved - Ann", guest_name="Ann")
    block = event(10, 12, None, BLOCK, summary="Blocked")
    result = reconcile([], [vrbo, block, airbnb], TODAY)
    assert [(k.key, k.event) for k in result.new] == [
        ("HMX1", airbnb),
        ("block:2026-07-11:2026-07-13", block),
        ("v-1", vrbo),
    ]
    assert result.changed


def test_a_reissued_uid_on_the_same_dates_is_unchanged_but_remembered():
    known = KnownEvent(key="old", event=event(3, 5, "old", BLOCK, summary="Airbnb (Not available)"))
    again = attrs.evolve(known.event, uid="new")
    result = reconcile([known], [again], TODAY)
    assert not result.changed
    assert result.unchanged == (KnownEvent(key="old", event=again),)
    assert result.reissued == result.unchanged


def test_an_airbnb_block_reissued_with_a_new_uid_and_later_start_is_moved():
    summary = "Airbnb (Not available)"
    known = KnownEvent(key="b1", event=event(-3, 20, "b1@airbnb.com", BLOCK, summary=summary))
    reissued = event(0, 20, "b2@airbnb.com", BLOCK, summary=summary)
    result = reconcile([known], [reissued], TODAY)
    assert result.moved == ((known, KnownEvent(key="b1", event=reissued)),)
    assert not result.new
    assert not result.cancelled


def test_a_vrbo_date_change_under_a_new_uid_is_moved():
    known = KnownEvent(
        key="v1", event=event(5, 9, "v1", summary="Reserved - Ann", guest_name="Ann")
    )
    changed = event(6, 10, "v2", summary="Reserved - Ann", guest_name="Ann")
    other_guest = event(9, 12, "v3", summary="Reserved - Bob", guest_name="Bob")
    result = reconcile([known], [changed, other_guest], TODAY)
    assert result.moved == ((known, KnownEvent(key="v1", event=changed)),)
    assert [k.key for k in result.new] == ["v3"]


def test_a_vrbo_stay_moved_to_another_week_under_a_new_uid_is_moved():
    known = KnownEvent(
        key="v1", event=event(5, 9, "v1", summary="Reserved - Ann Lee", guest_name="Ann Lee")
    )
    elsewhere = event(40, 43, "v2", summary="Reserved - Ann Lee", guest_name="Ann Lee")
    result = reconcile([known], [elsewhere], TODAY)
    assert result.moved == ((known, KnownEvent(key="v1", event=elsewhere)),)
    assert not result.new
    assert not result.cancelled


def test_two_guests_of_one_name_moving_apart_are_not_guessed():
    ann = {"summary": "Reserved - Ann", "guest_name": "Ann"}
    first = KnownEvent(key="v1", event=event(5, 9, "v1", **ann))
    second = KnownEvent(key="v2", event=event(15, 19, "v2", **ann))
    moved = [event(40, 43, "v3", **ann), event(50, 52, "v4", **ann)]
    result = reconcile([first, second], moved, TODAY)
    assert not result.moved
    assert sorted(k.key for k in result.cancelled) == ["v1", "v2"]
    assert sorted(k.key for k in result.new) == ["v3", "v4"]


def test_another_guest_overlapping_is_not_the_same_stay():
    known = KnownEvent(
        key="v1", event=event(5, 9, "v1", summary="Reserved - Ann", guest_name="Ann")
    )
    other = event(6, 10, "v2", summary="Reserved - Bob", guest_name="Bob")
    result = reconcile([known], [other], TODAY)
    assert result.cancelled == (known,)
    assert [k.key for k in result.new] == ["v2"]


def test_the_same_uid_with_new_dates_is_moved():
    known = KnownEvent(key="HMX1", event=event(2, 5, "u1", confirmation_code="HMX1"))
    later = event(30, 33, "u1", confirmation_code="HMX1")
    assert reconcile([known], [later], TODAY).moved == (
        (known, KnownEvent(key="HMX1", event=later)),
    )


def test_a_vanished_future_event_is_cancelled_and_an_ended_one_forgotten():
    ended = KnownEvent(key="past", event=event(-5, 0, "past"))
    ongoing = KnownEvent(key="now", event=event(-1, 2, "now"))
    future = KnownEvent(key="later", event=event(8, 9, "later"))
    result = reconcile([ended, ongoing, future], [ongoing.event], TODAY)
    assert result.cancelled == (future,)
    assert result.forgotten == (ended,)
    assert result.unchanged == (ongoing,)


def test_an_ended_event_in_the_snapshot_is_not_new():
    assert reconcile([], [event(-4, 0, "gone")], TODAY) == reconcile([], [], TODAY)


def test_new_keys_never_reuse_a_baseline_or_taken_key():
    known = KnownEvent(key="block:2026-07-03:2026-07-05", event=event(-9, -8, "x", BLOCK))
    result = reconcile(
        [known], [event(2, 4, None, BLOCK)], TODAY, taken={"block:2026-07-03:2026-07-05#2"}
    )
    assert [k.key for k in result.new] == ["block:2026-07-03:2026-07-05#3"]


def test_a_very_long_uid_is_kept_as_a_digest_key():
    result = reconcile([], [event(1, 2, "u" * 500)], TODAY)
    assert len(result.new[0].key) < 100


def test_an_empty_or_much_smaller_snapshot_is_suspect():
    baseline = [KnownEvent(key=str(n), event=event(n * 3, n * 3 + 2, str(n))) for n in range(1, 5)]
    assert suspect_reason(baseline, [], TODAY) is not None
    assert suspect_reason(baseline, [baseline[0].event], TODAY) is not None
    assert suspect_reason(baseline, [k.event for k in baseline[:2]], TODAY) is None
    # Fewer than four known: losing all but one is plausible, losing all is not.
    assert suspect_reason(baseline[:3], [baseline[0].event], TODAY) is None
    assert suspect_reason(baseline[:1], [], TODAY) is not None
    # Only ended ones known: an empty feed is what is expected.
    assert suspect_reason([KnownEvent(key="p", event=event(-3, 0, "p"))], [], TODAY) is None


def test_the_fingerprint_ignores_order_and_sees_any_difference():
    first, second = event(1, 3, "a"), event(4, 6, "b")
    assert snapshot_fingerprint([first, second]) == snapshot_fingerprint([second, first])
    assert snapshot_fingerprint([first]) != snapshot_fingerprint([attrs.evolve(first, uid="c")])


# --- properties ---------------------------------------------------------------------------

uids = st.one_of(st.none(), st.sampled_from(["u1", "u2", "u3", "u4", "u5", "u6"]))


@st.composite
def feed_events(draw) -> FeedEvent:
    start = draw(st.integers(-10, 30))
    return FeedEvent(
        uid=draw(uids),
        start=day(start),
        end=day(start + draw(st.integers(1, 10))),
        kind=draw(st.sampled_from(FeedEventKind)),
        summary=draw(st.sampled_from(["", "Reserved", "Blocked", "Reserved - Ann"])),
        confirmation_code=draw(st.sampled_from([None, None, "HM1", "HM2"])),
    )


snapshots = st.lists(feed_events(), max_size=8)


@st.composite
def baselines(draw) -> list[KnownEvent]:
    """A baseline as reconciling a snapshot makes it (keys unique)."""
    return list(reconcile([], draw(snapshots), day(-20)).baseline())


@given(baselines(), snapshots)
def test_applying_gives_exactly_the_snapshots_future_events(baseline, events):
    after = applied(baseline, events)
    assert Counter(k.event for k in after) == Counter(e for e in events if e.end > TODAY)
    assert len({k.key for k in after}) == len(after)


@given(baselines(), snapshots)
def test_every_baseline_event_is_accounted_for_once(baseline, events):
    result = reconcile(baseline, events, TODAY)
    before_keys = sorted(k.key for k in baseline)
    accounted = sorted(
        [k.key for k in result.cancelled]
        + [k.key for k in result.forgotten]
        + [k.key for k in result.unchanged]
        + [before.key for before, _after in result.moved]
    )
    assert accounted == before_keys
    assert not {k.key for k in result.new} & set(before_keys)


@given(snapshots, snapshots)
def test_the_same_snapshot_again_changes_nothing(first, second):
    baseline = applied(applied([], first), second)
    result = reconcile(baseline, second, TODAY)
    assert not result.changed
    assert not result.reissued
    assert result.baseline() == tuple(baseline)


@given(snapshots, st.randoms(use_true_random=False))
def test_reissuing_every_uid_creates_and_cancels_nothing(events, random):
    baseline = applied([], events)
    reissued = [attrs.evolve(e, uid=None if e.uid is None else f"{e.uid}-again") for e in events]
    random.shuffle(reissued)
    result = reconcile(baseline, reissued, TODAY)
    assert not result.new
    assert not result.cancelled


@given(baselines(), snapshots, st.randoms(use_true_random=False))
def test_the_order_of_the_feed_does_not_matter(baseline, events, random):
    shuffled = list(events)
    random.shuffle(shuffled)
    assert reconcile(baseline, events, TODAY) == reconcile(baseline, shuffled, TODAY)
