"""Reservation histories and their delivery for R1, built from the sandbox alone.

A *history* is what Booking.com would have sent about a set of reservations: every revision
(booking, modifications, cancellations) as the sandbox's generator made them, each rendered as
the OTA_HotelResNotifRQ a push sender posts. Revisions are made in rounds with the sandbox clock
moved a minute between rounds, so within one reservation a later revision always carries a later
``LastModifyDateTime`` (OTA timestamps have whole seconds). What is *newest* therefore follows
from the order the sandbox made things in, not from anything the product computes.

:class:`PushSender` plays an OTA push sender: it posts every delivery (duplicates included,
shuffled) with a few connections in flight, resends whatever was not answered with
``<Success/>`` and a 200 (5xx, connection errors), and keeps a 4xx answer with ``<Errors>`` as a
final rejection, which is how the OTA push contract reads.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence

import attrs
import httpx

from booking_sandbox.generator import GenerationError
from booking_sandbox.model import MessageKind, ReservationStatus
from booking_sandbox.model import Reservation as SandboxReservation
from booking_sandbox.ota_reservations import RES_STATUS, res_notif_rq
from booking_sandbox.state import SandboxState

#: Our status for the kind of the newest message applied (the channel's word, not ours).
STATUS_BY_KIND = {
    MessageKind.NEW: "confirmed",
    MessageKind.MODIFY: "modified",
    MessageKind.CANCEL: "cancelled",
}
#: Share of the reservations changed in each round after the bookings: (modify, cancel).
ROUNDS = ((0.5, 0.0), (0.3, 0.15), (0.2, 0.1))


@attrs.frozen
class Revision:
    """One message about one reservation, as a push sender would post it."""

    reservation_id: str
    kind: MessageKind
    snapshot: SandboxReservation
    body: bytes

    @property
    def stamp(self) -> dt.datetime:
        """The revision's timestamp (``LastModifyDateTime``, else ``CreateDateTime``)."""
        return self.snapshot.modified_at or self.snapshot.booked_at


@attrs.frozen
class History:
    """Every revision made, oldest first, and the newest one per reservation."""

    revisions: tuple[Revision, ...]

    @property
    def newest(self) -> dict[str, Revision]:
        """The last revision of each reservation (rounds are made oldest first)."""
        return {revision.reservation_id: revision for revision in self.revisions}


def make_history(
    state: SandboxState, hotel_codes: Sequence[str], bookings: int, rng: random.Random
) -> History:
    """``bookings`` new reservations across ``hotel_codes``, then rounds of modifications and
    cancellations (:data:`ROUNDS`), a minute apart. Each event is also queued by the sandbox,
    so the polling path sees the same reservations.
    """
    made = book(state, hotel_codes, bookings)
    booked = [revision.reservation_id for revision in made]
    for modify_share, cancel_share in ROUNDS:
        made += change(state, booked, modify_share, cancel_share, rng)
    return History(tuple(made))


def book(state: SandboxState, hotel_codes: Sequence[str], count: int) -> list[Revision]:
    """``count`` new reservations, spread over ``hotel_codes``, a minute after anything before."""
    state.clock.advance(60)
    return [
        _revision(state, MessageKind.NEW, state.generate("new", hotel_codes[i % len(hotel_codes)]))
        for i in range(count)
    ]


def change(
    state: SandboxState,
    reservation_ids: Sequence[str],
    modify_share: float,
    cancel_share: float,
    rng: random.Random,
) -> list[Revision]:
    """One round, a minute after the last: modify ``modify_share`` and cancel ``cancel_share``
    of ``reservation_ids`` (distinct reservations, cancelled ones left alone).
    """
    state.clock.advance(60)
    active = [rid for rid in reservation_ids if not _cancelled(state, rid)]
    rng.shuffle(active)
    modify_count = round(len(reservation_ids) * modify_share)
    cancel_count = round(len(reservation_ids) * cancel_share)
    made = []
    for rid in active[:modify_count]:
        try:
            made.append(
                _revision(state, MessageKind.MODIFY, state.generate("modify", reservation_id=rid))
            )
        except GenerationError:
            continue  # nothing left to change it with: it keeps its revision
    for rid in active[modify_count : modify_count + cancel_count]:
        made.append(
            _revision(state, MessageKind.CANCEL, state.generate("cancel", reservation_id=rid))
        )
    return made


def _revision(state: SandboxState, kind: MessageKind, reservation: SandboxReservation) -> Revision:
    body = res_notif_rq(
        [(kind, reservation)], state.hotels, state.clock.now(), root_status=RES_STATUS[kind]
    )
    return Revision(reservation.id, kind, reservation, body)


def _cancelled(state: SandboxState, reservation_id: str) -> bool:
    return state.reservations[reservation_id].status is ReservationStatus.CANCELLED


def deliveries(
    revisions: Sequence[Revision], duplicate_share: float, rng: random.Random
) -> list[Revision]:
    """Every revision once plus repeats of random revisions, so that ``duplicate_share`` of
    all deliveries are duplicates; shuffled.
    """
    total = round(len(revisions) / (1 - duplicate_share))
    chosen = [*revisions, *(rng.choice(revisions) for _ in range(total - len(revisions)))]
    rng.shuffle(chosen)
    return chosen


@attrs.define
class SendReport:
    """What the sender saw: attempts per outcome and the final fate of every delivery."""

    attempts: collections.Counter[str] = attrs.field(factory=collections.Counter)
    delivered: int = 0
    rejected: list[tuple[Revision, int, str]] = attrs.field(factory=list)
    gave_up: list[Revision] = attrs.field(factory=list)


class PushSender:
    """Posts deliveries to the push endpoint from ``workers`` threads; resends failures."""

    def __init__(
        self,
        url: str,
        auth: tuple[str, str],
        *,
        workers: int = 4,
        max_attempts: int = 25,
        retry_pause: float = 0.02,
        on_success: Callable[[Revision], None] | None = None,
    ) -> None:
        self._url = url
        self._on_success = on_success
        self._auth = auth
        self._workers = workers
        self._max_attempts = max_attempts
        self._retry_pause = retry_pause
        self._lock = threading.Lock()

    def send(self, items: Iterable[Revision]) -> SendReport:
        """Deliver everything; returns once each delivery succeeded, was rejected or gave up.

        A failed delivery goes to the back of the line, so its resend lands among later
        messages: more reordering, as with a real sender's backoff.
        """
        pending = collections.deque((item, 1) for item in items)
        report = SendReport()
        in_flight = [0]

        # Rung whenever a delivery ends: a resend may have come back into the line.
        changed = threading.Condition(self._lock)

        def next_item() -> tuple[Revision, int] | None:
            with changed:
                changed.wait_for(lambda: pending or not in_flight[0])
                if pending:
                    in_flight[0] += 1
                    return pending.popleft()
                return None

        def work() -> None:
            with httpx.Client(auth=self._auth, timeout=30) as client:
                while (taken := next_item()) is not None:
                    item, attempt = taken
                    outcome, status, text = self._post(client, item.body)
                    if outcome == "delivered" and self._on_success is not None:
                        self._on_success(item)
                    with self._lock:
                        in_flight[0] -= 1
                        report.attempts[outcome] += 1
                        if outcome == "delivered":
                            report.delivered += 1
                        elif outcome == "rejected":
                            report.rejected.append((item, status, text[:300]))
                        elif attempt >= self._max_attempts:
                            report.gave_up.append(item)
                        else:
                            pending.append((item, attempt + 1))
                        changed.notify_all()
                    if outcome == "retry":
                        time.sleep(self._retry_pause)

        threads = [threading.Thread(target=work, daemon=True) for _ in range(self._workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return report

    def _post(self, client: httpx.Client, body: bytes) -> tuple[str, int, str]:
        """``delivered``, ``rejected`` (4xx with Errors) or ``retry`` (anything else)."""
        try:
            response = client.post(
                self._url, content=body, headers={"Content-Type": "application/xml"}
            )
        except httpx.HTTPError as error:
            return "retry", 0, f"{type(error).__name__}: {error}"
        text = response.text
        if response.status_code == 200 and "<Success/>" in text and "<Errors>" not in text:
            return "delivered", 200, text
        if 400 <= response.status_code < 500 and "<Errors>" in text:
            return "rejected", response.status_code, text
        return "retry", response.status_code, text
