"""The one set of masking rules (issue 12 §4): card numbers with any separators, the security
code next to them, credentials; phone numbers, booking ids, dates and UUIDs kept."""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from uuid import UUID

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from channel_manager.domain.redaction import (
    MASK,
    contains_card_number,
    is_secret_name,
    luhn_valid,
    mask_card_numbers,
    mask_card_numbers_across,
    redact_text,
)

#: What people put between a card's digits: spaces, NBSP, narrow NBSP, figure space, tabs,
#: dots, ASCII, typographic and full-width dashes, the minus sign, the ideographic space, and
#: the invisible zero-width space and soft hyphen pasted text carries.
SEPARATORS = (
    *(" ", "\u00a0", "\u202f", "\u2007", "\t", ".", "-", "\u2013", "\u2014", "\u2212"),
    *("\uff0d", "\u3000", "\u200b", "\u00ad"),
)
#: Spaces and tabs, which people put between digit groups as many as they like (aligned).
SPACES = (" ", "\t", "\u00a0", "\u3000", "\u200b")
#: The zero of each digit script people type cards in: ASCII, full-width (Japanese and Chinese
#: keyboards), Arabic-Indic, Eastern Arabic-Indic (Persian), Devanagari, Thai.
ZEROS = ("0", "\uff10", "\u0660", "\u06f0", "\u0966", "\u0e50")
ISO_DATE = re.compile(r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])")
#: Surrounding text: letters, spaces and punctuation, no digits.
WORDS = st.text(alphabet="abcdefghij KLMNOP,;:!?()'\"éü€", max_size=30)
#: A word or token glued to a number (``Visa4111...``, ``...4444exp``, ``tok_...``); at most
#: six characters, so a glued card never makes a 32-character hex token.
GLUE = st.text(alphabet=string.ascii_letters + "_", max_size=6)


#: A JCB test card in full-width digits, as typed on a Japanese keyboard.
FULL_WIDTH_JCB = "".join(chr(0xFF10 + int(digit)) for digit in "3530111333300000")


def check_digit(body: str) -> str:
    """The digit that makes ``body`` + it pass Luhn."""
    return next(d for d in "0123456789" if luhn_valid(body + d))


def ascii_digits(text: str) -> str:
    """``text`` with every digit of any script made ASCII."""
    return "".join(str(unicodedata.digit(char)) if char.isdigit() else char for char in text)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """Any Luhn-valid 13-19 digit number (not only real issuers' ranges)."""
    length = draw(st.integers(min_value=13, max_value=19))
    body = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    return body + check_digit(body)


@st.composite
def written(draw: st.DrawFn, digits: str) -> str:
    """``digits`` as someone might type them: each digit in any script, and between two
    digits 0-3 separators of any kind, or a longer run of spaces or tabs."""
    gap = st.one_of(
        st.text(alphabet=SEPARATORS, max_size=3),
        st.text(alphabet=SPACES, min_size=4, max_size=12),
    )
    gaps = draw(st.lists(gap, min_size=len(digits) - 1, max_size=len(digits) - 1))
    zeros = draw(st.lists(st.sampled_from(ZEROS), min_size=len(digits), max_size=len(digits)))
    typed = [chr(ord(zero) + int(digit)) for zero, digit in zip(zeros, digits, strict=True)]
    return typed[0] + "".join(gap + digit for gap, digit in zip(gaps, typed[1:], strict=True))


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


@given(data=st.data(), card=card_numbers(), before=WORDS, after=WORDS, glue=st.tuples(GLUE, GLUE))
@example(data=None, card="4111111111111111", before="card ", after=" thanks", glue=("", ""))
@example(data=None, card="4111111111111111", before="card", after="", glue=("Visa", ""))
@example(data=None, card="5555555555554444", before="", after="08/28", glue=("", "exp "))
def test_any_luhn_valid_number_with_any_separators_is_masked(
    data: st.DataObject | None, card: str, before: str, after: str, glue: tuple[str, str]
) -> None:
    typed = card if data is None else data.draw(written(card))
    # The one exception, by design: an ISO date (2025-01-31) is never read as part of a card,
    # so the date ranges in our logs stay readable. Nobody groups a card 4-2-2 with dashes.
    assume(not ISO_DATE.search(ascii_digits(typed)))
    prefix, suffix = glue
    text = f"{before} {prefix}{typed}{suffix} {after}"

    masked = mask_card_numbers(text)

    assert contains_card_number(text)
    # Only the card goes: the words glued to it and all around it stay.
    assert masked == f"{before} {prefix}{MASK}{card[-4:]}{suffix} {after}"
    assert mask_card_numbers(masked) == masked


@given(
    data=st.data(),
    card=card_numbers(),
    before=WORDS,
    after=WORDS,
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=4),
)
def test_a_card_cut_into_pieces_by_markup_is_masked_across_them(
    data: st.DataObject, card: str, before: str, after: str, cuts: list[int]
) -> None:
    """The text of an XML element cut by comments: the pieces read as one."""
    typed = data.draw(written(card))
    assume(not ISO_DATE.search(ascii_digits(typed)))
    text = f"{before} {typed} {after}"
    bounds = [0, *sorted(min(cut, len(text)) for cut in cuts), len(text)]
    pieces = [text[start:end] for start, end in itertools.pairwise(bounds)]

    masked = mask_card_numbers_across(pieces)

    assert len(masked) == len(pieces)
    assert "".join(masked) == f"{before} {MASK}{card[-4:]} {after}"


@given(
    data=st.data(),
    number=st.text(alphabet="0123456789", min_size=1, max_size=12),
    before=WORDS,
    after=WORDS,
)
def test_numbers_too_short_for_a_card_are_kept_whatever_their_separators(
    data: st.DataObject, number: str, before: str, after: str
) -> None:
    """Phone numbers, booking ids, prices, room numbers: fewer than 13 digits."""
    text = f"{before} {data.draw(written(number))} {after}"
    assert mask_card_numbers(text) == text
    assert not contains_card_number(text)


@given(
    data=st.data(),
    digits=st.text(alphabet="0123456789", min_size=13, max_size=19),
    before=WORDS,
    glue=st.tuples(GLUE, GLUE),
)
def test_a_number_that_fails_luhn_is_kept(
    data: st.DataObject, digits: str, before: str, glue: tuple[str, str]
) -> None:
    assume(not luhn_valid(digits))
    typed = data.draw(written(digits))
    # No group of the number makes a card on its own either (1234 4111111111111111 is one).
    assume(not contains_card_number(f"{before} {typed} ref"))
    text = f"{before} {glue[0]}{typed}{glue[1]} ref"
    assert mask_card_numbers(text) == text


@given(uuid=st.uuids(), upper=st.booleans(), before=GLUE, after=st.sampled_from(["", " ", "/x"]))
@example(uuid=UUID("08392910-c795-4852-1467-724b1a0d3ba5"), upper=False, before="", after="")
@example(uuid=UUID("08392910-c795-4852-1467-724b1a0d3ba5"), upper=False, before="id", after="")
def test_a_uuid_stays_intact(uuid: UUID, upper: bool, before: str, after: str) -> None:
    """UUIDs are 32 hex digits in dash-joined groups: some of them pass Luhn together."""
    written_uuid = str(uuid).upper() if upper else str(uuid)
    text = f"connection {written_uuid}{after} and {before}-{written_uuid}, {before}{written_uuid}"
    assert mask_card_numbers(text) == text
    assert redact_text(text) == text


@given(
    token=st.text(alphabet="0123456789abcdef", min_size=32, max_size=80),
    head=st.text(alphabet="abcdef", min_size=8, max_size=20),
    card=card_numbers(),
    tail=st.text(alphabet="0123456789abcdef", min_size=13, max_size=30),
)
def test_a_long_hex_token_stays_intact(token: str, head: str, card: str, tail: str) -> None:
    """Hashes, trace ids, UUIDs without dashes: a Luhn-valid run of digits inside one is
    chance, not a card."""
    hashed = f"{head}{card}f{tail}"  # 32 hex digits or more, with a card-like run inside
    text = f"etag {token}, sha256={token.upper()} {hashed}"
    assert mask_card_numbers(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Visa4111111111111111", "Visa***1111"),
        ("Visa4111 1111 1111 1111", "Visa***1111"),
        ("paid with MC5555-5555-5555-4444.", "paid with MC***4444."),
        ("5555555555554444exp 08/28", "***4444exp 08/28"),
        ("378282246310005x", "***0005x"),
        ("tok_4111111111111111_end", "tok_***1111_end"),
        ("\uff14\uff11\uff11\uff11 " + "\uff11\uff11\uff11\uff11 " * 3, "***1111 "),
        (
            "\u30ab\u30fc\u30c9\uff14\uff11\uff11\uff11\u3000\uff11\uff11\uff11\uff11\u3000"
            "\uff11\uff11\uff11\uff11\u3000\uff11\uff11\uff11\uff11",
            "\u30ab\u30fc\u30c9***1111",
        ),
        (
            "\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661"
            "\u0661\u0661\u0661\u0661 cvc \u0661\u0662\u0663",
            "***1111 cvc ***",
        ),
        ("4111    1111    1111    1111", "***1111"),
        ("pasted 4111\u200b1111\u00ad1111\u20601111.", "pasted ***1111."),
        # The first group of the next card is not the security code of the one before.
        ("cards 4111111111111111, 5555 5555 5555 4444", "cards ***1111, ***4444"),
        (FULL_WIDTH_JCB + "\u30016011\t\t1111\t\t1111\t\t1117", "***0000\u3001***1117"),
        ("4111\t\t\t\t1111\t\t\t\t1111\t\t\t\t1111 cvc 123", "***1111 cvc ***"),
        ("card: 4111      1111      1111      1111      exp 12/27 cvv 321", None),
        # Short of 32 hex digits, a token with a card in it is masked like any other word.
        ("ref ab4111111111111111cd", "ref ab***1111cd"),
    ],
)
def test_cards_glued_to_words_in_other_digits_or_widely_spaced_are_masked(
    text: str, expected: str | None
) -> None:
    masked = mask_card_numbers(text)
    if expected is not None:
        assert masked == expected
    assert not re.search(r"(?:\d\D{0,12}){13}", ascii_digits(masked).replace(MASK, " ")), masked
    assert not re.search(r"(?<!\d)(123|321)(?!\d)", ascii_digits(masked)), masked


@pytest.mark.parametrize(
    "text",
    [
        "phone +31 20 555 0199, +44 (0)20 7946 0958, booking 4705950059",
        "push 2025-01-01 2025-01-31 hotel 1234567 room 42 BookingLimit=5",
        "2025-01-01..2025-01-31 and 2026-12-05 10:00",
        "connection 12345678-1234-4234-9234-123456789012 and 8f3e2a10-4b5c-4d6e-8f90-123456789abc",
        "total 1234.56 EUR for 3 nights, arriving 12/27",
        "\uff12\uff10\uff12\uff15-\uff10\uff11-\uff13\uff11 \u304b\u3089 2025-02-02",
        "phone\u3000\uff10\uff13\u3000\uff11\uff12\uff13\uff14\u3000\uff15\uff16\uff17\uff18",
        "rooms 12    beds 4    guests 1234567    nights 12",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b4111111111111111",
        "id ORD4705950059, guest_ref=AB12345678",
    ],
)
def test_ordinary_numbers_dates_and_ids_are_kept(text: str) -> None:
    assert mask_card_numbers(text) == text
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 123", "card ***1111"),
        ("card 4111111111111111, 123", "card ***1111, ***"),
        ("4111-1111-1111-1111 exp 12/27 cvc 123 ok", "***1111 exp 12/27 cvc *** ok"),
        ("4111111111111111 12/2027 1234", "***1111 12/2027 ***"),
        ("4111.1111.1111.1111 (CVV: 987)", "***1111 (CVV: ***)"),
        ("Visa 4111111111111111 valid until 08/29, security code 321", None),
        ("CVC 123 for card 378282246310005", "CVC *** for card ***0005"),
        ("my security code is 4321", "my security code is ***"),
        ("card 3782-822463-10005 code 4321", "card ***0005 code ***"),
        ("Prüfnummer: 555", "Prüfnummer: ***"),
    ],
)
def test_a_security_code_next_to_a_card_or_labelled_as_one_is_masked(
    text: str, expected: str | None
) -> None:
    masked = mask_card_numbers(text)
    if expected is not None:
        assert masked == expected
    assert not re.search(r"\b(123|1234|987|321|4321|555)\b", masked), masked


def test_a_card_followed_by_other_numbers_keeps_them_unless_they_look_like_a_code() -> None:
    assert mask_card_numbers("card 4111111111111111 for 2 guests") == "card ***1111 for 2 guests"
    assert mask_card_numbers("card 4111111111111111, room 12") == "card ***1111, room 12"


@pytest.mark.parametrize(
    "name",
    [
        "CardNumber",
        "SeriesCode",
        "{http://www.opentravel.org/OTA/2003/05}PlainText",
        "client_secret",
        "refresh_token",
        "code",
        "code_verifier",
        "MessagePassword",
        "x-api-key",
        "cvv2",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["EchoToken", "Code", "RoomTypeCode", "CardCode", "ExpireDate"])
def test_names_that_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)


def test_credentials_in_text_are_masked() -> None:
    line = "login password=hunter22 Authorization: Bearer abc.def token_url=https://x"
    assert redact_text(line) == "login password=*** Authorization: Bearer *** token_url=https://x"
    assert redact_text("key s3cr3t-Value here", ["s3cr3t-Value"]) == "key *** here"
    assert redact_text('<X EchoToken="7656" Token="t0k3n">') == '<X EchoToken="7656" Token="***">'


def test_a_calendar_export_token_in_an_access_log_line_is_masked() -> None:
    line = '1.2.3.4 - "GET /ical/ABfVeO55okkx6m982cP0IZuwpPUqYrG4aITPJjqZFVs.ics HTTP/1.1" 200'
    assert redact_text(line) == '1.2.3.4 - "GET /ical/***.ics HTTP/1.1" 200'
    assert redact_text("/ical/short.ics") == "/ical/short.ics"


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 100_000 + "a",
        "1" + "    " * 100_000 + "a",
        "1 . . . " * 50_000 + "x",
        "\uff11\u3000" * 100_000,
        "ab1" * 100_000,
        "f" * 200_000 + "g1",
        "1" + "\u200b " * 100_000 + "a",
    ],
)
def test_a_hostile_run_of_digits_is_masked_in_linear_time(text: str) -> None:
    """Long runs of separated digits, spaces, digits of another script, glued tokens, hex: no
    backtracking blow-up."""
    assert mask_card_numbers(text)  # returns (quickly: the test suite's timeout would catch it)
    assert mask_card_numbers_across([text, text])
