"""``channel-manager webhooks add/list/deliveries/replay`` (issue 18), and ``keys rotate``
re-sealing webhook secrets."""

from __future__ import annotations

import asyncio
import ipaddress
from uuid import uuid4

import pytest
from dependency_injector import providers

from channel_manager.adapters.vault import AesGcmVault, generate_key
from channel_manager.adapters.webhooks.http import HttpWebhookTransport
from channel_manager.application.webhooks import seal_context
from channel_manager.container import Container
from channel_manager.domain.events import EventType
from channel_manager.entrypoints.cli import context
from tests.support.containers import app_container, make_settings
from tests.support.webhooks import WebhookReceiver
from tests.unit.cli.conftest import Invoke


def test_add_list_deliveries_and_replay(invoke: Invoke, container: Container) -> None:
    container.webhook_transport.override(
        providers.Object(HttpWebhookTransport((ipaddress.ip_network("127.0.0.1/32"),)))
    )
    organization = container.inventory().ensure_organization("Canal Hotels")
    assert "no webhooks" in invoke("webhooks", "list").stderr
    with WebhookReceiver() as receiver:
        added = invoke(
            "webhooks", "add", "--organization", "Canal Hotels", "--url", receiver.url,
            "--event", "push.failed", "--event", "reservation.created",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        secret = added.stdout.strip()
        assert secret.startswith("whsec_")
        assert secret not in added.stderr
        [webhook] = container.webhooks().list(organization.id)
        assert str(webhook.id) in added.stderr

        listed = invoke("webhooks", "list", "--organization", "Canal Hotels")
        assert listed.exit_code == 0, listed.output
        assert str(webhook.id) in listed.stdout
        assert "reservation.created" in listed.stdout
        assert secret not in listed.output

        assert "nothing delivered yet" in invoke("webhooks", "deliveries", str(webhook.id)).stderr
        with container.uow_factory()() as uow:
            container.events().emit(uow, organization.id, EventType.PUSH_FAILED, {"push_id": "1"})
            uow.commit()
        assert asyncio.run(container.webhook_dispatcher().deliver_due("w")) == 1
        log = invoke("webhooks", "deliveries", str(webhook.id))
        assert log.exit_code == 0, log.output
        assert "push.failed" in log.stdout
        assert "delivered" in log.stdout
        [delivery] = container.webhooks().deliveries(organization.id, webhook.id)

        replayed = invoke("webhooks", "replay", str(webhook.id), str(delivery.id))
        assert replayed.exit_code == 0, replayed.output
        assert f"webhook delivery {delivery.id} is pending" in replayed.stdout
        assert asyncio.run(container.webhook_dispatcher().deliver_due("w")) == 1
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--organization", "Nobody", "--url", "https://x.example", "--event", "push.failed"),
         3, "not found"),
        (("--organization", "Canal Hotels", "--url", "https://x.example", "--event", "nope"),
         1, "unknown event type"),
        (("--organization", "Canal Hotels", "--url", "http://10.0.0.1/", "--event", "push.failed"),
         1, "not allowed"),
    ],
)  # fmt: skip
def test_bad_input_gets_one_clear_line(
    invoke: Invoke, container: Container, args: tuple[str, ...], code: int, says: str
) -> None:
    container.inventory().ensure_organization("Canal Hotels")
    # (InvalidValue exits 1 in cli/errors.py, as for a calendar URL; not "usage", 2.)
    result = invoke("webhooks", "add", *args)
    assert result.exit_code == code, result.output
    assert says in result.stderr
    assert invoke("webhooks", "deliveries", str(uuid4())).exit_code == 3
    assert invoke("webhooks", "replay", str(uuid4()), str(uuid4())).exit_code == 3


def test_keys_rotate_reseals_webhook_secrets(invoke: Invoke) -> None:
    old_key, new_key = generate_key("old"), generate_key("new")
    before = app_container(settings=make_settings({"CM_VAULT_KEYS": old_key}))
    before.webhook_transport.override(providers.Object(_Accepting()))
    organization = before.inventory().ensure_organization("Canal Hotels")
    created = asyncio.run(
        before.webhooks().create(organization.id, "https://pms.example.com/h", ["push.failed"])
    )
    store = before.uow_factory()
    after = app_container(settings=make_settings({"CM_VAULT_KEYS": f"{new_key},{old_key}"}))
    after.uow_factory.override(providers.Object(store))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(context, "get_container", lambda: after)
        rotated = invoke("keys", "rotate")
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 1 secret(s)" in rotated.stdout
    with store() as uow:
        sealed = uow.webhooks.get_subscription(created.webhook.id).sealed_secret
    opened = AesGcmVault.from_config(new_key).open(sealed, seal_context(created.webhook.id))
    assert opened == created.secret


class _Accepting:
    async def check(self, url: str) -> str:
        return url
