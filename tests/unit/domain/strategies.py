"""Hypothesis strategies for domain values, shared by the domain tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st

from channel_manager.domain.ari_calendar import AriChangeSet, AriKey, DayValues
from channel_manager.domain.money import Money, minor_units
from channel_manager.domain.reservation import Reservation, Revision, RoomStay
from tests.support.clock import HARD_DAYS, session_now

CURRENCIES = ("EUR", "USD", "JPY", "KWD", "GBP", "ISK", "BHD")
#: The session's instant (tests/support/clock.py): the date sweep moves it to the hard days.
BASE_TIME = session_now()
BASE_DAY = BASE_TIME.date()
#: Where generated stays and ARI runs start: the session's day and every hard day (month and
#: year ends, 29 February, clock changes), a few days either side.
ANCHOR_DAYS = (BASE_DAY, *sorted({moment.date() for moment in HARD_DAYS.values()}))
anchor_days = st.sampled_from(ANCHOR_DAYS)

CONNECTION_ID = UUID(int=1)
RESERVATION_ID = UUID(int=2)

currencies = st.sampled_from(CURRENCIES)


@st.composite
def exact_money(draw: st.DrawFn, currency: str | None = None) -> Money:
    """Money that is exact in its currency's minor units (what OTA messages carry)."""
    code = currency or draw(currencies)
    minor = draw(st.integers(min_value=0, max_value=10**9))
    return Money(Decimal(minor).scaleb(-minor_units(code)), code)


uuids = st.uuids()
revisions = st.builds(
    Revision,
    timestamp=st.integers(min_value=0, max_value=10**6).map(
        lambda s: BASE_TIME + timedelta(seconds=s)
    ),
    sequence=st.integers(min_value=0, max_value=3),
)


def stay(
    unit_id: UUID | None, arrival: date, nights: int, index: int = 1, room_type: str = "R1"
) -> RoomStay:
    """A room stay of ``nights`` nights from ``arrival``."""
    return RoomStay(
        index=index,
        external_room_type_id=room_type,
        unit_id=unit_id,
        arrival=arrival,
        departure=arrival + timedelta(days=nights),
    )


def reservation(
    *,
    revision: Revision,
    stays: tuple[RoomStay, ...] = (),
    external_id: str = "RES-1",
    connection_id: UUID = CONNECTION_ID,
    reservation_id: UUID = RESERVATION_ID,
    guest_count: int = 1,
) -> Reservation:
    """A minimal reservation; dates span its room stays (or one night on BASE_DAY)."""
    arrival = min((s.arrival for s in stays), default=BASE_DAY)
    departure = max((s.departure for s in stays), default=BASE_DAY + timedelta(days=1))
    return Reservation(
        id=reservation_id,
        connection_id=connection_id,
        external_id=external_id,
        external_property_id="H1",
        revision=revision,
        arrival=arrival,
        departure=departure,
        room_stays=stays,
        currency="EUR",
        remarks=(f"guests={guest_count}",),
    )


@st.composite
def room_stays(draw: st.DrawFn, units: tuple[UUID, ...]) -> tuple[RoomStay, ...]:
    """One to three room stays over a small window; some may be unmapped."""
    count = draw(st.integers(min_value=1, max_value=3))
    anchor = draw(anchor_days)
    result = []
    for index in range(1, count + 1):
        unit = draw(st.sampled_from((*units, None)))
        arrival = anchor + timedelta(days=draw(st.integers(min_value=-3, max_value=10)))
        nights = draw(st.integers(min_value=1, max_value=5))
        result.append(stay(unit, arrival, nights, index=index))
    return tuple(result)


ari_keys = st.builds(
    AriKey,
    hotel_code=st.sampled_from(("H1", "H2")),
    room_type_code=st.sampled_from(("R1", "R2")),
    rate_plan_code=st.sampled_from((None, "RP1")),
)


@st.composite
def day_values(draw: st.DrawFn) -> DayValues:
    """Day values drawn from small pools so that equal neighbours (merges) are common.

    Availability stays within OTA's 0..254 so that compression round-trips exactly.
    """
    return DayValues(
        availability=draw(st.sampled_from((None, 0, 1, 2, 254))),
        rate=draw(st.sampled_from((None, Money.of("100", "EUR"), Money.of("120.50", "EUR")))),
        min_los=draw(st.sampled_from((None, 1, 2))),
        max_los=draw(st.sampled_from((None, 7))),
        closed_to_arrival=draw(st.sampled_from((None, True, False))),
        closed_to_departure=draw(st.sampled_from((None, False))),
        stop_sell=draw(st.sampled_from((None, True, False))),
    )


@st.composite
def change_sets(draw: st.DrawFn) -> AriChangeSet:
    """Change sets over up to three keys and ~70 days around month boundaries, built from
    runs of equal values so the compressor has something to merge.
    """
    days: dict[AriKey, dict[date, DayValues]] = {}
    for key in draw(st.lists(ari_keys, min_size=0, max_size=3, unique=True)):
        by_day: dict[date, DayValues] = {}
        cursor = draw(anchor_days) + timedelta(days=draw(st.integers(-15, 5)))
        for _ in range(draw(st.integers(min_value=0, max_value=5))):
            values = draw(day_values())
            length = draw(st.integers(min_value=1, max_value=20))
            for offset in range(length):
                by_day[cursor + timedelta(days=offset)] = values
            cursor += timedelta(days=length + draw(st.sampled_from((0, 0, 1, 3))))
        days[key] = by_day
    return AriChangeSet(days)
