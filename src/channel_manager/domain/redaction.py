"""The one set of masking rules for everything we keep or print: the message log, the process
logs and the guest's free text we store (remarks, special requests, names).

Card numbers: 13 to 19 digits that pass the Luhn check, written with any separators people
type: any number of spaces or tabs (NBSP, ideographic and other Unicode spaces too) and up to
three dots, dashes or line breaks between two digits. Digits of any script count (full-width
``\uff14\uff11`` typed on a Japanese keyboard, Arabic-Indic, superscripts ...): they are read as
their ASCII value on a copy of the text, whose spans are then masked in the text itself. Only
whole digit groups are combined, so a booking id or phone number next to a card does not hide
it. Digits glued to a word (``Visa4111...``, ``...4444exp``, ``tok_4111...``) are a card too
when they pass: a card must never be stored because someone typed no space. The whole run of
digit groups that holds a card is replaced by ``***`` and the card's last four digits (what
PCI DSS lets us show, and what support asks for). Never part of a card: ISO dates
(``2025-01-31``, so date ranges in logs stay readable), UUIDs, and hex tokens of 32 characters
or more (hashes, trace ids), which stay intact.

Security codes: a three- or four-digit value right after a masked card (optionally after an
expiry date and a label such as ``CVC``), and any such value labelled as a security code
anywhere (``CVV: 123``, ``security code 1234``).

Credentials: names that say they carry one (``password``, ``client_secret``, ``SeriesCode``,
``CardNumber`` ...), bearer and Basic credentials, our API keys, OAuth codes in URLs, and
exact values registered as known secrets.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

MASK = "***"

#: Card numbers are 13 to 19 digits (ISO/IEC 7812).
MIN_CARD_DIGITS = 13
MAX_CARD_DIGITS = 19
_LAST_SHOWN = 4

#: Spaces people put between the digits of a card number, as many as they like: every Unicode
#: space (NBSP, narrow NBSP, figure space, ideographic space ...) and tabs, not line breaks;
#: and the invisible characters text picks up when pasted (soft hyphen, zero-width space,
#: joiners, word joiner, BOM).
_SPACE = r"(?:[^\S\n\r\v\f\x1c-\x1f\x85\u2028\u2029]|[\u00ad\u200b-\u200d\u2060\ufeff])"
#: The other separators, at most three between two digits: line breaks, dots, ASCII,
#: typographic and full-width dashes, the minus sign, the full-width full stop.
_MARK = r"[\n\r\v\f\x1c-\x1f\x85\u2028\u2029.\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d\uff0e]"
_GAP = rf"(?:{_SPACE}*+{_MARK}){{0,3}}+{_SPACE}*+"
#: ASCII digits (of the copy with every digit made ASCII) joined by gaps. Spaces and marks
#: are disjoint and every quantifier possessive, so a hostile run costs linear time.
_DIGIT_RUN = re.compile(rf"[0-9](?:{_GAP}[0-9])*+")
_GROUP = re.compile(r"[0-9]+")
#: Never part of a card: an ISO date (not followed by more dash-joined digits), a UUID (even
#: glued to a word or a dash: ``id0839...``, ``req-0839...``) and a hex token of 32 characters
#: or more (an MD5/SHA hash, a trace id, a UUID without dashes).
_PROTECTED = re.compile(
    r"(?<![\d\-])(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d|-\d)"
    r"|[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"
    r"|(?<![0-9A-Za-z])[0-9A-Fa-f]{32,}+(?![0-9A-Za-z])"
)
#: Runs of characters outside ASCII, where digits of other scripts may be.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
#: Labels of a card's security code (CVC/CVV/CSC/CID and their names in a few languages).
_CODE_LABEL = (
    r"(?:cvc2?|cvv2?|cvn|csc|cid|cav2|cvd"
    r"|(?:card\s*)?(?:security|verification|sec\.?)\s*(?:code|value|number|no\.?)"
    r"|sicherheitscode|pr(?:ü|ue)fnummer|pr(?:ü|ue)fziffer|kartenpr(?:ü|ue)fnummer"
    r"|cryptogramme|c(?:ó|o)digo\s+de\s+seguridad|codice\s+di\s+sicurezza|beveiligingscode)"
)
#: A labelled security code anywhere in the text.
_LABELLED_CODE = re.compile(
    rf"(?<![A-Za-z]){_CODE_LABEL}(?![A-Za-z])(?:\W{{0,4}}(?:is|ist|est|es|:))?\W{{0,4}}"
    r"(?P<code>\d{3,4})(?![\d/])",
    re.IGNORECASE,
)
_THREE_DIGITS = re.compile(r"\d{3}")
#: What may follow a masked card before its security code: separators, an expiry (with or
#: without a label), a code label.
_AFTER_CARD = re.compile(
    r"[^\w\n]{0,4}"
    r"(?:(?:exp\w*|valid\w*|until|thru|bis|g(?:ü|ue)ltig\w*|ablauf\w*|vence\w*)\.?[^\w\n]{0,4})?"
    r"(?:\d{1,2}\s?[/.\-]\s?\d{2,4}[^\w\n]{1,4})?"
    rf"(?:(?:{_CODE_LABEL}|code|pin)(?![A-Za-z])[^\w\n]{{0,4}})?"
    r"(?P<code>\d{3,4})(?![\d/])",
    re.IGNORECASE,
)

#: Words that make a name (an XML element or attribute, a JSON or form key, ``key=value`` in a
#: log line) a credential or card field: its value is masked whatever it looks like.
_SECRET_WORDS = "|".join(
    (
        *("card_?number", "series_?code", "cvc", "cvv", "magnetic_?stripe", "plain_?text"),
        *("password", "passwd", "passw", "pwd", "secret", "token", "jwt", r"api[_-]?key"),
        "code_?verifier",
    )
)
_SECRET_NAME = re.compile(_SECRET_WORDS, re.IGNORECASE)
#: Names that contain a secret word but are not secrets (support needs the echo token).
_NOT_SECRET = frozenset({"EchoToken"})
#: Names that are secrets only spelt exactly so (OAuth's ``code`` parameter; an XML ``Code``
#: attribute is an error or room code, and stays).
_EXACT_SECRET = frozenset({"code"})

_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*")
_BASIC = re.compile(r"(?i)\b(authorization\s*[:=]\s*[\"']?basic)\s+[A-Za-z0-9+/]+=*")
#: ``name=value`` and ``"name": "value"`` pairs whose name is a credential's.
_CREDENTIAL_PAIR = re.compile(
    rf"""(?ix)
    (?P<key>["']?\b[\w-]*(?:{_SECRET_WORDS})["']?\s*[=:]\s*)
    (?!Secret\('\*\*\*'\))  # already masked by Secret itself: leave it readable
    (?P<value>"[^"]*"|'[^']*'|[^\s&,;"'<>}}]+)
    """
)
#: Our REST API keys (``cm_`` and 43 URL-safe characters); the first ten characters stay, as
#: in the database, to tell keys apart.
_API_KEY = re.compile(r"\b(cm_[A-Za-z0-9_-]{7})[A-Za-z0-9_-]{36,}")
#: An OAuth authorisation code in a URL's query (the callback's access-log line).
_QUERY_CODE = re.compile(r"([?&]code=)[^&\s\"'#]+")
#: A calendar export URL's token (the access-log line of every consumer's fetch).
_EXPORT_TOKEN = re.compile(r"(/ical/)[A-Za-z0-9_-]{20,}(\.ics)")
#: Shorter known secrets would mask ordinary words; the rules above cover those.
MIN_KNOWN_SECRET_LENGTH = 6
#: Below this length a text can hold neither a card number nor a labelled security code.
_SHORTEST_MASKED = 6


def luhn_valid(digits: str) -> bool:
    """True when the ASCII ``digits`` pass the Luhn check every card number passes."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_in(groups: list[str]) -> str | None:
    """The digits of the longest (then first) card made of whole consecutive ``groups``.

    Luhn sums of every candidate come from prefix sums (one pass over the digits), so a
    hostile run of a million one-digit groups costs a few operations per group, not a Luhn
    check of up to 19 digits for each of its thousands of candidates.
    """
    digits = "".join(groups)
    plain = [ord(char) - 48 for char in digits]
    # prefix[p][i]: the sum over the first i digits at even (p=0) or odd (p=1) positions, of
    # the digit itself (plain) and of its Luhn double (doubled).
    plain_sums = _parity_prefix_sums(plain)
    doubled_sums = _parity_prefix_sums([_LUHN_DOUBLE[value] for value in plain])
    bounds = [0]
    for group in groups:
        bounds.append(bounds[-1] + len(group))
    found: tuple[int, int] = (0, 0)
    for first in range(len(groups)):
        start = bounds[first]
        for last in range(first + 1, len(bounds)):
            end = bounds[last]
            length = end - start
            if length > MAX_CARD_DIGITS:
                break
            if length < MIN_CARD_DIGITS or length <= found[1] - found[0]:
                continue
            kept = (end - 1) % 2  # the last digit is never doubled, nor those two, four ...
            total = plain_sums[kept][end] - plain_sums[kept][start]
            total += doubled_sums[1 - kept][end] - doubled_sums[1 - kept][start]
            if total % 10 == 0:
                found = (start, end)
    return digits[found[0] : found[1]] if found[1] else None


_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _parity_prefix_sums(values: list[int]) -> tuple[list[int], list[int]]:
    even = [0]
    odd = [0]
    for position, value in enumerate(values):
        even.append(even[-1] + (value if position % 2 == 0 else 0))
        odd.append(odd[-1] + (value if position % 2 else 0))
    return even, odd


def _ascii_digits(text: str) -> str:
    """``text`` with every digit of another script (full-width, Arabic-Indic, Devanagari,
    superscript ...) replaced by its ASCII digit: the same length, so a span found in it is
    the same span of ``text``."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_ascii_run, text)


def _ascii_run(match: re.Match[str]) -> str:
    return "".join(_ascii_digit(char) for char in match.group(0))


def _ascii_digit(char: str) -> str:
    value = unicodedata.digit(char, -1) if char.isdigit() else -1
    return str(value) if 0 <= value <= 9 else char


def _expiry_part(text: str, index: int, group: tuple[int, int], most: int) -> bool:
    """True when the digit group of at most ``most`` digits touches a slash at ``index``: the
    month or year of an expiry date (12/27), not part of a card."""
    start, end = group
    return 0 <= index < len(text) and text[index] == "/" and end - start <= most


def _card_span(view: str, match: re.Match[str]) -> tuple[int, int, str] | None:
    """``(start, end, last four)`` of the card in the digit run ``match``, if it holds one."""
    groups = [(g.start(), g.end()) for g in _GROUP.finditer(match.group(0))]
    offset = match.start()
    run = match.group(0)
    if _expiry_part(view, offset - 1, groups[0], 4):
        groups = groups[1:]  # the first group is the year of a date, not part of a card
    if groups and _expiry_part(view, match.end(), groups[-1], 2):
        groups = groups[:-1]
    if not groups:
        return None
    card = _card_in([run[start:end] for start, end in groups])
    if card is None:
        return None
    return offset + groups[0][0], offset + groups[-1][1], card[-_LAST_SHOWN:]


def _long_enough(match: re.Match[str]) -> bool:
    """True when the digit run ``match`` has enough digits to hold a card."""
    run = match.group(0)
    return len(run) >= MIN_CARD_DIGITS and sum(map(len, _GROUP.findall(run))) >= MIN_CARD_DIGITS


def _unprotected_runs(view: str) -> Iterable[re.Match[str]]:
    """The digit runs of ``view`` that may hold a card, outside ISO dates, UUIDs and hex
    tokens (looked for only when a run is long enough to hold a card)."""
    runs = [match for match in _DIGIT_RUN.finditer(view) if _long_enough(match)]
    protected = [m.span() for m in _PROTECTED.finditer(view)] if runs else []
    if not protected:
        yield from runs
        return
    position = 0
    for start, end in [*protected, (len(view), len(view))]:
        yield from filter(_long_enough, _DIGIT_RUN.finditer(view, position, start))
        position = end


#: A change to a text: the characters from ``start`` to ``end`` replaced by a string.
_Edit = tuple[int, int, str]


def _card_edits(view: str) -> list[_Edit]:
    """The masks of the cards in ``view`` (a text with ASCII digits only) and of the security
    codes next to them, in order and apart."""
    edits: list[_Edit] = []
    position = 0
    for match in _unprotected_runs(view):
        if match.start() < position:
            continue  # already consumed as a card's security code
        span = _card_span(view, match)
        if span is None:
            continue
        start, end, last_four = span
        edits.append((start, end, MASK + last_four))
        position = end
        code = _AFTER_CARD.match(view, end)
        if code is not None and not _starts_a_card(view, code.start("code")):
            edits.append((*code.span("code"), MASK))
            position = code.end()
    return edits


def _starts_a_card(view: str, index: int) -> bool:
    """True when the digits at ``index`` begin a run that holds a card: the next card of a
    list (``4111111111111111, 5555 5555 5555 4444``), not the first one's security code."""
    run = _DIGIT_RUN.match(view, index)
    return run is not None and _long_enough(run) and _card_span(view, run) is not None


def _apply(text: str, edits: Sequence[_Edit]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end, replacement in edits:
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def mask_card_numbers(text: str) -> str:
    """``text`` with every card number, and the security code next to it or labelled as one
    anywhere, masked (see the module's rules)."""
    if len(text) < _SHORTEST_MASKED:
        return text
    view = _ascii_digits(text)
    edits = _card_edits(view)
    if edits:
        masked = _apply(text, edits)
        view = masked if view is text else _apply(view, edits)
        text = masked
    if _THREE_DIGITS.search(view) is None:
        return text
    codes = [(*match.span("code"), MASK) for match in _LABELLED_CODE.finditer(view)]
    return _apply(text, codes) if codes else text


def mask_card_numbers_across(pieces: Sequence[str]) -> list[str]:
    """``pieces`` of one text, cut apart by markup that is not text (the XML comments and
    processing instructions between an element's text and its children's tails), with the
    cards their concatenation holds masked in every piece they cross, then each piece masked
    on its own (security codes labelled as one)."""
    joined = "".join(pieces)
    edits = _card_edits(_ascii_digits(joined)) if len(joined) >= _SHORTEST_MASKED else []
    if edits:
        pieces = _apply_across(joined, pieces, edits)
    return [mask_card_numbers(piece) for piece in pieces]


def _apply_across(joined: str, pieces: Sequence[str], edits: Sequence[_Edit]) -> list[str]:
    """``pieces`` with ``edits`` of their concatenation ``joined`` made: a replacement goes
    into the piece where its span starts, and the span's characters leave every piece."""
    result: list[str] = []
    index = 0  # the next edit
    piece_start = 0
    for piece in pieces:
        piece_end = piece_start + len(piece)
        parts: list[str] = []
        position = piece_start
        while index < len(edits) and edits[index][0] < piece_end:
            start, end, replacement = edits[index]
            if start >= piece_start:
                parts += [joined[position:start], replacement]
            if end > piece_end:
                position = piece_end  # the span goes on into the next pieces
                break
            position = end
            index += 1
        parts.append(joined[position:piece_end])
        result.append("".join(parts))
        piece_start = piece_end
    return result


def contains_card_number(text: str) -> bool:
    """True when ``text`` holds a card number by the rules of :func:`mask_card_numbers`."""
    view = _ascii_digits(text)
    return any(_card_span(view, match) is not None for match in _unprotected_runs(view))


def is_secret_name(name: str) -> bool:
    """True when a field called ``name`` carries a credential or card data (an XML element or
    attribute, possibly namespaced; a JSON or form key)."""
    return _is_secret_name(name) if len(name) <= 128 else _name_is_secret(name)


@functools.lru_cache(maxsize=1024)
def _is_secret_name(name: str) -> bool:
    # A message repeats a few dozen names hundreds of times, so answers are cached; only for
    # names of ordinary length, so a hostile body cannot park megabytes of names in the cache.
    return _name_is_secret(name)


def _name_is_secret(name: str) -> bool:
    local = name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
    if local in _EXACT_SECRET:
        return True
    return local not in _NOT_SECRET and _SECRET_NAME.search(local) is not None


def _mask_pair(match: re.Match[str]) -> str:
    name = match.group("key").strip().rstrip("=:").strip().strip("\"'")
    if name in _NOT_SECRET:
        return match.group(0)  # EchoToken="..." stays readable in log lines too
    value = match.group("value")
    quote = value[0] if value[:1] in {'"', "'"} else ""
    return f"{match.group('key')}{quote}{MASK}{quote}"


def redact_text(text: str, known_secrets: Iterable[str] = ()) -> str:
    """``text`` (a log line, an unparseable body, free text) with the given known values,
    credentials, card numbers and security codes masked."""
    for value in known_secrets:
        text = text.replace(value, MASK)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _BASIC.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _CREDENTIAL_PAIR.sub(_mask_pair, text)
    text = _API_KEY.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _QUERY_CODE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _EXPORT_TOKEN.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}", text)
    return mask_card_numbers(text)
