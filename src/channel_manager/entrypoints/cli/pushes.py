"""``channel-manager ari push`` and ``channel-manager pushes list/retry``: rates and
availability out, and the outbound queue that carries them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import typer

from channel_manager.application.ari import AriChangeInput
from channel_manager.application.errors import InvalidRequest
from channel_manager.domain.sync import OutboundState
from channel_manager.entrypoints.cli import context, lookup, render

ari_app = typer.Typer(help="Rates, availability and restrictions.", no_args_is_help=True)
pushes_app = typer.Typer(help="The outbound queue of ARI pushes.", no_args_is_help=True)

_DATE = ["%Y-%m-%d"]


@ari_app.command("push")
def ari_push(
    *,
    connection_id: Annotated[UUID, typer.Option("--connection", help="Connection id.")],
    hotel: Annotated[str, typer.Option("--hotel", help="The channel's hotel code.")],
    room: Annotated[str, typer.Option("--room", help="The channel's room type code.")],
    rate_plan: Annotated[
        str | None,
        typer.Option("--rate-plan", help="The channel's rate plan code (needed for --rate)."),
    ] = None,
    start: Annotated[
        datetime, typer.Option("--from", formats=_DATE, help="First date, YYYY-MM-DD.")
    ],
    end: Annotated[
        datetime, typer.Option("--to", formats=_DATE, help="Last date (inclusive), YYYY-MM-DD.")
    ],
    availability: Annotated[
        int | None, typer.Option("--availability", min=0, help="Rooms to sell.")
    ] = None,
    rate: Annotated[
        str | None,
        typer.Option("--rate", help="Price per night in the hotel's currency, e.g. 120.00."),
    ] = None,
    min_los: Annotated[
        int | None, typer.Option("--min-los", min=1, help="Minimum stay (nights).")
    ] = None,
    max_los: Annotated[
        int | None, typer.Option("--max-los", min=1, help="Maximum stay (nights).")
    ] = None,
    stop_sell: Annotated[
        bool | None, typer.Option("--stop-sell/--no-stop-sell", help="Close or reopen the room.")
    ] = None,
    closed_to_arrival: Annotated[
        bool | None, typer.Option("--cta/--no-cta", help="Closed to arrival.")
    ] = None,
    closed_to_departure: Annotated[
        bool | None, typer.Option("--ctd/--no-ctd", help="Closed to departure.")
    ] = None,
) -> None:
    """Queue availability, a rate and restrictions for a date range; print the push ids.

    Values not given stay as they are. The worker delivers the pushes; follow them with
    `channel-manager pushes list --connection ID`.
    """
    change = AriChangeInput(
        hotel_code=hotel,
        room_type_code=room,
        rate_plan_code=rate_plan,
        start=start.date(),
        end=end.date(),
        availability=availability,
        rate=rate,
        min_los=min_los,
        max_los=max_los,
        closed_to_arrival=closed_to_arrival,
        closed_to_departure=closed_to_departure,
        stop_sell=stop_sell,
    )
    given = (availability, rate, min_los, max_los, stop_sell)
    if all(value is None for value in (*given, closed_to_arrival, closed_to_departure)):
        raise InvalidRequest(
            "nothing to push: give at least one of --availability, --rate, --min-los, "
            "--max-los, --stop-sell, --cta, --ctd"
        )
    container = context.get_container()
    owner = lookup.connection(container, connection_id).organization_id
    queued = container.ari().submit(owner, connection_id, [change])
    context.note(f"queued {len(queued)} push(es)")
    for message in queued:
        context.emit(str(message.id))


@pushes_app.command("list")
def pushes_list(
    connection_id: Annotated[
        UUID | None, typer.Option("--connection", help="Only this connection.")
    ] = None,
    organization: Annotated[
        str | None, typer.Option("--organization", help="Only this organisation.")
    ] = None,
    state: Annotated[
        OutboundState | None, typer.Option("--state", help="Only pushes in this state.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many, newest first.")
    ] = 50,
) -> None:
    """List outbound pushes, newest first, with attempts and the last error."""
    container = context.get_container()
    dispatcher = container.dispatcher()
    if connection_id is not None:
        owner = lookup.connection(container, connection_id).organization_id
        messages = dispatcher.list(owner, connection_id, state, limit)
    elif organization is not None:
        owner = lookup.organization_named(container, organization).id
        messages = dispatcher.list(owner, None, state, limit)
    else:
        messages = lookup.all_pushes(container, state, limit)
    if not messages:
        context.note("no pushes")
        return
    context.show(render.pushes_table(messages))


@pushes_app.command("show")
def pushes_show(
    push_id: Annotated[UUID, typer.Argument(help="A push's id.")],
) -> None:
    """One push: its state, attempts, the channel's confirmation or error, and every range."""
    container = context.get_container()
    owner = lookup.push_owner(container, push_id)
    message = container.dispatcher().get(owner, push_id)
    context.show(render.pushes_table([message]))
    for item in message.payload.items:
        context.emit(f"  {render.range_line(item)}")


@pushes_app.command("retry")
def pushes_retry(
    push_id: Annotated[UUID, typer.Argument(help="A failed push's id.")],
) -> None:
    """Queue a failed push again from scratch (attempts reset); the worker sends it next."""
    container = context.get_container()
    owner = lookup.push_owner(container, push_id)
    replayed = container.dispatcher().replay(owner, push_id)
    context.emit(
        f"push {replayed.id} is {replayed.state.value} again (attempt 0 of {replayed.max_attempts})"
    )
