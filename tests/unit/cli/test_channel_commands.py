"""Connections, sync with progress, ARI pushes and the outbound queue through the CLI."""

from __future__ import annotations

from uuid import UUID, uuid4

import attrs
import pytest

from channel_manager.adapters.memory.gateway import FakeChannel, GatewayOperation
from channel_manager.container import Container
from channel_manager.domain.errors import RetryableChannelError
from channel_manager.domain.messages import MessageDirection
from channel_manager.domain.sync import OutboundState, SyncRunStatus
from channel_manager.entrypoints.cli.errors import ExitCode
from tests.unit.cli.conftest import Invoke, World, hotel_catalog, one_error_line

PUSH = ("ari", "push", "--hotel", "H1", "--room", "R1", "--from", "2025-06-01")


def push_args(world: World, *extra: str, to: str = "2025-06-03") -> tuple[str, ...]:
    """``ari push`` for the world's connection, hotel H1, room R1, 1 June to ``to``."""
    return (*PUSH, "--to", to, "--connection", str(world.connection.id), *extra)


def queued_ids(stdout: str) -> list[UUID]:
    """The push ids ``ari push`` printed, one per line."""
    return [UUID(line) for line in stdout.split()]


def test_connections_list_shows_each_connection_with_its_organisation(
    invoke: Invoke, world: World
) -> None:
    result = invoke("connections", "list", "--organization", "acme")
    everyone = invoke("connections", "list")

    assert result.exit_code == 0, result.output
    assert str(world.connection.id) in result.stdout
    assert "active" in result.stdout
    assert str(world.connection.id) in everyone.stdout


def test_connections_list_of_an_unknown_organisation_is_not_found(
    invoke: Invoke, world: World
) -> None:
    result = invoke("connections", "list", "--organization", "nobody")

    assert result.exit_code == ExitCode.NOT_FOUND
    assert "'nobody' not found" in one_error_line(result)


def test_ari_push_queues_pushes_and_prints_their_ids(
    invoke: Invoke, world: World, container: Container
) -> None:
    result = invoke(
        *push_args(world, "--rate-plan", "BAR", "--availability", "2", "--rate", "120.00")
    )

    assert result.exit_code == 0, result.output
    ids = queued_ids(result.stdout)
    assert len(ids) == 2  # one availability and one rate message
    assert f"queued {len(ids)} push(es)" in result.stderr
    dispatcher = container.dispatcher()
    kinds = {dispatcher.get(world.organization.id, push).kind.value for push in ids}
    assert kinds == {"availability", "rates"}


def test_ari_push_sends_restrictions_alone(invoke: Invoke, world: World) -> None:
    result = invoke(*push_args(world, "--rate-plan", "BAR", "--stop-sell", "--min-los", "2"))

    assert result.exit_code == 0, result.output
    assert queued_ids(result.stdout)


@pytest.mark.parametrize(
    ("extra", "to", "fragment"),
    [
        (("--availability", "1", "--room", "R9"), "2025-06-03", "'R9' is not mapped"),
        (("--availability", "1", "--hotel", "H9"), "2025-06-03", "'H9' is not mapped"),
        (("--rate", "99"), "2025-06-03", "a rate needs a rate plan"),
        (("--rate-plan", "BAR", "--rate", "cheap"), "2025-06-03", "cheap"),
        (("--availability", "1"), "2025-05-01", "2025-05-01"),
        ((), "2025-06-03", "nothing to push"),
        (("--availability", "1"), "June 3rd", "'--to'"),
        (("--availability", "-1"), "2025-06-03", "'--availability'"),
    ],
)
def test_ari_push_validation_errors_are_one_line_and_queue_nothing(
    invoke: Invoke,
    world: World,
    container: Container,
    extra: tuple[str, ...],
    to: str,
    fragment: str,
) -> None:
    result = invoke(*push_args(world, *extra, to=to))

    assert result.exit_code == ExitCode.USAGE, result.output
    assert fragment in one_error_line(result)
    assert container.dispatcher().list(world.organization.id) == []


def test_ari_push_to_an_unknown_connection_is_not_found(invoke: Invoke, world: World) -> None:
    args = (*PUSH, "--to", "2025-06-02", "--availability", "1", "--connection", str(uuid4()))

    result = invoke(*args)

    assert result.exit_code == ExitCode.NOT_FOUND
    assert "not found" in one_error_line(result)


def _fail(container: Container, push_id: UUID) -> None:
    with container.uow_factory()() as uow:
        message = uow.outbound.get(push_id)
        uow.outbound.update(message.fail_permanently("392: room type not bookable"))
        uow.commit()


def test_pushes_list_filters_by_state_and_retry_queues_a_failed_push_again(
    invoke: Invoke, world: World, container: Container
) -> None:
    # Failed before the second is queued: a change is merged into a push not sent yet
    # (issue 18), and never into one given up.
    first = queued_ids(invoke(*push_args(world, "--availability", "1")).stdout)[0]
    _fail(container, first)
    second = queued_ids(invoke(*push_args(world, "--availability", "2")).stdout)[0]
    assert second != first

    failed = invoke("pushes", "list", "--state", "failed")
    retried = invoke("pushes", "retry", str(first))

    assert failed.exit_code == 0, failed.output
    assert str(first) in failed.stdout
    assert "392: room type not bookable" in failed.stdout
    assert str(second) not in failed.stdout
    assert retried.exit_code == 0, retried.output
    replayed = container.dispatcher().get(world.organization.id, first)
    assert replayed.state is OutboundState.PENDING
    assert replayed.attempts == 0
    assert "no pushes" in invoke("pushes", "list", "--state", "failed").stderr


def test_pushes_list_by_connection_and_by_organisation(
    invoke: Invoke, world: World, container: Container
) -> None:
    (push,) = queued_ids(invoke(*push_args(world, "--availability", "1")).stdout)

    by_connection = invoke("pushes", "list", "--connection", str(world.connection.id))
    by_organization = invoke("pushes", "list", "--organization", "acme")
    unknown = invoke("pushes", "list", "--connection", str(uuid4()))

    assert str(push) in by_connection.stdout
    assert str(push) in by_organization.stdout
    assert unknown.exit_code == ExitCode.NOT_FOUND


def test_retrying_a_push_that_has_not_failed_is_one_line(
    invoke: Invoke, world: World, container: Container
) -> None:
    (push,) = queued_ids(invoke(*push_args(world, "--availability", "1")).stdout)

    pending = invoke("pushes", "retry", str(push))
    unknown = invoke("pushes", "retry", str(uuid4()))
    malformed = invoke("pushes", "retry", "not-an-id")

    assert pending.exit_code == ExitCode.FAILURE
    assert "pending" in one_error_line(pending)
    assert unknown.exit_code == ExitCode.NOT_FOUND
    assert malformed.exit_code == ExitCode.USAGE
    assert "not-an-id" in one_error_line(malformed) or "UUID" in one_error_line(malformed)


def test_sync_reports_progress_and_the_run_counts(
    invoke: Invoke, world: World, channel: FakeChannel, container: Container
) -> None:
    channel.add_hotel(hotel_catalog("H1", "Seaside Renamed"))

    result = invoke("sync", str(world.connection.id))

    assert result.exit_code == 0, result.output
    assert "hotels" in result.stderr  # the progress bar's stage
    assert "succeeded" in result.stdout
    (run,) = container.queries().sync_runs(world.organization.id, world.connection.id)
    assert run.status is SyncRunStatus.SUCCEEDED
    assert run.counts["hotels"] == 1
    with container.uow_factory()() as uow:
        mapping = uow.property_mappings.find(world.connection.id, "H1")
    assert mapping is not None
    assert mapping.external_property_name == "Seaside Renamed"


def test_a_failed_sync_prints_its_errors_and_exits_with_the_channel_code(
    invoke: Invoke, world: World, channel: FakeChannel
) -> None:
    channel.add_hotel(hotel_catalog("H1", "Seaside"))
    channel.fail_next(GatewayOperation.LIST_PROPERTIES, RetryableChannelError("HTTP 503 from"))

    result = invoke("sync", str(world.connection.id))

    assert result.exit_code == ExitCode.CHANNEL
    assert "failed" in result.stdout
    assert "HTTP 503 from" in result.stderr
    assert "Traceback" not in result.output


def test_sync_of_an_unknown_connection_is_one_line(invoke: Invoke, world: World) -> None:
    result = invoke("sync", str(uuid4()))

    assert result.exit_code == ExitCode.NOT_FOUND
    assert "not found" in one_error_line(result)


def test_sync_run_status_is_shown_for_a_revoked_connection_as_well(
    invoke: Invoke, world: World, container: Container
) -> None:
    with container.uow_factory()() as uow:
        uow.connections.update(attrs.evolve(world.connection, error_reason="token expired"))
        uow.commit()

    listed = invoke("connections", "list")

    assert "token expired" in listed.stdout


def test_pushes_show_prints_the_state_and_every_range(
    invoke: Invoke, world: World, container: Container
) -> None:
    (push,) = queued_ids(invoke(*push_args(world, "--availability", "2", "--min-los", "3")).stdout)

    shown = invoke("pushes", "show", str(push))
    unknown = invoke("pushes", "show", str(uuid4()))

    assert shown.exit_code == 0, shown.output
    assert "pending" in shown.stdout
    assert "room R1" in shown.stdout
    assert "booking limit 2, min stay 3" in shown.stdout
    assert unknown.exit_code == ExitCode.NOT_FOUND


def test_connections_messages_shows_the_log_with_ruids(
    invoke: Invoke, world: World, container: Container
) -> None:
    container.message_log().write(
        connection_id=world.connection.id,
        direction=MessageDirection.INBOUND,
        message_type="OTA_HotelAvailNotifRS",
        endpoint="POST https://supply-xml.booking.com/hotels/ota/OTA_HotelAvailNotif",
        body="<OTA_HotelAvailNotifRS><Success/></OTA_HotelAvailNotifRS>",
        http_status=200,
        ruid="UnVpZC0xMjM0",
    )

    listed = invoke("connections", "messages", str(world.connection.id), "--body")
    unknown = invoke("connections", "messages", str(uuid4()))

    assert listed.exit_code == 0, listed.output
    assert "UnVpZC0xMjM0" in listed.stdout
    assert "OTA_HotelAvailNotifRS" in listed.stdout
    assert "<Success/>" in listed.stdout
    assert unknown.exit_code == ExitCode.NOT_FOUND
