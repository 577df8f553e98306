"""Another organisation's push and a push that does not exist get the same answer, so the
wording never tells whether an id exists (found by a reviewer: "push ... not found" against
"outbound message ... not found")."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from channel_manager.application.ari import AriChangeInput
from channel_manager.domain.errors import NotFound
from tests.support.builders import HOTEL, RATE_STANDARD, ROOM_DOUBLE
from tests.support.clock import next_year
from tests.unit.application.conftest import World


def _message(error: NotFound, push_id: UUID) -> str:
    return str(error).replace(str(push_id), "<id>")


async def test_unknown_and_foreign_pushes_read_alike(world: World) -> None:
    connection = await world.connect()
    await world.map_double(connection)
    [theirs, *_] = world.container.ari().submit(
        world.organization.id,
        connection.id,
        [
            AriChangeInput(
                hotel_code=HOTEL,
                room_type_code=ROOM_DOUBLE,
                rate_plan_code=RATE_STANDARD,
                start=next_year(3, 1),
                end=next_year(3, 1),
                rate="99",
            )
        ],
    )
    stranger = world.container.inventory().ensure_organization("Stranger Hotels").id
    dispatcher = world.container.dispatcher()
    missing = uuid4()

    with pytest.raises(NotFound) as foreign:
        dispatcher.get(stranger, theirs.id)
    with pytest.raises(NotFound) as unknown:
        dispatcher.get(stranger, missing)

    assert _message(foreign.value, theirs.id) == _message(unknown.value, missing)
    assert dispatcher.get(world.organization.id, theirs.id).id == theirs.id
