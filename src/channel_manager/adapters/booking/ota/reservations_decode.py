"""Lenient decoding of OTA_HotelResNotifRQ / OTA_HotelResModifyNotifRQ (and OTA_CancelRQ, as
the cancellation it is: see :mod:`.cancel`).

Accepted forms (Booking.com ``Version="2.001"`` and standard OTA): ``ResStatus``
Commit/Modify/Cancel (also Book, Cancelled, ...; on the root or per reservation; a
``HotelResModify`` without room stays is a cancellation); amounts as integers with
``DecimalPlaces`` or as decimal strings; nights from ``RoomRate[@EffectiveDate]`` (one per
night) or ``Rate[@EffectiveDate @ExpireDate]`` ranges (``ExpireDate`` is the departure,
exclusive, unless ``ExpireDateExclusiveInd="false"``) or ``TimeSpan``; ``POS``, ``UniqueID`` and
``TPA_Extensions`` optional. Of a ``PaymentCard`` only brand, last four, expiry and holder are
read: the number is reduced to its last four digits here and never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter

from lxml import etree

from channel_manager.adapters.booking.ota.cancel import CANCEL_RQ, read_cancel_rq
from channel_manager.adapters.booking.ota.errors import OtaErrorCode, OtaParseError
from channel_manager.adapters.booking.ota.namespaces import ota
from channel_manager.adapters.booking.ota.parser import ParserLimits, parse_document
from channel_manager.adapters.booking.ota.reservation_ids import read_reservation_ids
from channel_manager.adapters.booking.ota.reservations import (
    Amount,
    CardSummary,
    Customer,
    GuestCount,
    GuestProfile,
    NightlyRate,
    OtaReservation,
    OtaRoomStay,
    OtaService,
    PersonName,
    PostalAddress,
    ResMessageKind,
    ResNotifRQ,
    ResStatus,
    SpecialRequest,
    Total,
)
from channel_manager.adapters.booking.ota.xmlread import (
    all_tagged,
    amount_attr,
    attr,
    bool_attr,
    child,
    children,
    date_attr,
    datetime_attr,
    first_tagged,
    firsts,
    int_attr,
    missing,
    text,
)
from channel_manager.domain.money import minor_units, spread_amount

_STATUS_SPELLINGS: dict[str, ResStatus] = {
    **dict.fromkeys(("commit", "book", "booked", "reserved", "confirmed", "new"), ResStatus.COMMIT),
    **dict.fromkeys(("modify", "modified", "modification"), ResStatus.MODIFY),
    **dict.fromkeys(("cancel", "cancelled", "canceled", "cancellation"), ResStatus.CANCEL),
}
_MAX_NIGHTS = 366 * 3  # a longer stay is a malformed message, not a booking
#: OTA's EchoToken is a StringLength1to128.
MAX_ECHO_TOKEN = 128


def _status(raw: str | None, kind: ResMessageKind, has_stays: bool) -> ResStatus:
    if raw is None:
        status = ResStatus.COMMIT if kind is ResMessageKind.NEW else ResStatus.MODIFY
    elif (status_or_none := _STATUS_SPELLINGS.get(raw.lower())) is None:
        raise OtaParseError(
            OtaErrorCode.INVALID_VALUE, f"ResStatus must be Commit, Modify or Cancel, got {raw!r}"
        )
    else:
        status = status_or_none
    if kind is ResMessageKind.MODIFY:
        if not has_stays:
            return ResStatus.CANCEL  # unconfirmed Booking.com marking, see module docstring
        if status is ResStatus.COMMIT:
            return ResStatus.MODIFY  # "commit this modification"
    return status


def _total(element: etree._Element | None) -> Total | None:
    """A ``Total``/``Base``; a leaf one (the usual form) from a bounded cache by its attributes.

    A stay repeats the same nightly price: the cache turns three amount parses into one
    dictionary look-up. ``Total`` is immutable, so sharing one is safe; errors are not cached.
    """
    if element is None:
        return None
    if len(element):
        return _read_total(element)
    key = tuple(element.items())
    try:
        return _LEAF_TOTALS[key]
    except KeyError:
        pass
    total = _read_total(element)
    if sum(len(name) + len(value) for name, value in key) <= _CACHED_TOTAL_LENGTH:
        if len(_LEAF_TOTALS) >= _CACHED_TOTALS:
            _LEAF_TOTALS.clear()
        _LEAF_TOTALS[key] = total
    return total


_CACHED_TOTALS = 4096
#: Attribute names and values of a cached leaf Total, in characters: bounds the cache's memory.
_CACHED_TOTAL_LENGTH = 200
_LEAF_TOTALS: dict[tuple[tuple[str | bytes, str | bytes], ...], Total | None] = {}


def _read_total(element: etree._Element) -> Total | None:
    taxes_element = first_tagged(element, _TAXES)
    taxes = amount_attr(taxes_element, "Amount")
    if taxes is None:
        # No total on Taxes: add up the individual Tax amounts, if there are any.
        tax_amounts = [
            amount
            for tax in all_tagged(taxes_element, _TAX)
            if (amount := amount_attr(tax, "Amount")) is not None
        ]
        taxes = sum(tax_amounts, Decimal(0)) if tax_amounts else None
    total = Total(
        after_tax=amount_attr(element, "AmountAfterTax"),
        before_tax=amount_attr(element, "AmountBeforeTax"),
        taxes=taxes,
        currency=attr(element, "CurrencyCode"),
    )
    return None if total.amount is None and total.taxes is None else total


def _commission(element: etree._Element | None) -> Amount | None:
    payable = first_tagged(element, _COMMISSION_PAYABLE)
    value = amount_attr(payable, "Amount")
    if value is None:
        return None
    return Amount(value=value, currency=attr(payable, "CurrencyCode"))


def _nights(start: date, end: date | None, inclusive_end: bool) -> list[date]:
    if end is None or end <= start:
        return [start]
    last = end if inclusive_end else end - timedelta(days=1)
    if (last - start).days > _MAX_NIGHTS:
        raise OtaParseError(
            OtaErrorCode.INVALID_VALUE, f"a rate spans more than {_MAX_NIGHTS} nights"
        )
    return [start + timedelta(days=offset) for offset in range((last - start).days + 1)]


_UNDATED: tuple[date | None, date | None, bool] = (None, None, False)


def _dated(element: etree._Element) -> tuple[date | None, date | None, bool]:
    get = element.get
    effective, expire, exclusive = (
        get("EffectiveDate"),
        get("ExpireDate"),
        get("ExpireDateExclusiveInd"),
    )
    if expire is None and exclusive is None:
        if effective is None:
            return _UNDATED  # most Rate elements: dated by their RoomRate
        # Booking.com: a RoomRate per night, dated by EffectiveDate alone. A message repeats
        # the same few nights: a bounded cache by the written value (errors are not cached).
        try:
            return _ONE_NIGHT[effective]
        except KeyError:
            pass
        dated = (date_attr(element, "EffectiveDate"), None, False)
        if len(effective) <= _CACHED_DATE_LENGTH:
            if len(_ONE_NIGHT) >= _CACHED_DATES:
                _ONE_NIGHT.clear()
            _ONE_NIGHT[effective] = dated
        return dated
    return (
        None if effective is None else date_attr(element, "EffectiveDate"),
        None if expire is None else date_attr(element, "ExpireDate"),
        exclusive is not None and bool_attr(element, "ExpireDateExclusiveInd") is False,
    )


_CACHED_DATES = 4096
_CACHED_DATE_LENGTH = 40
_ONE_NIGHT: dict[str, tuple[date | None, date | None, bool]] = {}

#: Clark names of the OTA elements read here.
_ROOM_STAYS = ota("RoomStays")
_ROOM_STAY = ota("RoomStay")
_TIME_SPAN = ota("TimeSpan")
_ROOM_RATES = ota("RoomRates")
_ROOM_RATE = ota("RoomRate")
_RATES = ota("Rates")
_RATE = ota("Rate")
_TOTAL = ota("Total")
_BASE = ota("Base")
_TAXES = ota("Taxes")
_TAX = ota("Tax")
_FEES = ota("Fees")
_FEE = ota("Fee")
_ADDITIONAL_GUESTS = ota("AdditionalGuestAmounts")
_ADDITIONAL_GUEST = ota("AdditionalGuestAmount")
_AMOUNT = ota("Amount")
_ROOM_TYPES = ota("RoomTypes")
_ROOM_TYPE = ota("RoomType")
_ROOM_DESCRIPTION = ota("RoomDescription")
_MEAL_PLAN = ota("MealPlan")
_RATE_PLANS = ota("RatePlans")
_RATE_PLAN = ota("RatePlan")
_MEALS_INCLUDED = ota("MealsIncluded")
_RATE_PLAN_DESCRIPTION = ota("RatePlanDescription")
_COMMISSION = ota("Commission")
_COMMISSION_PAYABLE = ota("CommissionPayableAmount")
_GUEST_COUNTS = ota("GuestCounts")
_GUEST_COUNT = ota("GuestCount")
_BASIC_PROPERTY_INFO = ota("BasicPropertyInfo")
_RES_GUEST_RPHS = ota("ResGuestRPHs")
_RES_GUEST_RPH = ota("ResGuestRPH")
_COMMENTS = ota("Comments")
_COMMENT = ota("Comment")
_SPECIAL_REQUESTS = ota("SpecialRequests")
_SPECIAL_REQUEST = ota("SpecialRequest")
_SERVICE_RPHS = ota("ServiceRPHs")
_SERVICE_RPH = ota("ServiceRPH")
_GUARANTEE = ota("Guarantee")
_PAYMENT_CARD = ota("PaymentCard")
_RES_GLOBAL_INFO = ota("ResGlobalInfo")
_RES_GUESTS = ota("ResGuests")
_RES_GUEST = ota("ResGuest")
_UNIQUE_ID = ota("UniqueID")
_SERVICES = ota("Services")
_TOTAL_COMMISSIONS = ota("TotalCommissions")
_PERSON_NAME = ota("PersonName")
_GIVEN_NAME = ota("GivenName")
_SURNAME = ota("Surname")
_NAME_PREFIX = ota("NamePrefix")
_EMAIL = ota("Email")
_TELEPHONE = ota("Telephone")
_ADDRESS = ota("Address")
_ADDRESS_LINE = ota("AddressLine")
_CITY_NAME = ota("CityName")
_POSTAL_CODE = ota("PostalCode")
_STATE_PROV = ota("StateProv")
_COUNTRY_NAME = ota("CountryName")
_COMPANY_NAME = ota("CompanyName")
_COMPANY_INFO = ota("CompanyInfo")


def _additional(container: etree._Element | None) -> Total | None:
    """``AdditionalGuestAmounts/AdditionalGuestAmount/Amount`` of a rate, added up (extra
    adults, children, infants: per night, like ``Base``)."""
    if container is None:
        return None
    amounts = [
        total
        for extra in container
        if extra.tag == _ADDITIONAL_GUEST
        and (total := _total(first_tagged(extra, _AMOUNT))) is not None
    ]
    if not amounts:
        return None
    return Total(
        after_tax=_sum_of(amount.after_tax for amount in amounts),
        before_tax=_sum_of(amount.before_tax for amount in amounts),
        taxes=_sum_of(amount.taxes for amount in amounts),
        currency=next((amount.currency for amount in amounts if amount.currency), None),
    )


def _sum_of(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum when every value is given, else ``None`` (a partial sum would mislead)."""
    listed = list(values)
    if not listed or any(value is None for value in listed):
        return None
    return sum((value for value in listed if value is not None), Decimal(0))


def _plus(price: Total, extra: Total | None) -> Total:
    """``price`` with ``extra`` added on each side both carry (tax sides kept apart)."""
    if extra is None:
        return price

    def add(left: Decimal | None, right: Decimal | None) -> Decimal | None:
        if left is None:
            return None
        return left if right is None else left + right

    return Total(
        after_tax=add(price.after_tax, extra.after_tax),
        before_tax=add(price.before_tax, extra.before_tax),
        taxes=add(price.taxes, extra.taxes),
        currency=price.currency or extra.currency,
    )


def _spread(amount: Decimal | None, nights: int, currency: str | None) -> list[Decimal | None]:
    """``amount`` over ``nights`` in whole minor units, the remainder on the last night."""
    if amount is None:
        return [None] * nights
    places = max(minor_units(currency or ""), -int(amount.as_tuple().exponent))
    return list(spread_amount(amount, nights, places))


def _spread_total(total: Total, nights: int) -> list[Total]:
    """A span's ``Total`` as ``nights`` nightly Totals that add up to it exactly."""
    after = _spread(total.after_tax, nights, total.currency)
    before = _spread(total.before_tax, nights, total.currency)
    taxes = _spread(total.taxes, nights, total.currency)
    if nights > 1 and after[0] == after[-1] and before[0] == before[-1] and taxes[0] == taxes[-1]:
        share = Total(
            after_tax=after[0], before_tax=before[0], taxes=taxes[0], currency=total.currency
        )
        return [share] * nights  # an even split: one shared Total, as the cache shares them
    return [
        Total(after_tax=a, before_tax=b, taxes=t, currency=total.currency)
        for a, b, t in zip(after, before, taxes, strict=True)
    ]


#: OpenTravel Charge Type (CHG) 1 is "Daily": such a rate's Total is already per night.
_DAILY_CHARGE = frozenset({"1", "Daily", "daily"})


def _per_night_base(rate: etree._Element) -> bool:
    """True when the rate's ``Base`` is an amount per night (``RateTimeUnit`` Day, or none,
    times a ``UnitMultiplier`` of 1, or none)."""
    unit, multiplier = rate.get("RateTimeUnit"), rate.get("UnitMultiplier")
    return unit in (None, "Day", "day") and (multiplier or "1").strip() == "1"


def _nightly_rates(
    room_rates: list[etree._Element],
    span: tuple[date, date] | None,
    fees: list[etree._Element],
) -> tuple[tuple[NightlyRate, ...], str | None]:
    """One ``NightlyRate`` per night a rate prices, in night order (nights outside the stay
    and nights priced twice included: the mapping flags them, the decoder keeps them).

    A one-night rate's price is its ``Total`` (Booking.com: one per night), else its ``Base``
    plus additional guests. A rate over several nights carries the whole span in ``Total``:
    the nights get ``Base`` (plus additional guests) each when it is per night, else the
    ``Total`` spread so they add up to it exactly.

    Each rate's children are read in one pass; its ``Fees`` go to ``fees`` (read after the
    prices, see :func:`_fees`), every rate's, priced or not. Also returns the first
    ``RoomRate/@PromotionCode``.
    """
    rates: list[NightlyRate] = []
    promotion: str | None = None
    for room_rate in room_rates:
        outer = _dated(room_rate)
        get = room_rate.get
        code = (get("RatePlanCode") or "").strip() or None  # attr(), inlined: once a night
        if promotion is None:
            promotion = (get("PromotionCode") or "").strip() or None
        for container in room_rate:  # the first Rates
            if container.tag == _RATES:
                break
        else:
            continue
        for rate in container:
            if rate.tag != _RATE:
                continue
            total_element = base_element = extra_element = fee_element = None
            for part in rate:  # the first Total, Base, AdditionalGuestAmounts and Fees
                tag = part.tag
                if tag == _TOTAL:
                    total_element = total_element if total_element is not None else part
                elif tag == _BASE:
                    base_element = base_element if base_element is not None else part
                elif tag == _ADDITIONAL_GUESTS:
                    extra_element = extra_element if extra_element is not None else part
                elif tag == _FEES:
                    fee_element = fee_element if fee_element is not None else part
            if fee_element is not None:
                fees.append(fee_element)
            if not rate.keys():  # the usual Rate, no attributes: dated by its RoomRate
                start, end, inclusive = outer
            else:
                start, end, inclusive = _dated(rate)
                if start is None:
                    start, end, inclusive = outer
            if start is None and span is not None:
                start, end, inclusive = span[0], span[1], False
            if start is None:
                continue  # an undated rate tells us nothing per night
            total = None if total_element is None else _total(total_element)
            base = None if base_element is None else _total(base_element)
            if end is None or end <= start:  # one night (Booking.com: a RoomRate per night)
                price = total or (None if base is None else _plus(base, _additional(extra_element)))
                if price is not None:
                    rates.append(NightlyRate(night=start, price=price, rate_plan_code=code))
                continue
            nights = _nights(start, end, inclusive)
            prices = _span_prices(rate, len(nights), total, base, extra_element)
            if not prices:
                continue  # an unpriced rate tells us nothing per night
            rates += [
                NightlyRate(night=night, price=price, rate_plan_code=code)
                for night, price in zip(nights, prices, strict=True)
            ]
    return tuple(sorted(rates, key=_NIGHT)), promotion


_NIGHT = attrgetter("night")


def _span_prices(
    rate: etree._Element,
    nights: int,
    total: Total | None,
    base: Total | None,
    extra: etree._Element | None,
) -> list[Total]:
    """The nightly prices of a rate over ``nights`` nights (none when it is unpriced): its
    ``Total`` when stated per day, its ``Base`` (plus additional guests) when per night or
    alone, else its ``Total`` spread."""
    if total is not None and rate.get("ChargeType") in _DAILY_CHARGE:
        return [total] * nights  # a Total stated per day (CHG 1, "Daily")
    if base is not None and (_per_night_base(rate) or total is None):
        return [_plus(base, _additional(extra))] * nights
    if total is not None:
        return _spread_total(total, nights)
    return []


def _texts(container: etree._Element | None, tag: str) -> tuple[str, ...]:
    """The texts of ``container``'s ``tag`` children that have one (``Comments/Comment``)."""
    return tuple(value for el in all_tagged(container, tag) if (value := text(el)))


def _special_requests(container: etree._Element | None) -> tuple[SpecialRequest, ...]:
    return tuple(
        SpecialRequest(text=value, name=attr(element, "Name"))
        for element in all_tagged(container, _SPECIAL_REQUEST)
        if (value := text(element))
    )


def _rphs(container: etree._Element | None, tag: str) -> tuple[str, ...]:
    """The ``RPH`` attributes of ``container``'s ``tag`` children that have one."""
    return tuple(rph for item in all_tagged(container, tag) if (rph := attr(item, "RPH")))


def _guest_rphs(element: etree._Element | None) -> tuple[str, ...]:
    """Booking.com writes ``ResGuestRPH[@RPH]`` children; the 2015B schema a list of numbers."""
    if element is None:
        return ()
    return _rphs(element, _RES_GUEST_RPH) or tuple((element.text or "").split())


def _room_stay(stay: etree._Element) -> tuple[OtaRoomStay, etree._Element | None]:
    """The room stay and its ``Guarantee`` (for :func:`_card`), from one pass over its
    children."""
    found = firsts(stay)
    time_span = found.get(_TIME_SPAN)
    span_start, span_end = date_attr(time_span, "Start"), date_attr(time_span, "End")
    span = (span_start, span_end) if span_start and span_end else None
    room_rates = all_tagged(found.get(_ROOM_RATES), _ROOM_RATE)
    fee_holders: list[etree._Element] = []
    nightly, rate_promotion = _nightly_rates(room_rates, span, fee_holders)
    if span is None and nightly:
        # Nights left without a price in between are flagged when mapped, not refused.
        span = (nightly[0].night, nightly[-1].night + timedelta(days=1))
    if span is None:
        raise missing("RoomStay/TimeSpan (or dated RoomRates)")
    if span[1] <= span[0]:
        raise OtaParseError(OtaErrorCode.INVALID_VALUE, f"RoomStay ends {span[1]} before it starts")
    if (span[1] - span[0]).days > _MAX_NIGHTS:
        raise OtaParseError(
            OtaErrorCode.INVALID_VALUE,
            f"a RoomStay from {span[0]} to {span[1]} is longer than {_MAX_NIGHTS} nights",
        )
    room_type = first_tagged(found.get(_ROOM_TYPES), _ROOM_TYPE)
    description = first_tagged(room_type, _ROOM_DESCRIPTION)
    rate_plan = first_tagged(found.get(_RATE_PLANS), _RATE_PLAN)
    in_rate_plan = firsts(rate_plan)
    first_room_rate = room_rates[0] if room_rates else None
    total = found.get(_TOTAL)
    if (total_fees := first_tagged(total, _FEES)) is not None:
        fee_holders.append(total_fees)
    stay_read = OtaRoomStay(
        arrival=span[0],
        departure=span[1],
        index_number=attr(stay, "IndexNumber"),
        room_type_code=attr(room_type, "RoomTypeCode") or attr(first_room_rate, "RoomTypeCode"),
        room_name=attr(description, "Name"),
        rate_plan_code=attr(rate_plan, "RatePlanCode") or attr(first_room_rate, "RatePlanCode"),
        meal_plan=_meal_plan(description, rate_plan, in_rate_plan),
        nightly_rates=nightly,
        guest_counts=tuple(
            GuestCount(
                count=int_attr(element, "Count") or 1,
                age_qualifying_code=attr(element, "AgeQualifyingCode"),
                age=int_attr(element, "Age"),
            )
            for element in all_tagged(found.get(_GUEST_COUNTS), _GUEST_COUNT)
        ),
        total=_total(total),
        commission=_commission(in_rate_plan.get(_COMMISSION)),
        hotel_code=attr(found.get(_BASIC_PROPERTY_INFO), "HotelCode"),
        guest_rphs=_guest_rphs(found.get(_RES_GUEST_RPHS)),
        comments=_texts(found.get(_COMMENTS), _COMMENT),
        special_requests=_special_requests(found.get(_SPECIAL_REQUESTS)),
        service_rphs=_rphs(found.get(_SERVICE_RPHS), _SERVICE_RPH),
        fees=_fees(fee_holders),
        promotion_code=attr(rate_plan, "PromotionCode") or rate_promotion,
    )
    return stay_read, found.get(_GUARANTEE)


def _fees(containers: list[etree._Element]) -> Decimal | None:
    """The stay's fees, kept apart from its price: ``Fee/@Amount`` of the ``Fees`` of its
    rates (the 2015B ``Rate/Fees``) and of its ``Total``, added up; ``None`` when it names
    none."""
    amounts = [
        amount
        for container in containers
        for fee in all_tagged(container, _FEE)
        if (amount := amount_attr(fee, "Amount")) is not None
    ]
    return sum(amounts, Decimal(0)) if amounts else None


#: MPT codes for the meal flags of ``MealsIncluded`` (breakfast, lunch, dinner).
_MEALS_TO_MPT = {
    (True, False, False): "19",
    (False, True, False): "21",
    (False, False, True): "22",
    (True, True, False): "23",
    (False, True, True): "24",
    (True, False, True): "12",
    (True, True, True): "10",
}
_MEAL_WORDS = re.compile(
    r"breakfast|half.?board|full.?board|all.?inclusive|room.?only|dinner|lunch", re.IGNORECASE
)


def _meal_plan(
    description: etree._Element | None,
    rate_plan: etree._Element | None,
    in_rate_plan: dict[object, etree._Element],
) -> str | None:
    """The meal plan: Booking.com's ``RoomDescription/MealPlan`` text, the ``MealsIncluded``
    MPT codes or its breakfast/lunch/dinner flags, else a rate plan description that names
    meals (``in_rate_plan``: the rate plan's children, see :func:`firsts`)."""
    written = text(first_tagged(description, _MEAL_PLAN))
    if written:
        return written
    meals = in_rate_plan.get(_MEALS_INCLUDED)
    if meals is not None:
        codes = attr(meals, "MealPlanCodes")
        if codes:
            return codes
        flags = tuple(bool_attr(meals, name) is True for name in ("Breakfast", "Lunch", "Dinner"))
        if flags in _MEALS_TO_MPT:
            return _MEALS_TO_MPT[flags]
    plan_description = text(in_rate_plan.get(_RATE_PLAN_DESCRIPTION)) or attr(
        rate_plan, "RatePlanName"
    )
    if plan_description and _MEAL_WORDS.search(plan_description):
        return plan_description
    return None


def _services(container: etree._Element | None) -> tuple[OtaService, ...]:
    """``Services/Service``: code, name, quantity and price (``Price/Total`` or ``Total``,
    several ``Price`` elements added up)."""
    services: list[OtaService] = []
    for element in children(container, "Service"):
        prices = [
            total
            for price in children(element, "Price")
            if (total := _total(child(price, "Total")) or _total(child(price, "Base")))
        ]
        price = _total(child(element, "Total"))
        if price is None and prices:
            price = Total(
                after_tax=_sum_of(p.after_tax for p in prices),
                before_tax=_sum_of(p.before_tax for p in prices),
                taxes=_sum_of(p.taxes for p in prices),
                currency=next((p.currency for p in prices if p.currency), None),
            )
        description = child(element, "ServiceDetails", "ServiceDescription")
        services.append(
            OtaService(
                rph=attr(element, "ServiceRPH"),
                code=attr(element, "ServiceInventoryCode") or attr(element, "ID"),
                name=attr(description, "Name") or text(description),
                quantity=int_attr(element, "Quantity") or 1,
                price=price,
            )
        )
    return tuple(services)


def _customer(element: etree._Element | None) -> Customer | None:
    if element is None:
        return None
    found = firsts(element)
    person_name = found.get(_PERSON_NAME)
    in_name = firsts(person_name)
    address = found.get(_ADDRESS)
    in_address = firsts(address)
    country = in_address.get(_COUNTRY_NAME)
    return Customer(
        name=PersonName(
            given_name=" ".join(
                value for given in all_tagged(person_name, _GIVEN_NAME) if (value := text(given))
            )
            or None,
            surname=text(in_name.get(_SURNAME)),
            prefix=text(in_name.get(_NAME_PREFIX)),
        ),
        email=text(found.get(_EMAIL)),
        phone=attr(found.get(_TELEPHONE), "PhoneNumber"),
        address=None
        if address is None
        else PostalAddress(
            lines=tuple(
                value for line in all_tagged(address, _ADDRESS_LINE) if (value := text(line))
            ),
            city=text(in_address.get(_CITY_NAME)),
            postal_code=text(in_address.get(_POSTAL_CODE)),
            state=text(in_address.get(_STATE_PROV)),
            country_code=attr(country, "Code"),
            country_name=text(country),
        ),
        company_name=text(in_address.get(_COMPANY_NAME))
        or text(first_tagged(found.get(_COMPANY_INFO), _COMPANY_NAME)),
        language=attr(element, "Language"),
    )


def _profile_customer(parent: etree._Element | None) -> Customer | None:
    return _customer(child(parent, "Profiles", "ProfileInfo", "Profile", "Customer"))


def _card(guarantees: list[etree._Element | None]) -> CardSummary | None:
    """The first ``PaymentCard`` under the reservation's ``Guarantee`` or, in order, its room
    stays'."""
    for guarantee in guarantees:
        card = None if guarantee is None else next(guarantee.iter(_PAYMENT_CARD), None)
        if card is None:
            continue
        number_element = child(card, "CardNumber")  # 2015B form: element, plain or masked
        number = (
            attr(card, "CardNumber")
            or text(child(number_element, "PlainText"))
            or attr(number_element, "Mask")
        )
        digits = "".join(filter(str.isdigit, number or ""))
        return CardSummary(
            card_code=attr(card, "CardCode") or attr(card, "CardType"),
            last_four=digits[-4:] if len(digits) >= 4 else None,
            expire_date=attr(card, "ExpireDate"),
            holder_name=text(child(card, "CardHolderName")),
        )
    return None


def _reservation(
    element: etree._Element, kind: ResMessageKind, root_status: str | None
) -> OtaReservation:
    found = firsts(element)
    read = [_room_stay(stay) for stay in all_tagged(found.get(_ROOM_STAYS), _ROOM_STAY)]
    stays = tuple(stay for stay, _ in read)
    global_info = found.get(_RES_GLOBAL_INFO)
    in_global_info = firsts(global_info)
    hotel_code = next((stay.hotel_code for stay in stays if stay.hotel_code), None)
    res_guests = all_tagged(found.get(_RES_GUESTS), _RES_GUEST)
    unique_id = found.get(_UNIQUE_ID)
    return OtaReservation(
        status=_status(attr(element, "ResStatus") or root_status, kind, bool(stays)),
        ids=read_reservation_ids(global_info),
        unique_id=attr(unique_id, "ID"),
        unique_id_type=attr(unique_id, "Type"),
        create_datetime=datetime_attr(element, "CreateDateTime"),
        last_modify_datetime=datetime_attr(element, "LastModifyDateTime"),
        room_stays=stays,
        guests=tuple(
            GuestProfile(
                customer=customer,
                rph=attr(guest, "ResGuestRPH"),
                primary=bool_attr(guest, "PrimaryIndicator"),
            )
            for guest in res_guests
            if (customer := _profile_customer(guest)) is not None
        ),
        services=_services(found.get(_SERVICES)),
        arrival_time=next((t for g in res_guests if (t := attr(g, "ArrivalTime"))), None),
        booker=_profile_customer(global_info),
        total=_total(in_global_info.get(_TOTAL)),
        total_commission=_commission(in_global_info.get(_TOTAL_COMMISSIONS)),
        comments=_texts(in_global_info.get(_COMMENTS), _COMMENT),
        special_requests=_special_requests(in_global_info.get(_SPECIAL_REQUESTS)),
        payment_card=_card([in_global_info.get(_GUARANTEE), *(guarantee for _, guarantee in read)]),
        hotel_code=hotel_code or attr(in_global_info.get(_BASIC_PROPERTY_INFO), "HotelCode"),
    )


def _echo_token(root: etree._Element) -> str | None:
    echo_token = attr(root, "EchoToken")
    if echo_token is not None and len(echo_token) > MAX_ECHO_TOKEN:
        # Echoed in the answer and logged twice: a 5 MB token made every refusal cost 5 MB
        # of answer and 10 MB of message log, and a second.
        raise OtaParseError(
            OtaErrorCode.INVALID_VALUE,
            f"EchoToken is {len(echo_token)} characters; OTA allows at most {MAX_ECHO_TOKEN}",
        )
    return echo_token


def _cancel_rq(root: etree._Element, ruid: str | None, soap: bool) -> ResNotifRQ:
    """An OTA_CancelRQ as the cancellation it is (see :mod:`.cancel`)."""
    timestamp = datetime_attr(root, "TimeStamp")
    return ResNotifRQ(
        kind=ResMessageKind.NEW,
        reservations=read_cancel_rq(root, timestamp),
        echo_token=_echo_token(root),
        timestamp=timestamp,
        target=attr(root, "Target"),
        version=attr(root, "Version") or "",
        ruid=ruid,
        soap=soap,
        cancel_rq=True,
    )


_ROOTS = frozenset({*(kind.value for kind in ResMessageKind), CANCEL_RQ})


def decode_res_notif_rq(data: bytes, *, limits: ParserLimits | None = None) -> ResNotifRQ:
    """Decode either reservation message; the root element decides which."""
    document = parse_document(data, _ROOTS, limits=limits)
    root = document.root
    if document.name == CANCEL_RQ:
        return _cancel_rq(root, document.ruid, document.soap)
    kind = ResMessageKind(document.name)
    container, item = (
        ("HotelReservations", "HotelReservation")
        if kind is ResMessageKind.NEW
        else ("HotelResModifies", "HotelResModify")
    )
    root_status = attr(root, "ResStatus")
    echo_token = _echo_token(root)
    return ResNotifRQ(
        kind=kind,
        reservations=tuple(
            _reservation(el, kind, root_status) for el in children(root, container, item)
        ),
        res_status=root_status,
        echo_token=echo_token,
        timestamp=datetime_attr(root, "TimeStamp"),
        target=attr(root, "Target"),
        version=attr(root, "Version") or "",
        ruid=document.ruid,
        soap=document.soap,
    )
