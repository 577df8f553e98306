"""The reservation ledger: idempotent, order-safe, cancellations final."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import attrs
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.ledger import LedgerOutcome, ReservationLedger
from channel_manager.domain.reservation import FlagCode, Reservation, ReservationStatus, Revision
from tests.unit.domain.strategies import BASE_TIME, reservation, stay

NEW = ReservationMessageKind.NEW
MODIFY = ReservationMessageKind.MODIFY
CANCEL = ReservationMessageKind.CANCEL
ledger = ReservationLedger()
UNIT = UUID(int=5)

Message = tuple[ReservationMessageKind, Reservation]


def message(kind: ReservationMessageKind, minutes: int, nights: int = 2) -> Message:
    """A message whose content (nights) identifies it; each has its own incoming id."""
    booking = reservation(
        revision=Revision(BASE_TIME + timedelta(minutes=minutes)),
        stays=(stay(UNIT, date(2025, 6, 1), nights),),
        reservation_id=UUID(int=1000 + minutes),
    )
    return kind, booking


def apply(current: Reservation | None, msg: Message) -> tuple[LedgerOutcome, Reservation | None]:
    kind, incoming = msg
    decision = ledger.apply(current, incoming, kind)
    assert (decision.result is not None) == decision.changed
    return decision.outcome, decision.result if decision.changed else current


def test_new_reservation_is_created_confirmed() -> None:
    outcome, stored = apply(None, message(NEW, 1))
    assert outcome is LedgerOutcome.CREATED
    assert stored is not None
    assert stored.status is ReservationStatus.CONFIRMED


def test_modify_of_unknown_creates_it_as_modified() -> None:
    outcome, stored = apply(None, message(MODIFY, 1))
    assert outcome is LedgerOutcome.CREATED
    assert stored is not None
    assert stored.status is ReservationStatus.MODIFIED


def test_same_message_twice_is_a_duplicate() -> None:
    first = message(NEW, 1)
    _, stored = apply(None, first)
    outcome, again = apply(stored, first)
    assert outcome is LedgerOutcome.DUPLICATE
    assert again == stored


def test_newer_modify_updates_and_keeps_our_id() -> None:
    _, stored = apply(None, message(NEW, 1))
    assert stored is not None
    outcome, updated = apply(stored, message(MODIFY, 2, nights=4))
    assert outcome is LedgerOutcome.UPDATED
    assert updated is not None
    assert updated.id == stored.id
    assert updated.nights == 4
    assert updated.status is ReservationStatus.MODIFIED


def test_a_later_new_message_for_a_known_reservation_updates_it() -> None:
    # Booking.com sends a change made before our first acknowledgement as a *new* message.
    _, stored = apply(None, message(NEW, 1))
    outcome, updated = apply(stored, message(NEW, 2, nights=3))
    assert outcome is LedgerOutcome.UPDATED
    assert updated is not None
    assert updated.nights == 3
    assert updated.status is ReservationStatus.CONFIRMED


def test_older_revision_is_stale() -> None:
    _, stored = apply(None, message(MODIFY, 5, nights=4))
    outcome, after = apply(stored, message(NEW, 1))
    assert outcome is LedgerOutcome.STALE
    assert after == stored


def test_cancel_keeps_what_we_know() -> None:
    _, stored = apply(None, message(NEW, 1, nights=3))
    assert stored is not None
    kind, cancel = message(CANCEL, 2)
    bare_cancel = attrs.evolve(cancel, room_stays=(), raw_message_id=UUID(int=77))
    outcome, cancelled = apply(stored, (kind, bare_cancel))
    assert outcome is LedgerOutcome.CANCELLED
    assert cancelled is not None
    assert cancelled.status is ReservationStatus.CANCELLED
    assert cancelled.room_stays == stored.room_stays
    assert cancelled.revision == bare_cancel.revision
    assert cancelled.raw_message_id == UUID(int=77)


def test_cancel_of_unknown_is_a_tombstone_that_blocks_a_late_commit() -> None:
    outcome, tombstone = apply(None, message(CANCEL, 3))
    assert outcome is LedgerOutcome.TOMBSTONED
    assert tombstone is not None
    assert tombstone.is_cancelled
    outcome, after = apply(tombstone, message(NEW, 1))
    assert outcome is LedgerOutcome.IGNORED_AFTER_CANCEL
    assert after == tombstone


def test_nothing_resurrects_a_cancellation_not_even_a_newer_revision() -> None:
    _, stored = apply(None, message(NEW, 1))
    _, cancelled = apply(stored, message(CANCEL, 2))
    outcome, after = apply(cancelled, message(MODIFY, 9))
    assert outcome is LedgerOutcome.IGNORED_AFTER_CANCEL
    assert after == cancelled
    outcome, after = apply(cancelled, message(CANCEL, 10))
    assert outcome is LedgerOutcome.DUPLICATE


@st.composite
def histories(draw: st.DrawFn) -> list[Message]:
    """A reservation's true history: NEW, then changes (MODIFY, or NEW for changes made
    before the first acknowledgement), optionally ending in CANCEL; revisions increase.
    """
    length = draw(st.integers(min_value=1, max_value=5))
    messages = [message(NEW, 1, nights=1)]
    for index in range(2, length + 1):
        kind = draw(st.sampled_from((MODIFY, MODIFY, NEW)))
        messages.append(message(kind, index, nights=index))
    if draw(st.booleans()):
        messages.append(message(CANCEL, length + 1, nights=length + 1))
    return messages


def expected_final(delivered: list[Message]) -> tuple[Revision, bool, int | None]:
    """(revision, cancelled, nights) the ledger must hold after ``delivered``."""
    newest_kind, newest = max(delivered, key=lambda m: m[1].revision)
    cancelled = any(kind is CANCEL for kind, _ in delivered)
    nights = None if newest_kind is CANCEL else newest.nights
    return newest.revision, cancelled, nights


class LedgerMachine(RuleBasedStateMachine):
    """Deliver a history's messages in any order, any number of times."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[Message] = []
        self.delivered: list[Message] = []
        self.stored: Reservation | None = None
        self.ever_cancelled = False

    @initialize(history=histories())
    def start(self, history: list[Message]) -> None:
        self.history = history

    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        msg = data.draw(st.sampled_from(self.history))
        already_seen = msg in self.delivered
        outcome, self.stored = apply(self.stored, msg)
        self.delivered.append(msg)
        if already_seen:
            assert not outcome.changed, f"redelivery changed state: {outcome}"

    @invariant()
    def matches_the_newest_delivered_revision(self) -> None:
        if not self.delivered:
            assert self.stored is None
            return
        assert self.stored is not None
        revision, cancelled, nights = expected_final(self.delivered)
        assert self.stored.revision == revision
        assert self.stored.is_cancelled == cancelled
        if nights is not None:
            assert self.stored.nights == nights
            newest_kind = max(self.delivered, key=lambda m: m[1].revision)[0]
            assert self.stored.status is (
                ReservationStatus.CONFIRMED if newest_kind is NEW else ReservationStatus.MODIFIED
            )
            assert self.stored.id == UUID(int=1000 + self._first_applied_minutes())

    @invariant()
    def never_resurrected(self) -> None:
        if self.stored is not None and self.stored.is_cancelled:
            self.ever_cancelled = True
        if self.ever_cancelled:
            assert self.stored is not None
            assert self.stored.status is ReservationStatus.CANCELLED

    def _first_applied_minutes(self) -> int:
        """Our id is the id of the first message ever applied (the ledger keeps it)."""
        first = self.delivered[0][1]
        return int((first.revision.timestamp - BASE_TIME) / timedelta(minutes=1))


TestLedgerMachine = LedgerMachine.TestCase


@given(history=histories(), data=st.data())
def test_any_delivery_order_with_duplicates_ends_in_the_newest_state(
    history: list[Message], data: st.DataObject
) -> None:
    deliveries = data.draw(st.permutations(history + data.draw(st.lists(st.sampled_from(history)))))
    stored: Reservation | None = None
    for msg in deliveries:
        _, stored = apply(stored, msg)
    assert stored is not None
    newest_kind, newest = history[-1]
    assert stored.revision == newest.revision
    assert stored.is_cancelled == (newest_kind is CANCEL)
    if newest_kind is not CANCEL:
        assert stored.room_stays == newest.room_stays
        assert stored.status is (
            ReservationStatus.CONFIRMED if newest_kind is NEW else ReservationStatus.MODIFIED
        )


def test_two_different_versions_with_one_revision_are_a_conflict_flagged_once() -> None:
    outcome, stored = apply(None, message(NEW, 1, nights=2))
    kind, other = message(NEW, 1, nights=3)  # same revision, a different stay
    outcome, flagged = apply(stored, (kind, other))
    assert outcome is LedgerOutcome.CONFLICT
    assert flagged is not None
    assert stored is not None
    assert flagged.nights == stored.nights == 2  # the version held is kept, not guessed over
    [flag] = flagged.flags
    assert flag.code is FlagCode.REVISION_CONFLICT
    figures = dict(flag.figures)
    assert figures["dates (kept)"] == "2025-06-01..2025-06-03"
    assert figures["dates (other)"] == "2025-06-01..2025-06-04"
    again, after = apply(flagged, (kind, other))
    assert again is LedgerOutcome.DUPLICATE
    assert after == flagged


def test_every_applied_version_is_kept_with_what_changed() -> None:
    _, created = apply(None, message(NEW, 1, nights=2))
    _, modified = apply(created, message(MODIFY, 2, nights=3))
    _, cancelled = apply(modified, message(CANCEL, 3, nights=3))
    assert cancelled is not None
    assert [entry.action for entry in cancelled.history] == ["created", "modified", "cancelled"]
    changes = {change.field: change for change in cancelled.history[1].changes}
    assert (changes["dates"].before, changes["dates"].after) == (
        "2025-06-01..2025-06-03",
        "2025-06-01..2025-06-04",
    )
    assert cancelled.cancelled_at == cancelled.history[2].timestamp == cancelled.revision.timestamp


def test_a_stale_or_duplicate_message_adds_no_history() -> None:
    _, created = apply(None, message(NEW, 5))
    _, after_stale = apply(created, message(MODIFY, 1))
    _, after_duplicate = apply(after_stale, message(NEW, 5))
    assert after_duplicate is not None
    assert [entry.action for entry in after_duplicate.history] == ["created"]
