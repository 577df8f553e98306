"""R5: no plaintext token, secret or card number in the database, the logs or the message log;
and vault key rotation while the worker keeps working.

The product runs as an operator runs it: ``channel-manager serve`` (API, push endpoint and its
in-process worker) in its own process at ``CM_LOG_LEVEL=DEBUG``, its whole output captured,
against the sandbox. The flows handle every kind of secret: OAuth access and refresh tokens
(short-lived, so they are refreshed and rotated all the time), the machine account's client
secret and JWTs (booking-connectivity), the push password, API keys (also in the web UI's
one-click sign-in link), the vault key, and reservations carrying payment cards, both polled
and pushed. Then every text and binary cell of every table, and every line of output, is
scanned for each secret's exact value and for Luhn-valid card numbers.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit
from uuid import UUID

import attrs
import httpx
import pytest
import sqlalchemy as sa

from booking_sandbox.config import MachineAccount, OAuthClient, SandboxConfig
from booking_sandbox.model import MessageKind
from booking_sandbox.ota_reservations import res_notif_rq
from booking_sandbox.server import SandboxServer
from channel_manager.adapters.sqlalchemy import upgrade
from channel_manager.adapters.sqlalchemy.tables import sealed_secrets
from channel_manager.adapters.vault import AesGcmVault, generate_key
from channel_manager.application.credentials import credential_ref
from channel_manager.ports.vault import TamperedSecret
from tests.contract.conftest import temporary_postgres_database
from tests.e2e.flows import (
    Tenant,
    connect_and_map,
    csrf_token,
    form_fields,
    map_hotel,
    ok,
    pushes_in,
    submit_ari,
    web_sign_in,
)
from tests.e2e.harness import PUSH_USERNAME, RunningService, service_environ
from tests.e2e.inventory import our_reservations
from tests.support.clock import shifted_today
from tests.support.waiting import ConditionTimeoutError, wait_until

from .access_secrets_support import (
    PUSH_PATH,
    ServeProcess,
    card_numbers_in,
    cli,
    secrets_in,
    text_cells,
)
from .conftest import FULL, proof_size

CLIENT_ID = "r5-provider"
OAUTH_HOTEL = "1000001"
EXTRANET_HOTEL = "1000003"  # seeded as not connected: connected through the Extranet
GENERATE = "/_sandbox/reservations/generate"
#: Seconds of traffic before and after each rotation, and after the old key is retired.
TRAFFIC_SECONDS = proof_size(1, 8)
#: A security code next to its name, in any of the forms it could be written.
_SECURITY_CODE = re.compile(
    r"(?i)(series_?code|cvc2?|cvv2?|security_?code)[\"'=:\s>]{1,4}\d{3,4}(?!\d)"
)


class Secrets:
    """The secret values of one run, each named, plus the tokens the sandbox issues."""

    def __init__(self) -> None:
        self.client_secret = "cs-" + secrets.token_urlsafe(24)
        self.machine_password = "mp-" + secrets.token_urlsafe(18)
        self.push_password = "pp-" + secrets.token_urlsafe(18)
        self.vault_key = generate_key("r5-old")
        self.api_keys: list[str] = []
        self.issued: set[str] = set()
        #: Browser session ids (cookies) and one-time sign-in tokens handed out.
        self.web: list[str] = []

    def named(self) -> dict[str, str]:
        """``{what: value}`` of every secret known so far."""
        values = {
            "client secret": self.client_secret,
            "machine account password": self.machine_password,
            "push password": self.push_password,
            "vault key material": self.vault_key.rpartition(":")[2],
        }
        values.update({f"API key {i}": key for i, key in enumerate(self.api_keys)})
        values.update({f"issued token {i}": token for i, token in enumerate(sorted(self.issued))})
        values.update({f"session id or sign-in token {i}": v for i, v in enumerate(self.web)})
        return values


def sandbox_config(known: Secrets, access_ttl: int) -> SandboxConfig:
    """The sandbox with this run's provider credentials; access tokens live ``access_ttl``
    seconds (under our 2-minute refresh margin, every call refreshes and rotates them)."""
    return SandboxConfig(
        machine_accounts=(
            MachineAccount(
                client_id=CLIENT_ID,
                client_secret=known.client_secret,
                username="r5-user",
                password=known.machine_password,
            ),
        ),
        oauth_clients=(OAuthClient(client_id=CLIENT_ID, client_secret=known.client_secret),),
        oauth_access_ttl_seconds=access_ttl,
    )


def record_issued_tokens(sandbox: SandboxServer, into: set[str], patch: pytest.MonkeyPatch) -> None:
    """Note every JWT the sandbox signs (machine and OAuth access tokens) and every refresh
    token it issues, so the scans know their exact values."""
    authority, oauth = sandbox.state.tokens, sandbox.state.oauth
    sign, issue = authority.sign, oauth._issue_tokens

    def signing(claims: dict[str, object]) -> str:
        token = sign(claims)
        into.add(token)
        return token

    def issuing(*args: Any) -> dict[str, object]:
        answer = issue(*args)
        into.add(str(answer["refresh_token"]))
        return answer

    patch.setattr(authority, "sign", signing)
    patch.setattr(oauth, "_issue_tokens", issuing)


@pytest.fixture
def known() -> Secrets:
    """This run's secrets."""
    return Secrets()


POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


def migrated_database(
    backend: str, migrated_sqlite_template: Path, tmp_path: Path, postgres_server_url: str
) -> Iterator[str]:
    """A migrated database: a SQLite file, or a temporary PostgreSQL database."""
    if backend == "sqlite":
        path = tmp_path / "r5.db"
        shutil.copyfile(migrated_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    with temporary_postgres_database(postgres_server_url) as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", POSTGRES])
def any_database_url(
    request: pytest.FixtureRequest,
    migrated_sqlite_template: Path,
    tmp_path: Path,
    postgres_server_url: str,
) -> Iterator[str]:
    """Each backend in turn."""
    yield from migrated_database(
        request.param, migrated_sqlite_template, tmp_path, postgres_server_url
    )


@pytest.fixture(params=[POSTGRES, *(["sqlite"] if FULL else [])])
def rotation_database_url(
    request: pytest.FixtureRequest,
    migrated_sqlite_template: Path,
    tmp_path: Path,
    postgres_server_url: str,
) -> Iterator[str]:
    """PostgreSQL, where a rotation and a token refresh really run side by side (SQLite takes
    one writer at a time); SQLite as well at full size (``CM_PROOF_FULL=1``)."""
    yield from migrated_database(
        request.param, migrated_sqlite_template, tmp_path, postgres_server_url
    )


def environ_for(sandbox: SandboxServer, database_url: str, known: Secrets) -> dict[str, str]:
    """``CM_*`` settings for ``serve`` with this run's secrets, logging everything."""
    return service_environ(
        sandbox.base_url,
        "",
        database_url,
        {
            "CM_VAULT_KEYS": known.vault_key,
            "CM_BOOKING_CLIENT_ID": CLIENT_ID,
            "CM_BOOKING_CLIENT_SECRET": known.client_secret,
            "CM_PUSH_PASSWORD": known.push_password,
            "CM_LOG_LEVEL": "DEBUG",
        },
    )


def new_tenant(
    environ: Mapping[str, str], server: ServeProcess, name: str, known: Secrets
) -> Tenant:
    """An organisation and key made with ``channel-manager api-keys create``."""
    created = cli(environ, "api-keys", "create", "--organization", name)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    known.api_keys.append(key)
    api = httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
    return Tenant(name, "", api)


def connect_through_extranet(tenant: Tenant, hotel: str) -> str:
    """The booking-connectivity wizard (machine account); the connection id."""
    started = tenant.api.get(
        "/connect/booking", params={"mode": "booking-connectivity", "hotel_id": hotel}
    )
    assert started.status_code == 302, started.text
    with httpx.Client(timeout=20) as browser:
        page = browser.get(started.headers["location"])
        action, fields = form_fields(page.text)
        back = browser.post(
            urljoin(started.headers["location"], action), data={**fields, "decision": "request"}
        )
    finished = ok(tenant.api.get(back.headers["location"], headers={"Accept": "application/json"}))
    return str(finished["connection_id"])


def ari_change(tenant: Tenant, connection_id: str, hotel: str, days_ahead: int, rooms: int) -> str:
    """Queue one availability change on the hotel's first room type; the push id."""
    hotels = ok(tenant.api.get(f"/api/v1/connections/{connection_id}/properties"))
    room = next(h for h in hotels if h["hotel_code"] == hotel)["room_types"][0]["code"]
    day = (shifted_today() + dt.timedelta(days=days_ahead)).isoformat()
    [push_id] = submit_ari(
        tenant,
        connection_id,
        {
            "hotel_code": hotel,
            "room_type_code": room,
            "start": day,
            "end": day,
            "availability": rooms,
        },
    )
    return push_id


def findings_in(text: str, known: Mapping[str, str], cards: Mapping[str, str]) -> list[str]:
    """What of ``known``, ``cards`` or any card-shaped number or security code ``text`` holds
    (named, never quoted: the report must not leak what it found)."""
    found = [f"secret: {name}" for name in secrets_in(text, known)]
    found += [f"card number: {name}" for name in secrets_in(text, cards)]
    found += [f"Luhn-valid number ending {n[-4:]}" for n in card_numbers_in(text)]
    found += [f"security code after {m.group(1)}" for m in _SECURITY_CODE.finditer(text)]
    return found


def sandbox_cards(sandbox: SandboxServer) -> dict[str, str]:
    """``{reservation: card number}`` of every sandbox reservation (what was sent to us)."""
    with sandbox.state.lock:
        return {f"card of {r.id}": r.card.number for r in sandbox.state.reservations.values()}


def scan_database(database_url: str, known: Secrets, cards: Mapping[str, str]) -> list[str]:
    """Findings per ``table.column`` over every cell of every table."""
    engine = sa.create_engine(database_url)
    try:
        named = known.named()
        return [
            f"{table}.{column}: {finding}"
            for table, column, text in text_cells(engine)
            for finding in findings_in(text, named, cards)
        ]
    finally:
        engine.dispose()


def scan_output(output: str, known: Secrets, cards: Mapping[str, str]) -> list[str]:
    """Findings per line of process output."""
    named = known.named()
    return [
        f"log line {number}: {finding}"
        for number, line in enumerate(output.splitlines(), start=1)
        for finding in findings_in(line, named, cards)
    ]


def test_no_secret_or_card_number_is_stored_or_logged(
    any_database_url: str, known: Secrets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SandboxServer(seed=1, config=sandbox_config(known, access_ttl=100)) as sandbox:
        record_issued_tokens(sandbox, known.issued, monkeypatch)
        environ = environ_for(sandbox, any_database_url, known)
        with ServeProcess(environ, tmp_path / "serve.log") as server:
            tenant = new_tenant(environ, server, "Secret Keepers", known)
            exercise_every_secret(sandbox, server, tenant, known)
            tenant.api.close()
        output = server.output()
        cards = sandbox_cards(sandbox)

    # The flows really handled what the scans look for (else a clean scan would prove nothing).
    assert len(known.issued) >= 6, "too few tokens were issued to prove anything"
    assert len(cards) >= 5
    assert " DEBUG " in output, "the server did not log at DEBUG"
    assert "push refused" in output
    last_fours = stored_card_last_fours(any_database_url)
    assert last_fours & {number[-4:] for number in cards.values()}, last_fours

    assert scan_database(any_database_url, known, cards) == []
    assert scan_output(output, known, cards) == []


def stored_card_last_fours(database_url: str) -> set[str]:
    """Last four digits the reservations keep of their cards (what we may keep)."""
    engine = sa.create_engine(database_url)
    try:
        return {
            match
            for _table, column, text in text_cells(engine)
            if "payment" in column or "card" in column
            for match in re.findall(r"(?<!\d)\d{4}(?!\d)", text)
        }
    finally:
        engine.dispose()


def exercise_every_secret(
    sandbox: SandboxServer, server: ServeProcess, tenant: Tenant, known: Secrets
) -> None:
    """Sign in, connect both ways, receive polled and pushed reservations with cards, push
    ARI, refuse a wrong push password, disconnect (revocation)."""
    web = httpx.Client(base_url=server.base_url, timeout=30)
    web_sign_in(web, known.api_keys[0])
    assert web.get("/api/v1/connections").status_code == 200
    known.web.append(web.cookies["cm_session"])
    web.close()
    # A one-time sign-in link, confirmed in another browser.
    link = cli(server.environ, "signin-link", "--organization", tenant.name)
    assert link.returncode == 0, link.stderr
    token = parse_qs(urlsplit(link.stdout.strip()).query)["token"][0]
    known.web.append(token)
    with httpx.Client(base_url=server.base_url, timeout=30) as other:
        confirm = other.get(link.stdout.strip())
        fields = {"token": token, "_csrf_token": csrf_token(confirm.text)}
        assert other.post("/signin/link", data=fields).status_code == 303
        assert other.get("/integrations").status_code == 200
        known.web.append(other.cookies["cm_session"])

    oauth_connection = connect_and_map(tenant, OAUTH_HOTEL)
    extranet_connection = connect_through_extranet(tenant, EXTRANET_HOTEL)
    map_hotel(tenant, extranet_connection, EXTRANET_HOTEL)

    with httpx.Client(base_url=sandbox.base_url, timeout=30) as admin:
        # Polled: the seeded queue of the OAuth hotel, and new bookings in the Extranet hotel.
        for _ in range(2):
            ok(
                admin.post("/_sandbox/reservations/generate", json={"hotel_code": EXTRANET_HOTEL}),
                201,
            )
        wait_until(lambda: len(our_reservations(tenant)) >= 4, timeout=30)
        # Pushed: a wrong password first (refused), then the right one.
        target = {"url": f"{server.base_url}{PUSH_PATH}", "username": PUSH_USERNAME}
        ok(
            admin.post(
                "/_sandbox/push-target", json={**target, "password": "wrong-" + known.push_password}
            )
        )
        refused = ok(
            admin.post("/_sandbox/reservations/generate", json={"hotel_code": OAUTH_HOTEL}), 201
        )
        assert refused["push"]["status_code"] == 401, refused["push"]
        ok(admin.post("/_sandbox/push-target", json={**target, "password": known.push_password}))
        pushed = ok(
            admin.post("/_sandbox/reservations/generate", json={"hotel_code": OAUTH_HOTEL}), 201
        )
        assert pushed["push"]["outcome"] == "delivered", pushed["push"]
        booking = pushed["reservation"]["id"]
        ok(admin.post("/_sandbox/clock", json={"seconds": 60}))
        modified = ok(
            admin.post(
                "/_sandbox/reservations/generate",
                json={"kind": "modify", "reservation_id": booking},
            ),
            201,
        )
        assert modified["push"]["outcome"] == "delivered", modified["push"]
        admin.delete("/_sandbox/push-target")

    push_ids = [
        ari_change(tenant, oauth_connection, OAUTH_HOTEL, 20, 3),
        ari_change(tenant, extranet_connection, EXTRANET_HOTEL, 21, 2),
    ]
    wait_until(lambda: pushes_in(tenant, push_ids, "delivered"), timeout=30)
    # A few more polls, each refreshing the short-lived OAuth token.
    since = sandbox.state.clock.now()
    wait_until(
        lambda: token_refreshes(sandbox, since) >= 3, timeout=30, what="3 more token refreshes"
    )
    gone = ok(tenant.api.delete(f"/api/v1/connections/{oauth_connection}"))
    assert gone["status"] == "revoked", gone


# --- vault key rotation while the worker runs --------------------------------------------------


class Traffic:
    """ARI changes and new sandbox bookings, every ``pause`` seconds, in a thread: the worker
    pushes and polls all the while (refreshing the short-lived OAuth tokens as it goes)."""

    def __init__(
        self, sandbox: SandboxServer, tenant: Tenant, connections: Mapping[str, str]
    ) -> None:
        self._sandbox = sandbox
        self._key = str(tenant.api.headers["authorization"])
        self._base_url = str(tenant.api.base_url)
        self._connections = dict(connections)  # hotel code -> connection id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="r5-traffic", daemon=True)
        self.push_ids: list[str] = []
        self.bookings: list[str] = []
        self.errors: list[str] = []

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        api = httpx.Client(
            base_url=self._base_url, headers={"Authorization": self._key}, timeout=30
        )
        tenant = Tenant("traffic", "", api)
        admin = httpx.Client(base_url=self._sandbox.base_url, timeout=30)
        step = 0
        try:
            while not self._stop.is_set():
                step += 1
                for hotel, connection_id in self._connections.items():
                    self.push_ids.append(
                        ari_change(tenant, connection_id, hotel, 30 + step % 60, step % 5)
                    )
                if step % 3 == 0:
                    hotel = sorted(self._connections)[step % len(self._connections)]
                    made = ok(admin.post(GENERATE, json={"hotel_code": hotel}), 201)
                    self.bookings.append(str(made["reservation"]["id"]))
                self._stop.wait(0.1)
        except Exception as error:  # reported by the test, not lost in the thread
            self.errors.append(repr(error))
        finally:
            api.close()
            admin.close()


def sealed_key_ids(database_url: str) -> list[str]:
    """The vault key id each stored secret is sealed under (``v1:<key id>:...``)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            sealed = connection.execute(sa.select(sealed_secrets.c.sealed)).scalars().all()
    finally:
        engine.dispose()
    return [bytes(token).split(b":")[1].decode("ascii") for token in sealed]


def open_all_with(database_url: str, vault_keys: str) -> int:
    """Open every stored secret with a vault holding only ``vault_keys``; how many opened."""
    vault = AesGcmVault.from_config(vault_keys)
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            sealed = connection.execute(
                sa.select(sealed_secrets.c.ref, sealed_secrets.c.sealed)
            ).all()
    finally:
        engine.dispose()
    for ref, token in sealed:
        vault.open(bytes(token), ref)  # each token is bound to the row it is stored in
    return len(sealed)


def token_refreshes(sandbox: SandboxServer, since: dt.datetime) -> int:
    """OAuth token requests the sandbox received after ``since`` (its own clock)."""
    with sandbox.state.lock:
        recorded = list(sandbox.state.requests)
    return sum(1 for r in recorded if r.path == "/oauth2/token" and r.at > since)


def trouble_in(output: str) -> list[str]:
    """Lines of server output that tell of a failure (errors, tracebacks, refused access)."""
    markers = ("ERROR", "Traceback", "CRITICAL", "credentials refused", "vault", "failed")
    return [line for line in output.splitlines() if any(m in line for m in markers)]


def missing(tenant: Tenant, traffic: Traffic) -> dict[str, list[str]]:
    """Pushes not yet delivered (with their state) and bookings not yet received."""
    reservations = ok(tenant.api.get("/api/v1/reservations", params={"limit": 500}))
    received = {r["external_id"] for r in reservations}
    states = [ok(tenant.api.get(f"/api/v1/pushes/{p}"))["state"] for p in traffic.push_ids]
    return {
        "pushes": [s for s in states if s != "delivered"],
        "bookings": [b for b in traffic.bookings if b not in received],
    }


def assert_settled(tenant: Tenant, traffic: Traffic, timeout: float = 60) -> None:
    """Every change the traffic made is delivered and every booking received, in time."""
    nothing: dict[str, list[str]] = {"pushes": [], "bookings": []}
    seen: list[dict[str, list[str]]] = []

    def settled() -> bool:
        seen.append(missing(tenant, traffic))
        return seen[-1] == nothing

    try:
        wait_until(settled, timeout=timeout, interval=0.5, what="every push and booking through")
    except ConditionTimeoutError as timed_out:
        raise ConditionTimeoutError(f"{timed_out}; still missing: {seen[-1]}") from None


def test_vault_keys_rotate_while_the_worker_polls_and_pushes(
    rotation_database_url: str, known: Secrets, tmp_path: Path
) -> None:
    """The documented rotation: every process gets ``new,old``; ``keys rotate`` re-seals while
    they work; then the old key is dropped. Short-lived OAuth tokens make the worker refresh
    and re-seal credentials on every call, racing the rotation."""
    old, new = known.vault_key, generate_key("r5-new")
    hotels = (OAUTH_HOTEL, "1000002")
    with SandboxServer(seed=1, config=sandbox_config(known, access_ttl=100)) as sandbox:
        environ = environ_for(sandbox, rotation_database_url, known)
        environ["CM_LOG_LEVEL"] = "INFO"
        with ServeProcess(environ, tmp_path / "old.log") as server:
            tenant = new_tenant(environ, server, "Rotating Hotels", known)
            connections = {hotel: connect_and_map(tenant, hotel) for hotel in hotels}
            # An Extranet connection's sealed record is never rewritten by a token refresh:
            # only the rotation moves it to the new key.
            connections[EXTRANET_HOTEL] = connect_through_extranet(tenant, EXTRANET_HOTEL)
            map_hotel(tenant, connections[EXTRANET_HOTEL], EXTRANET_HOTEL)
            wait_until(lambda: len(our_reservations(tenant)) >= 2, timeout=30)
            tenant.api.close()
        assert set(sealed_key_ids(rotation_database_url)) == {"r5-old"}

        # 1. Every process runs with the new key first and the old one still known.
        both = {**environ, "CM_VAULT_KEYS": f"{new},{old}"}
        with ServeProcess(both, tmp_path / "both.log") as server:
            tenant = attach(tenant, server)
            with Traffic(sandbox, tenant, connections) as traffic:
                time.sleep(TRAFFIC_SECONDS)
                # 2. Rotate while the worker keeps pushing, polling and refreshing.
                rotations = [cli(both, "keys", "rotate") for _ in range(2)]
                time.sleep(TRAFFIC_SECONDS)
            assert traffic.errors == []
            assert all(r.returncode == 0 for r in rotations), [r.stderr for r in rotations]
            rotated = [int(re.findall(r"re-encrypted (\d+)", r.stdout)[0]) for r in rotations]
            assert rotated[0] >= 1, rotated  # at least the Extranet record was under the old key
            assert_settled(tenant, traffic)
            assert [c["status"] for c in ok(tenant.api.get("/api/v1/connections"))] == [
                "active"
            ] * len(connections)
            tenant.api.close()
        assert set(sealed_key_ids(rotation_database_url)) == {"r5-new"}  # nothing left under old
        assert trouble_in(server.output()) == []
        assert len(traffic.push_ids) >= 10

        # 3. The old key is retired: nothing needs it.
        only_new = {**environ, "CM_VAULT_KEYS": new}
        assert open_all_with(rotation_database_url, new) >= len(connections)
        with ServeProcess(only_new, tmp_path / "new.log") as server:
            tenant = attach(tenant, server)
            with Traffic(sandbox, tenant, connections) as traffic:
                time.sleep(TRAFFIC_SECONDS)
            assert traffic.errors == []
            assert_settled(tenant, traffic)
            assert {c["status"] for c in ok(tenant.api.get("/api/v1/connections"))} == {"active"}
            tenant.api.close()
        assert trouble_in(server.output()) == []
        assert set(sealed_key_ids(rotation_database_url)) == {"r5-new"}


def attach(tenant: Tenant, server: ServeProcess) -> Tenant:
    """The same organisation and key, talking to another server process."""
    api = httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": str(tenant.api.headers["authorization"])},
        timeout=30,
    )
    return Tenant(tenant.name, tenant.organization_id, api)


def test_sealed_credentials_copied_onto_another_organisations_connection_do_not_open(
    service: RunningService, tenant_factory: Callable[[str], Tenant]
) -> None:
    """Whoever can write the database copied the victim's sealed channel credentials onto
    their own connection's row: the v1 token opened there, so the attacker's connection spoke
    to Booking.com as the victim. Tokens are now bound to their row's reference (issue 12 §5):
    the copy fails as tampered, the attacker's connection reads no token at all, and the
    victim's keeps working."""
    victim, attacker = tenant_factory("Victim Stays"), tenant_factory("Attacker Stays")
    victim_connection = connect_and_map(victim, "1000001")
    attacker_connection = connect_and_map(attacker, "1000002")
    victim_ref, attacker_ref = (
        credential_ref(UUID(c)) for c in (victim_connection, attacker_connection)
    )
    engine = sa.create_engine(service.container.settings().database.url)
    try:
        with engine.begin() as connection:
            stolen = connection.execute(
                sa.select(sealed_secrets.c.sealed).where(sealed_secrets.c.ref == victim_ref)
            ).scalar_one()
            connection.execute(
                sa.update(sealed_secrets)
                .where(sealed_secrets.c.ref == attacker_ref)
                .values(sealed=stolen)
            )
    finally:
        engine.dispose()

    credentials = service.container.credentials()
    with pytest.raises(TamperedSecret):
        credentials.load(attacker_ref)
    assert credentials.load(victim_ref)  # the original still opens where it belongs
    service.tick()  # the worker survives the attacker's unreadable row
    theirs = {r["external_id"] for r in service.tick_until(lambda: our_reservations(victim))}
    assert theirs.isdisjoint(r["external_id"] for r in our_reservations(attacker))


# --- card numbers typed into free text (issue 12, section 4) ----------------------------------

#: Test cards as guests type them into a remark: NBSP, dots, dashes, a mixture; and the forms
#: a security review found stored whole: a brand glued to the front, letters glued to the end,
#: full-width digits (Japanese keyboards), four tabs between the groups.
TYPED_CARDS = {
    "4111111111111111": "4111\u00a01111\u00a01111\u00a01111",
    "5555555555554444": "5555.5555.5555.4444",
    "378282246310005": "3782-822463-10005",
    "6011000990139424": "6011 0009-9013.9424",
    "4012888888881881": "Visa4012888888881881",
    "5105105105105100": "5105105105105100exp 08/28",
    "3530111333300000": "".join(chr(0xFF10 + int(d)) for d in "3530111333300000"),
    "6011111111111117": "6011\t\t\t\t1111\t\t\t\t1111\t\t\t\t1117",
}
#: Security codes written beside them (squashed: separators removed).
TYPED_CODES = ("cvc123", "cvv987", "code4321", "2027246")
_SQUASH = re.compile(r"[\s.\-\u2010-\u2015\u2212]")
#: JSON and log escapes of what a guest typed (``\\uff13``, ``\\t``), read back before a scan.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|[tnr])")


def with_typed_cards(sandbox: SandboxServer, hotel: str, index: int) -> Any:
    """A new sandbox booking whose guest typed card numbers and codes into the comment and
    the special request; changed in the state and in its queued message, so a poll and a push
    both carry them."""
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as admin:
        admin.delete("/_sandbox/push-target")
        made = ok(admin.post(GENERATE, json={"hotel_code": hotel}), 201)
    booking_id = str(made["reservation"]["id"])
    nbsp, dots, dashes, mixed, glued, suffixed, full_width, tabs = TYPED_CARDS.values()
    with sandbox.state.lock:
        typed = attrs.evolve(
            sandbox.state.reservations[booking_id],
            comment=(
                f"Guest {index}: please charge my card {nbsp} cvc 123, or {dots} cvv 987"
                f", or {glued} or {suffixed}"
            ),
            special_request=(
                f"card {dashes} code 4321; backup {mixed} 12/27 246"
                f"; \u30ab\u30fc\u30c9{full_width}\u3001{tabs}"
            ),
        )
        sandbox.state.reservations[booking_id] = typed
        for message in sandbox.state.queue.messages:
            if message.reservation_id == booking_id:
                message.snapshot = typed
    return typed


def squashed_findings(where: str, text: str) -> list[str]:
    """Card numbers (whatever separators were typed) and codes in ``text``, by name only."""
    read = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else " ", text)
    flat = _SQUASH.sub("", unicodedata.normalize("NFKC", read)).lower()
    found = [f"{where}: card ending {digits[-4:]}" for digits in TYPED_CARDS if digits in flat]
    return found + [f"{where}: code {code[:-3]}..." for code in TYPED_CODES if code in flat]


def test_a_card_typed_into_free_text_is_masked_in_storage_and_every_log(
    any_database_url: str, known: Secrets, tmp_path: Path
) -> None:
    """Attack: a guest types card numbers (NBSP, dots, dashes) and security codes into the
    remark and the special request; they used to be stored as typed and shown on the page."""
    with SandboxServer(seed=1, config=sandbox_config(known, access_ttl=100)) as sandbox:
        environ = environ_for(sandbox, any_database_url, known)
        with ServeProcess(environ, tmp_path / "serve.log") as server:
            tenant = new_tenant(environ, server, "Remark Keepers", known)
            polled = with_typed_cards(sandbox, OAUTH_HOTEL, 1)
            pushed = with_typed_cards(sandbox, OAUTH_HOTEL, 2)
            with sandbox.state.lock:
                hotels = dict(sandbox.state.hotels)
            body = res_notif_rq(
                [(MessageKind.NEW, pushed)], hotels, sandbox.state.clock.now(), root_status="Commit"
            )
            connect_and_map(tenant, OAUTH_HOTEL)
            answer = httpx.post(
                f"{server.base_url}{PUSH_PATH}",
                content=body,
                headers={"Content-Type": "application/xml"},
                auth=(PUSH_USERNAME, known.push_password),
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            wanted = {str(polled.id), str(pushed.id)}
            stored = wait_until(
                lambda: (
                    [r for r in our_reservations(tenant) if r["external_id"] in wanted][1:]
                    and [r for r in our_reservations(tenant) if r["external_id"] in wanted]
                ),
                timeout=30,
            )
            pages = [
                httpx.get(
                    f"{server.base_url}/api/v1/reservations/{r['id']}/messages",
                    headers=dict(tenant.api.headers),
                    timeout=30,
                ).text
                for r in stored
            ]
            tenant.api.close()
        output = server.output()

    # The remarks were stored (masked, the rest readable): the scans below have something to
    # find if masking failed.
    for reservation in stored:
        remarks = " ".join(reservation["remarks"])
        assert (
            "please charge my card ***1111 cvc ***, or ***4444 cvv ***"
            ", or Visa***1881 or ***5100exp 08/28"
        ) in remarks
        stay_remarks = " ".join(reservation["room_stays"][0]["remarks"])
        assert (
            "card ***0005 code ***; backup ***9424 12/27 ***"
            "; \u30ab\u30fc\u30c9***0000\u3001***1117"
        ) in stay_remarks
    engine = sa.create_engine(any_database_url)
    try:
        cells = list(text_cells(engine))
    finally:
        engine.dispose()
    findings = [
        f for table, column, text in cells for f in squashed_findings(f"{table}.{column}", text)
    ]
    findings += [
        f
        for n, line in enumerate(output.splitlines(), 1)
        for f in squashed_findings(f"log line {n}", line)
    ]
    findings += [f for page in pages for f in squashed_findings("reservation messages", page)]
    assert findings == []
