"""The R1 end state, read from our side (REST API, database) and compared with the sandbox's.

The expectation comes from the sandbox: the reservations it holds for the mapped hotels, each at
its last revision, and the status that revision's message kind means. Nothing here asks the
product what it considers newest.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa

from booking_sandbox.model import MessageKind, QueueMessage
from booking_sandbox.state import SandboxState
from channel_manager.adapters.sqlalchemy.tables.push_inbox import push_inbox
from channel_manager.adapters.sqlalchemy.tables.reservations import reservations as reservation_rows
from tests.e2e.flows import Tenant, ok
from tests.e2e.inventory import assert_same_reservation

from .delivery_histories import STATUS_BY_KIND

PAGE = 500


def all_reservations(tenant: Tenant) -> list[dict[str, Any]]:
    """Every reservation the organisation sees, page by page through the REST API."""
    found: list[dict[str, Any]] = []
    while True:
        page = ok(
            tenant.api.get("/api/v1/reservations", params={"limit": PAGE, "offset": len(found)})
        )
        found.extend(page)
        if len(page) < PAGE:
            return found


def stored_rows(engine: sa.Engine) -> collections.Counter[str]:
    """How many reservation rows the database holds per channel reservation id."""
    with engine.connect() as connection:
        ids = connection.execute(sa.select(reservation_rows.c.external_id)).scalars()
        return collections.Counter(ids)


def not_yet_committed(
    engine: sa.Engine, revisions: Mapping[str, dt.datetime]
) -> list[tuple[str, str]]:
    """Which of ``revisions`` (channel reservation id -> revision timestamp) the database does
    not hold at that revision or a later one; a cancelled reservation holds every revision
    (cancellation is final). What a channel was told is stored must be, at that moment.
    """
    if not revisions:
        return []
    query = sa.select(
        reservation_rows.c.external_id,
        reservation_rows.c.revision_timestamp,
        reservation_rows.c.status,
    ).where(reservation_rows.c.external_id.in_(list(revisions)))
    with engine.connect() as connection:
        stored = {row.external_id: row for row in connection.execute(query)}
    problems = []
    for rid, stamp in revisions.items():
        row = stored.get(rid)
        if row is None:
            problems.append((rid, f"revision {stamp} acknowledged, nothing stored"))
        elif row.status != "cancelled" and row.revision_timestamp < stamp.replace(microsecond=0):
            problems.append(
                (rid, f"revision {stamp} acknowledged, {row.revision_timestamp} stored")
            )
    return problems


def not_yet_stored(
    engine: sa.Engine, revisions: Mapping[str, dt.datetime]
) -> list[tuple[str, str]]:
    """Which of ``revisions`` a pushed Success was given for while neither the push inbox holds
    a message for the reservation nor the database the reservation at that revision or later
    (issue 17: a push is acknowledged once its message is stored in the inbox, and applied a
    moment later). The inbox is read first: a row it no longer holds has been applied.
    """
    with engine.connect() as connection:
        waiting = {
            route["reservation_id"]
            for routes in connection.execute(sa.select(push_inbox.c.routes)).scalars()
            for route in routes
        }
    return not_yet_committed(
        engine, {rid: stamp for rid, stamp in revisions.items() if rid not in waiting}
    )


def inbox_rows(engine: sa.Engine) -> int:
    """Pushed messages stored but not applied yet (pending or flagged)."""
    with engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(push_inbox)).scalar_one()
        )


def newest_queue_kinds(state: SandboxState, hotel_codes: Collection[str]) -> dict[str, MessageKind]:
    """The kind of the last message the sandbox queued per reservation (what polling sees)."""
    with state.lock:
        messages: list[QueueMessage] = list(state.queue.messages)
    return {m.reservation_id: m.kind for m in messages if m.hotel_code in hotel_codes}


def pending_messages(state: SandboxState, hotel_codes: Collection[str]) -> list[QueueMessage]:
    """Messages the sandbox still serves (not acknowledged, not superseded) for the hotels."""
    with state.lock:
        return [m for m in state.queue.messages if m.pending and m.hotel_code in hotel_codes]


def assert_newest_revisions(
    ours: list[dict[str, Any]], state: SandboxState, expected_kinds: Mapping[str, MessageKind]
) -> None:
    """Exactly the expected reservations, each once, each at its newest revision: status from
    the newest message's kind; stays, dates, prices, totals and guests as the sandbox holds them
    (a cancellation carries no rooms, so a cancelled one is checked for its status only).
    """
    counts = collections.Counter(r["external_id"] for r in ours)
    duplicated = {rid: n for rid, n in counts.items() if n > 1}
    assert not duplicated, f"stored more than once: {duplicated}"
    missing = sorted(set(expected_kinds) - set(counts))
    unexpected = sorted(set(counts) - set(expected_kinds))
    assert not missing, f"{len(missing)} reservation(s) lost: {missing[:20]}"
    assert not unexpected, f"reservations that were never sent: {unexpected[:20]}"
    wrong_status = {
        r["external_id"]: (r["status"], STATUS_BY_KIND[expected_kinds[r["external_id"]]])
        for r in ours
        if r["status"] != STATUS_BY_KIND[expected_kinds[r["external_id"]]]
    }
    assert not wrong_status, f"(ours, expected) status: {dict(list(wrong_status.items())[:20])}"
    for reservation in ours:
        if reservation["status"] != "cancelled":
            assert_same_reservation(reservation, state.reservations[reservation["external_id"]])
