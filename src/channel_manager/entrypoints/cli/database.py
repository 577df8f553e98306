"""``channel-manager db ...``: schema migrations."""

from __future__ import annotations

import typer
from sqlalchemy.engine import make_url

from channel_manager.adapters.sqlalchemy import current, upgrade
from channel_manager.adapters.sqlalchemy.migrate import head_revision
from channel_manager.entrypoints.cli import context

db_app = typer.Typer(help="Set up and inspect the database schema.", no_args_is_help=True)


def _display(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to CM_DATABASE_URL and print the revision it is at."""
    url = context.load_database_url()
    upgrade(url)
    context.note(f"database {_display(url)} is up to date")
    context.emit(current(url) or "")


@db_app.command("current")
def db_current() -> None:
    """Print the revision of CM_DATABASE_URL and whether migrations are pending."""
    url = context.load_database_url()
    found = current(url)
    head = head_revision()
    context.emit(found or "none")
    if found == head:
        context.note("up to date")
    else:
        context.note(f"behind: the code needs {head}; run `channel-manager db upgrade`")
