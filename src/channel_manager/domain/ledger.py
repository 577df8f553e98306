"""The reservation ledger: applying channel messages idempotently and order-safely.

Channels deliver at least once and not necessarily in order. The ledger decides, per message,
what the stored reservation becomes:

- the same message twice (same revision) changes nothing (DUPLICATE);
- an older revision never overwrites a newer one (STALE);
- a cancel of an unknown reservation is stored as a cancelled tombstone (TOMBSTONED), so a
  late Commit cannot create it;
- nothing resurrects a cancelled reservation (IGNORED_AFTER_CANCEL); cancellation is final;
- the status follows the kind of the newest message applied (Commit -> confirmed, Modify ->
  modified, Cancel -> cancelled), so the result never depends on arrival order;
- two *different* versions with the same revision are a conflict: the one held is kept and
  flagged ``revision_conflict`` with what differs (CONFLICT), never guessed between;
- every applied version is added to the reservation's history with what changed (dates, rooms,
  guests, meal plan, prices), and a cancellation with when.

Messages that share a revision are taken to be the same message; adapters that can see two
different messages with one timestamp give them distinct ``Revision.sequence`` numbers.
"""

from __future__ import annotations

from enum import StrEnum

import attrs

from channel_manager.domain.channel import ReservationMessageKind
from channel_manager.domain.reservation import (
    Change,
    FlagCode,
    Reservation,
    ReservationFlag,
    ReservationStatus,
    RevisionEntry,
    version_summary,
)


class LedgerOutcome(StrEnum):
    """What applying one message did."""

    CREATED = "created"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    TOMBSTONED = "tombstoned"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    STALE = "stale"
    IGNORED_AFTER_CANCEL = "ignored_after_cancel"

    @property
    def changed(self) -> bool:
        """True when the stored reservation must be written."""
        return self in _CHANGING


_CHANGING = frozenset(
    {
        LedgerOutcome.CREATED,
        LedgerOutcome.UPDATED,
        LedgerOutcome.CANCELLED,
        LedgerOutcome.TOMBSTONED,
        LedgerOutcome.CONFLICT,
    }
)


@attrs.frozen
class LedgerDecision:
    """The outcome and, when something changed, the reservation to store (else ``None``)."""

    outcome: LedgerOutcome
    result: Reservation | None = None

    @property
    def changed(self) -> bool:
        """True when ``result`` must be written."""
        return self.outcome.changed


class ReservationLedger:
    """Pure policy; holds no state. ``apply`` is the only entry point."""

    def apply(
        self,
        current: Reservation | None,
        incoming: Reservation,
        kind: ReservationMessageKind,
    ) -> LedgerDecision:
        """Decide what ``incoming`` (a message of ``kind``) does to ``current``."""
        if current is None:
            return self._first_sight(incoming, kind)
        if current.is_cancelled:
            if kind is ReservationMessageKind.CANCEL:
                return LedgerDecision(LedgerOutcome.DUPLICATE)
            return LedgerDecision(LedgerOutcome.IGNORED_AFTER_CANCEL)
        if incoming.revision == current.revision:
            return _same_revision(current, incoming)
        if incoming.revision < current.revision:
            return LedgerDecision(LedgerOutcome.STALE)
        if kind is ReservationMessageKind.CANCEL:
            # Cancel messages may carry no room stays: keep what we know, mark it cancelled.
            cancelled_at = incoming.cancelled_at or incoming.revision.timestamp
            cancelled = attrs.evolve(
                current,
                status=ReservationStatus.CANCELLED,
                revision=incoming.revision,
                raw_message_id=incoming.raw_message_id or current.raw_message_id,
                cancelled_at=cancelled_at,
            )
            cancelled = attrs.evolve(
                cancelled, history=(*current.history, _entry(cancelled, "cancelled"))
            )
            return LedgerDecision(LedgerOutcome.CANCELLED, cancelled)
        # A change made before the first acknowledgement arrives as a *new* message; it is
        # still an update of what we hold. The status follows the message kind only, so the
        # final state does not depend on the order messages arrived in.
        updated = attrs.evolve(incoming, id=current.id, status=_STATUS_BY_KIND[kind])
        entry = _entry(updated, "modified", changes=_changes(current, updated))
        updated = attrs.evolve(updated, history=(*current.history, entry))
        return LedgerDecision(LedgerOutcome.UPDATED, updated)

    @staticmethod
    def _first_sight(incoming: Reservation, kind: ReservationMessageKind) -> LedgerDecision:
        if kind is ReservationMessageKind.CANCEL:
            tombstone = attrs.evolve(
                incoming,
                status=ReservationStatus.CANCELLED,
                cancelled_at=incoming.cancelled_at or incoming.revision.timestamp,
            )
            tombstone = attrs.evolve(tombstone, history=(_entry(tombstone, "cancelled"),))
            return LedgerDecision(LedgerOutcome.TOMBSTONED, tombstone)
        created = attrs.evolve(incoming, status=_STATUS_BY_KIND[kind])
        created = attrs.evolve(created, history=(_entry(created, "created"),))
        return LedgerDecision(LedgerOutcome.CREATED, created)


def _same_revision(current: Reservation, incoming: Reservation) -> LedgerDecision:
    """The same revision again: a duplicate when it says the same, else a conflict flagged on
    the version held (once per revision), with the figures that differ."""
    differences = _changes(current, incoming)
    if not differences:
        return LedgerDecision(LedgerOutcome.DUPLICATE)
    stamp = current.revision.timestamp.isoformat()
    if any(
        flag.code is FlagCode.REVISION_CONFLICT and ("revision", stamp) in flag.figures
        for flag in current.flags
    ):
        return LedgerDecision(LedgerOutcome.DUPLICATE)
    flag = ReservationFlag(
        code=FlagCode.REVISION_CONFLICT,
        message=f"two different versions share the revision {stamp}; the first one received "
        "is kept",
        figures=(
            ("revision", stamp),
            *((f"{c.field} (kept)", c.before) for c in differences),
            *((f"{c.field} (other)", c.after) for c in differences),
        ),
    )
    return LedgerDecision(
        LedgerOutcome.CONFLICT, attrs.evolve(current, flags=(*current.flags, flag))
    )


def _entry(
    reservation: Reservation, action: str, changes: tuple[Change, ...] = ()
) -> RevisionEntry:
    return RevisionEntry(
        timestamp=reservation.revision.timestamp,
        sequence=reservation.revision.sequence,
        action=action,
        summary=version_summary(reservation),
        changes=changes,
    )


def _changes(before: Reservation, after: Reservation) -> tuple[Change, ...]:
    old, new = dict(version_summary(before)), dict(version_summary(after))
    return tuple(
        Change(field=name, before=old.get(name, "-"), after=value)
        for name, value in new.items()
        if old.get(name, "-") != value
    )


_STATUS_BY_KIND = {
    ReservationMessageKind.NEW: ReservationStatus.CONFIRMED,
    ReservationMessageKind.MODIFY: ReservationStatus.MODIFIED,
    ReservationMessageKind.CANCEL: ReservationStatus.CANCELLED,
}
