"""Small, international name lists for seeded guests (non-ASCII on purpose)."""

from __future__ import annotations

from attrs import frozen


@frozen
class Locale:
    """Names and address bits typical for one country."""

    country_code: str
    language: str
    given_names: tuple[str, ...]
    surnames: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]  # (city, postal code)
    phone_prefix: str
    street: str


LOCALES: tuple[Locale, ...] = (
    Locale(
        "JP",
        "ja",
        ("太郎", "Yūki", "さくら", "Haruto", "美咲"),
        ("山田", "Satō", "鈴木", "Takahashi"),
        (("東京", "100-0001"), ("Ōsaka", "530-0001")),
        "+81",
        "千代田 1-1",
    ),
    Locale(
        "DE",
        "de",
        ("Jürgen", "Zoë", "Björn", "Lena", "Günter"),
        ("Müller", "Groß", "Schäfer", "Weiß"),
        (("München", "80331"), ("Köln", "50667")),
        "+49",
        "Straße des 17. Juni 5",
    ),
    Locale(
        "BR",
        "pt",
        ("João", "Conceição", "Luíza", "Thiago", "Antônia"),
        ("Gonçalves", "Araújo", "Brandão", "Simões"),
        (("São Paulo", "01310-100"), ("Florianópolis", "88010-000")),
        "+55",
        "Avenida Paulista 1578",
    ),
    Locale(
        "IN",
        "hi",
        ("Aarav", "प्रिया", "Saanvi", "Vihaan"),
        ("Sharma", "Iyer", "पटेल", "Chatterjee"),
        (("Mumbai", "400001"), ("Bengaluru", "560001")),
        "+91",
        "MG Road 12",
    ),
    Locale(
        "NG",
        "yo",
        ("Adébáyọ̀", "Chinedu", "Ngozi", "Olúwaseun"),
        ("Okafor", "Ògúnlésì", "Adeyemi", "Nwosu"),
        (("Lagos", "101233"), ("Abuja", "900211")),
        "+234",
        "Awolowo Road 7",
    ),
    Locale(
        "DK",
        "da",
        ("Søren", "Åse", "Mathias", "Ida"),
        ("Kierkegård", "Sørensen", "Ærø", "Holm"),
        (("København", "1050"), ("Aarhus", "8000")),
        "+45",
        "Nørregade 3",
    ),
    Locale(
        "PL",
        "pl",
        ("Łukasz", "Małgorzata", "Wojciech", "Zofia"),
        ("Wąsik", "Żółtowski", "Nowak", "Kościuszko"),
        (("Kraków", "30-001"), ("Łódź", "90-001")),
        "+48",
        "ul. Świętokrzyska 14",
    ),
)

HOTEL_WORDS: tuple[str, ...] = (
    "Grand",
    "Harbour",
    "Sakura",
    "Alpen",
    "Copacabana",
    "Lagoon",
    "Nordlys",
    "Wawel",
)
HOTEL_KINDS: tuple[str, ...] = ("Hotel", "Inn", "Residence", "Lodge", "Suites")
ROOM_NAMES: tuple[str, ...] = (
    "Standard Double Room",
    "Twin Room",
    "Deluxe King Room",
    "Single Room",
    "Family Suite",
    "Superior Double Room with Sea View",
    "Studio with Kitchenette",
    "Quadruple Room",
    "Junior Suite",
    "Economy Twin Room",
    "Double Room with Balcony",
    "Japanese-Style Room (和室)",
)
RATE_NAMES: tuple[str, ...] = (
    "Standard Rate",
    "Non-refundable",
    "Breakfast included",
    "Weekly Saver",
)
COMMENTS: tuple[str, ...] = (
    "Arriving late, around 23:00.",
    "Wir reisen mit einem Hund.",
    "Quarto silencioso, por favor.",
    "静かな部屋を希望します。",
    "Celebrating our anniversary!",
    "",
)
SPECIAL_REQUESTS: tuple[str, ...] = ("Cot for a baby", "High floor", "Late check-out")
