"""What the demo keeps in its data folder, and how other commands recognise its database.

``channel-manager demo --data-dir .demo`` writes:

- ``channel-manager.db``: the SQLite database;
- ``vault.key`` and ``push.password``: the generated vault key and the push endpoint's password
  (user ``sandbox-push``), made once and kept (mode 600);
- ``sandbox/state.json``: the sandbox's state, so a restart goes on where it stopped;
- ``env``: ``export CM_...`` lines for a shell (``source .demo/env``) that point the CLI at the
  demo's database, vault key and sandbox (mode 600: it holds the key and the password);
- ``demo.json``: the marker that says the database beside it is the demo's, with the URLs.

A command that talks to Booking.com (``serve``, ``worker``, ``sync``) on the demo's database
without the Booking.com URLs set would go to the real Booking.com hosts with the demo's
connections; :func:`refuse_real_booking_for_demo` stops it with a message saying what to source.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from channel_manager.settings import SettingsError

DATABASE_FILE = "channel-manager.db"
ENV_FILE = "env"
MARKER_FILE = "demo.json"
SANDBOX_STATE_FILE = Path("sandbox") / "state.json"
#: The settings that name Booking.com's hosts; unset, they default to the real ones.
BOOKING_URL_SETTINGS = (
    "CM_BOOKING_BASE_URL",
    "CM_BOOKING_SECURE_URL",
    "CM_BOOKING_TOKEN_URL",
    "CM_BOOKING_AUTH_URL",
)
#: Not a setting: the sandbox's address, for the README's curl commands.
SANDBOX_URL_VARIABLE = "DEMO_SANDBOX_URL"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only from the first byte on."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    path.chmod(0o600)  # an older file keeps its mode through O_CREAT


def write_env_file(directory: Path, environ: Mapping[str, str], sandbox_url: str) -> Path:
    """``directory/env``: the demo's ``CM_`` settings as ``export`` lines, quoted for sh."""
    lines = [
        "# channel-manager demo: `source` this file to point the CLI at the demo",
        "# (its database, vault key and sandbox). Written by `channel-manager demo` at each start.",
        *(
            f"export {name}={shlex.quote(value)}"
            for name, value in sorted(environ.items())
            if name.startswith("CM_")
        ),
        f"export {SANDBOX_URL_VARIABLE}={shlex.quote(sandbox_url)}",
        # The `channel-manager` command of the environment the demo runs in.
        f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"',
        "",
    ]
    path = directory / ENV_FILE
    write_private(path, "\n".join(lines))
    return path


def write_marker(directory: Path, *, ui_url: str, sandbox_url: str) -> Path:
    """``directory/demo.json``: this folder's database is the demo's."""
    path = directory / MARKER_FILE
    marker = {
        "database": str(directory / DATABASE_FILE),
        "env_file": str(directory / ENV_FILE),
        "ui_url": ui_url,
        "sandbox_url": sandbox_url,
    }
    path.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return path


def demo_marker(database_url: str) -> dict[str, str] | None:
    """The demo's marker when ``database_url`` is a SQLite file in a demo's data folder."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return None
    if not url.drivername.startswith("sqlite") or not url.database:
        return None
    if url.database == ":memory:":
        return None
    marker = Path(url.database).resolve().parent / MARKER_FILE
    try:
        found = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def refuse_real_booking_for_demo(environ: Mapping[str, str] | None = None) -> None:
    """Raise ``SettingsError`` when the database is the demo's and a Booking.com URL is unset
    (it would default to the real Booking.com)."""
    env = os.environ if environ is None else environ
    database_url = env.get("CM_DATABASE_URL", "").strip() or "sqlite:///./channel-manager.db"
    marker = demo_marker(database_url)
    if marker is None:
        return
    missing = [name for name in BOOKING_URL_SETTINGS if not env.get(name, "").strip()]
    if not missing:
        return
    env_file = marker.get("env_file", f"<the demo's data folder>/{ENV_FILE}")
    raise SettingsError(
        [
            f"{', '.join(missing)}: not set, and {database_url} is the demo's database: this "
            "command would talk to the real Booking.com with the demo's connections. Run "
            f"`source {env_file}` first (it points them at the demo's sandbox, "
            f"{marker.get('sandbox_url', 'see demo.json')})"
        ]
    )
