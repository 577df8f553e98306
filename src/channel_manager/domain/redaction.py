"""The one set of masking rules for everything we keep or print: the message log, the process
logs and the guest's free text we store (remarks, special requests, names).

Card numbers: 13 to 19 digits that pass the Luhn check, written with any separators people
type (spaces, NBSP and other Unicode spaces, dots, dashes; up to three between two digits).
Only whole digit groups are combined, so a booking id or phone number next to a card does not
hide it and a digit run inside a word or token (``ab4111...``, hex ids, UUIDs) is not a card.
The whole run of digit groups that holds a card is replaced by ``***`` and the card's last
four digits (what PCI DSS lets us show, and what support asks for). ISO dates
(``2025-01-31``) are never part of a card, so date ranges in logs stay readable.

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
from collections.abc import Iterable

MASK = "***"

#: Card numbers are 13 to 19 digits (ISO/IEC 7812).
MIN_CARD_DIGITS = 13
MAX_CARD_DIGITS = 19
_LAST_SHOWN = 4

#: Characters people put between the digits of a card number: every Unicode space (NBSP,
#: narrow NBSP, figure space ...), dots, ASCII and typographic dashes and the minus sign.
_SEPARATOR = r"[\s.\-\u2010-\u2015\u2212]"
#: Digits joined by at most three separators. Matched without look-arounds, so a hostile run
#: costs linear time; whether the run touches a word is checked afterwards.
_DIGIT_RUN = re.compile(rf"\d(?:{_SEPARATOR}{{0,3}}\d)*")
_GROUP = re.compile(r"\d+")
#: Never part of a card: an ISO date (not followed by more dash-joined digits) and a UUID.
_PROTECTED = re.compile(
    r"(?<![\d\-])(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d|-\d)"
    r"|(?<![0-9A-Fa-f\-])[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])"
)
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


def _glued(text: str, index: int) -> bool:
    """True when ``text[index]`` is an ASCII letter, digit or underscore (a word or token the
    digits are part of)."""
    if not 0 <= index < len(text):
        return False
    char = text[index]
    return char == "_" or (char.isascii() and char.isalnum())


def _expiry_part(text: str, index: int, group: tuple[int, int], most: int) -> bool:
    """True when the digit group of at most ``most`` digits touches a slash at ``index``: the
    month or year of an expiry date (12/27), not part of a card."""
    start, end = group
    return 0 <= index < len(text) and text[index] == "/" and end - start <= most


def _card_span(text: str, match: re.Match[str]) -> tuple[int, int, str] | None:
    """``(start, end, last four)`` of the card in the digit run ``match``, if it holds one."""
    groups = [(g.start(), g.end()) for g in _GROUP.finditer(match.group(0))]
    offset = match.start()
    run = match.group(0)
    if _glued(text, offset - 1) or _expiry_part(text, offset - 1, groups[0], 4):
        groups = groups[1:]  # the first group belongs to a word, token or date, not to a card
    if groups and (_glued(text, match.end()) or _expiry_part(text, match.end(), groups[-1], 2)):
        groups = groups[:-1]
    if not groups:
        return None
    # Digits other than ASCII ones (Arabic-Indic, full-width ...) are not what card numbers
    # are typed in here; int() of them is not what Luhn means either.
    digit_groups = [run[start:end] for start, end in groups]
    if not all(group.isascii() for group in digit_groups):
        return None
    card = _card_in(digit_groups)
    if card is None:
        return None
    return offset + groups[0][0], offset + groups[-1][1], card[-_LAST_SHOWN:]


def _unprotected_runs(text: str) -> Iterable[re.Match[str]]:
    """The digit runs of ``text`` outside ISO dates and UUIDs."""
    protected = [m.span() for m in _PROTECTED.finditer(text)] if "-" in text else []
    if not protected:
        yield from _DIGIT_RUN.finditer(text)
        return
    position = 0
    for start, end in [*protected, (len(text), len(text))]:
        yield from _DIGIT_RUN.finditer(text, position, start)
        position = end


def _mask_code(match: re.Match[str]) -> str:
    start, end = match.span("code")
    whole = match.group(0)
    return whole[: start - match.start()] + MASK + whole[end - match.start() :]


def mask_card_numbers(text: str) -> str:
    """``text`` with every card number, and the security code next to it or labelled as one
    anywhere, masked (see the module's rules)."""
    if len(text) < _SHORTEST_MASKED:
        return text
    pieces: list[str] = []
    position = 0
    for match in _unprotected_runs(text):
        if match.start() < position:
            continue  # already consumed as a card's security code
        span = _card_span(text, match)
        if span is None:
            continue
        start, end, last_four = span
        pieces += [text[position:start], MASK, last_four]
        position = end
        code = _AFTER_CARD.match(text, end)
        if code is not None:
            pieces.append(_mask_code(code))
            position = code.end()
    if pieces:
        pieces.append(text[position:])
        text = "".join(pieces)
    if _THREE_DIGITS.search(text) is None:
        return text
    return _LABELLED_CODE.sub(_mask_code, text)


def contains_card_number(text: str) -> bool:
    """True when ``text`` holds a card number by the rules of :func:`mask_card_numbers`."""
    return any(_card_span(text, match) is not None for match in _unprotected_runs(text))


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
    return mask_card_numbers(text)
