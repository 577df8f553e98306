"""The `channel-manager` command line: admin commands for the database, server, worker and syncs."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="channel-manager",
    help="Connect a property manager's system to Booking.com.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Connect a property manager's system to Booking.com."""


@app.command()
def demo() -> None:
    """Run the sandbox, the API/UI server and the worker on a local SQLite file."""
    typer.echo(app.info.help)


def main() -> None:
    """Console-script entry point."""
    app()
