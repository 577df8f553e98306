"""The JSON body of a price modifier, shared by derived rate plans and per-connection rules."""

from __future__ import annotations

from typing import Annotated

import msgspec

from channel_manager.domain.pricing import PriceModifier, modifier_of

_Decimal = Annotated[str, msgspec.Meta(max_length=32, description="A decimal string")]


class ModifierBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Exactly one of ``percent`` (``"-10"``: 10% less, ``"15"``: 15% more) or ``amount``
    (``"5.00"``: 5 more in the property's currency; negative takes off). The result is rounded
    to the currency's minor unit and never goes below one minor unit."""

    percent: _Decimal | None = None
    amount: _Decimal | None = None

    def to_modifier(self) -> PriceModifier:
        """The domain's modifier (422 unless exactly one is given). JSON numbers are refused
        (a 400): a float cannot carry money exactly."""
        return modifier_of(self.percent, self.amount)
