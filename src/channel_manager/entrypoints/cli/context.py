"""Where commands get their settings and container from: one overridable place.

Commands call ``context.get_container()`` through the module (never a copied reference), so a
test can monkeypatch it to hand every command a container over in-memory adapters.
"""

from __future__ import annotations

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from channel_manager.adapters.sqlalchemy import ensure_migrated
from channel_manager.container import Container, build_container
from channel_manager.settings import Settings

#: Results go to stdout (so they can be piped); progress, notes and errors go to stderr.
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def load_settings() -> Settings:
    """Validated settings from the ``CM_`` environment (`SettingsError` names each problem)."""
    return Settings.from_env()


def load_database_url() -> str:
    """``CM_DATABASE_URL`` alone: the ``db`` commands need no vault key."""
    return Settings.from_env(dev_vault_key=True).database.url


def get_container() -> Container:
    """The process's container, refusing an unmigrated database (`DatabaseNotMigrated`)."""
    container = build_container(load_settings())
    ensure_migrated(container.engine())
    return container


def emit(text: str | Text) -> None:
    """One line of result on stdout, printed as is (no markup, no wrapping) for scripts."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def note(text: str) -> None:
    """One line for the person at the terminal, on stderr (so stdout stays a clean result)."""
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def show(table: Table) -> None:
    """A table on stdout; piped or captured output gets its natural width, never cut at 80."""
    if out.is_terminal:
        out.print(table)
        return
    natural = Measurement.get(out, out.options.update(max_width=10_000), table).maximum
    # Console.print caps its width at the console's, so a console of the table's own width it is.
    Console(file=out.file, width=max(natural, out.width), highlight=False).print(table)
