"""Per-connection rules (issue 18): what one channel is sent instead of our calendar as it is.

A price modifier (a markup to cover the channel's commission), a cap on the rooms offered
("at most 3 rooms on this channel") and a stop-sell of the whole channel. They change only
what goes out to that connection; our calendar, and every other channel, keep their values.
:func:`apply_rules` is applied by the publish step to every night it sends.
"""

from __future__ import annotations

from uuid import UUID

import attrs

from channel_manager.domain.ari_calendar import DayValues
from channel_manager.domain.errors import InvalidValue
from channel_manager.domain.pricing import PriceModifier

#: A cap above this is a typing error (no room type has more rooms: see inventory).
MAX_AVAILABILITY_CAP = 9999


def _cap_in_range(
    _instance: object, _attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"availability_cap must be a whole number, got {value!r}")
    if not 0 <= value <= MAX_AVAILABILITY_CAP:
        raise InvalidValue(
            f"availability_cap must be 0 to {MAX_AVAILABILITY_CAP} rooms, got {value}"
        )


@attrs.frozen(kw_only=True)
class ConnectionRules:
    """One connection's rules. ``price_modifier`` None: rates go out as they are;
    ``availability_cap`` None: no cap (0 offers nothing, like a stop-sell of the rooms);
    ``stop_sell``: every night sent to the channel is closed."""

    connection_id: UUID
    price_modifier: PriceModifier | None = None
    availability_cap: int | None = attrs.field(default=None, validator=_cap_in_range)
    stop_sell: bool = False

    @classmethod
    def none(cls, connection_id: UUID) -> ConnectionRules:
        """No rule: the channel is sent our calendar as it is."""
        return cls(connection_id=connection_id)

    @property
    def is_neutral(self) -> bool:
        """True when the rules change nothing that is sent."""
        return (
            (self.price_modifier is None or self.price_modifier.is_identity)
            and self.availability_cap is None
            and not self.stop_sell
        )

    @property
    def blocks_every_night(self) -> bool:
        """True when the channel may sell nothing at all (stop-sell on, or a cap of 0)."""
        return self.stop_sell or self.availability_cap == 0


def apply_rules(rules: ConnectionRules | None, values: DayValues) -> DayValues:
    """``values`` as the rules' connection is sent them: the rate modified, availability at
    most the cap, and stop-sell on every night when the rules stop selling. Values not set
    stay unset (a rule never invents a rate or a count); ``None`` rules change nothing."""
    if rules is None or rules.is_neutral:
        return values
    rate, availability, stop_sell = values.rate, values.availability, values.stop_sell
    modifier = rules.price_modifier
    if rate is not None and modifier is not None and not modifier.is_identity:
        rate = modifier.apply(rate)
    cap = rules.availability_cap
    if availability is not None and cap is not None and availability > cap:
        availability = cap
    if rules.stop_sell:
        stop_sell = True
    return attrs.evolve(values, rate=rate, availability=availability, stop_sell=stop_sell)
