"""The `channel-manager` command line: admin commands for the database, server, worker and syncs.

Every command builds its container through `context.get_container()` and reports failures
through `errors.ErrorReportingGroup`: one red line on stderr and a meaningful exit code.
"""

from __future__ import annotations

import typer

from channel_manager.entrypoints.cli.config import settings
from channel_manager.entrypoints.cli.connection_rules import rules_app
from channel_manager.entrypoints.cli.connections import connections_app, sync
from channel_manager.entrypoints.cli.database import db_app
from channel_manager.entrypoints.cli.errors import ErrorReportingGroup
from channel_manager.entrypoints.cli.feeds import calendars_app, overbookings_app
from channel_manager.entrypoints.cli.health import connections_health
from channel_manager.entrypoints.cli.inventory import properties_app, units_app
from channel_manager.entrypoints.cli.keys import api_keys_app, keys_app, signin_link
from channel_manager.entrypoints.cli.push_inbox import push_inbox_app
from channel_manager.entrypoints.cli.pushes import ari_app, pushes_app
from channel_manager.entrypoints.cli.rate_plans import rate_plans_app
from channel_manager.entrypoints.cli.repair import ari_drift, ari_resync
from channel_manager.entrypoints.cli.reservations import mappings_app, reservations_app
from channel_manager.entrypoints.cli.servers import demo, sandbox, serve, worker
from channel_manager.entrypoints.cli.webhooks import webhooks_app

app = typer.Typer(
    name="channel-manager",
    help="Connect a property manager's system to Booking.com and to iCal calendars (Airbnb, Vrbo).",
    cls=ErrorReportingGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Connect a property manager's system to Booking.com and to iCal calendars.

    Configuration comes from CM_* environment variables (see the README).
    """


app.command("demo")(demo)
app.command("serve")(serve)
app.command("worker")(worker)
app.command("sandbox")(sandbox)
app.command("sync")(sync)
app.command("signin-link")(signin_link)
app.command("settings")(settings)
app.add_typer(db_app, name="db")
connections_app.command("health")(connections_health)
app.add_typer(connections_app, name="connections")
connections_app.add_typer(rules_app, name="rules")
ari_app.command("resync")(ari_resync)
ari_app.command("drift")(ari_drift)
app.add_typer(ari_app, name="ari")
app.add_typer(pushes_app, name="pushes")
app.add_typer(push_inbox_app, name="push-inbox")
app.add_typer(keys_app, name="keys")
app.add_typer(api_keys_app, name="api-keys")
app.add_typer(properties_app, name="properties")
app.add_typer(units_app, name="units")
app.add_typer(rate_plans_app, name="rate-plans")
app.add_typer(reservations_app, name="reservations")
app.add_typer(mappings_app, name="mappings")
app.add_typer(calendars_app, name="calendars")
app.add_typer(overbookings_app, name="overbookings")
app.add_typer(webhooks_app, name="webhooks")


def main() -> None:
    """Console-script entry point."""
    app()
