"""``channel-manager keys ...`` (vault keys), ``api-keys ...`` (REST API keys) and
``signin-link`` (a one-time web UI sign-in link).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from channel_manager.adapters.vault import generate_key, rotate_all
from channel_manager.entrypoints.cli import context, lookup, render

keys_app = typer.Typer(help="Vault encryption keys (CM_VAULT_KEYS).", no_args_is_help=True)
api_keys_app = typer.Typer(help="API keys for the REST API.", no_args_is_help=True)


@keys_app.command("generate")
def keys_generate(
    key_id: Annotated[
        str | None, typer.Option("--id", help="Key id (default: derived from the key).")
    ] = None,
) -> None:
    """Print a new random key as a CM_VAULT_KEYS entry (put it first to start using it)."""
    # stdout gets the entry alone, so `$(channel-manager keys generate)` captures just the key.
    context.emit(generate_key(key_id))
    context.note(
        "Put it first in CM_VAULT_KEYS (newest first), then run `channel-manager keys rotate`."
    )


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored secret under the newest key in CM_VAULT_KEYS, in one transaction.

    Keep the old keys configured until this has finished; running it again is harmless.
    """
    container = context.get_container()
    with container.uow_factory()() as uow:
        rotated = rotate_all(container.vault(), uow.secrets)
        uow.commit()
    # Pushed messages waiting in the inbox are sealed too (issue 17).
    rotated += container.push_inbox().rotate_keys()
    # And webhooks' signing secrets (issue 18).
    rotated += container.webhooks().rotate_keys()
    context.emit(f"re-encrypted {rotated} secret(s) under the newest key")


@api_keys_app.command("create")
def api_keys_create(
    organization: Annotated[
        str,
        typer.Option("--organization", help="Organisation name (created if it does not exist)."),
    ],
    name: Annotated[str, typer.Option("--name", help="A label to recognise the key by.")] = "cli",
) -> None:
    """Create an API key scoped to one organisation and print it (it is shown only once)."""
    container = context.get_container()
    owner = container.inventory().ensure_organization(organization)
    issued = container.api_keys().issue(owner.id, name)
    context.note(
        f"API key {issued.record.name!r} ({issued.record.prefix}...) for organisation "
        f"{owner.name!r}; store it now, it cannot be shown again:"
    )
    context.emit(issued.plaintext)


@api_keys_app.command("list")
def api_keys_list(
    organization: Annotated[
        str | None,
        typer.Option("--organization", help="Only this organisation's keys (default: all)."),
    ] = None,
) -> None:
    """List API keys by their visible start (cm_...), name, creation, last use (to the minute)
    and whether they are revoked. Keys are stored as hashes: nothing here is a secret."""
    container = context.get_container()
    owners = lookup.owners(container, organization)
    service = container.api_keys()
    rows = [(owner, key) for owner in owners for key in service.list(owner.id)]
    if not rows:
        context.note("no API keys")
        return
    context.show(render.api_keys_table(rows))


@api_keys_app.command("revoke")
def api_keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's visible start (cm_...), or the key.")],
    organization: Annotated[
        str, typer.Option("--organization", help="Organisation the key belongs to.")
    ],
) -> None:
    """Revoke an API key at once: every request made with it is refused from now on."""
    container = context.get_container()
    owner = lookup.organization_named(container, organization)
    revoked = container.api_keys().revoke(owner.id, prefix)
    context.note(f"API key {revoked.name!r} of organisation {owner.name!r} revoked")
    context.emit(revoked.prefix)


def signin_link(
    organization: Annotated[
        str, typer.Option("--organization", help="Organisation to sign in to (must exist).")
    ],
    minutes: Annotated[
        int, typer.Option("--minutes", min=1, max=60, help="How long the link works.")
    ] = 15,
) -> None:
    """Print a one-time sign-in link for the web UI: it works once, for a few minutes, and
    holds no API key (only a hash of its token is stored).
    """
    container = context.get_container()
    owner = lookup.organization_named(container, organization)
    issued = container.signin_links().issue(owner.id, timedelta(minutes=minutes))
    context.note(
        f"one-time sign-in link for organisation {owner.name!r}, valid until "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    context.emit(issued.url(container.settings().http.public_url))
