"""Database, vault keys, API keys and configuration errors, end to end through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from dependency_injector import providers

from channel_manager.adapters.sqlalchemy import current
from channel_manager.adapters.sqlalchemy.migrate import head_revision
from channel_manager.adapters.vault import AesGcmVault, generate_key, parse_vault_keys
from channel_manager.application.errors import Unauthenticated
from channel_manager.container import Container
from channel_manager.entrypoints.cli import context
from channel_manager.entrypoints.cli.errors import ExitCode
from channel_manager.ports.vault import Secret
from tests.support.containers import make_settings, memory_container
from tests.unit.cli.conftest import Invoke, one_error_line


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite file as CM_DATABASE_URL, with a vault key configured."""
    url = f"sqlite:///{tmp_path / 'cm.db'}"
    monkeypatch.setenv("CM_DATABASE_URL", url)
    monkeypatch.setenv("CM_VAULT_KEYS", generate_key())
    return url


def test_keys_generate_prints_one_usable_entry_and_nothing_else(invoke: Invoke) -> None:
    first = invoke("keys", "generate")
    second = invoke("keys", "generate", "--id", "2025-03")

    assert first.exit_code == second.exit_code == 0
    (key,) = parse_vault_keys(first.stdout.strip())
    (named,) = parse_vault_keys(second.stdout.strip())
    assert named.key_id == "2025-03"
    assert key.material != named.material
    assert "keys rotate" in first.stderr


def test_keys_rotate_reseals_every_secret_under_the_newest_key(invoke: Invoke) -> None:
    old_key, new_key = generate_key("old"), generate_key("new")
    before = memory_container(settings=make_settings({"CM_VAULT_KEYS": old_key}))
    store = before.uow_factory()
    with store() as uow:
        uow.secrets.put("conn-1", before.vault().seal(Secret("refresh-token-1"), "conn-1"))
        uow.secrets.put("conn-2", before.vault().seal(Secret("refresh-token-2"), "conn-2"))
        uow.commit()
    after = memory_container(settings=make_settings({"CM_VAULT_KEYS": f"{new_key},{old_key}"}))
    after.uow_factory.override(providers.Object(store))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(context, "get_container", lambda: after)
        rotated = invoke("keys", "rotate")
        again = invoke("keys", "rotate")

    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 2 secret(s)" in rotated.stdout
    assert "re-encrypted 0 secret(s)" in again.stdout
    only_new = AesGcmVault.from_config(new_key)
    with store() as uow:
        assert only_new.open(uow.secrets.get("conn-1"), "conn-1") == Secret("refresh-token-1")
        assert only_new.open(uow.secrets.get("conn-2"), "conn-2") == Secret("refresh-token-2")


def test_keys_rotate_without_the_old_key_fails_in_one_line_and_changes_nothing(
    invoke: Invoke,
) -> None:
    old_key = generate_key("old")
    before = memory_container(settings=make_settings({"CM_VAULT_KEYS": old_key}))
    store = before.uow_factory()
    with store() as uow:
        sealed = before.vault().seal(Secret("refresh-token"))
        uow.secrets.put("conn-1", sealed)
        uow.commit()
    forgot_old = memory_container(settings=make_settings({"CM_VAULT_KEYS": generate_key("new")}))
    forgot_old.uow_factory.override(providers.Object(store))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(context, "get_container", lambda: forgot_old)
        result = invoke("keys", "rotate")

    assert result.exit_code == ExitCode.USAGE
    assert "vault:" in one_error_line(result)
    with store() as uow:
        assert uow.secrets.get("conn-1") == sealed


def test_api_keys_create_prints_a_key_that_authenticates(
    invoke: Invoke, container: Container
) -> None:
    result = invoke("api-keys", "create", "--organization", "acme", "--name", "front desk")

    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("cm_")
    assert key not in result.stderr  # shown once, on stdout only
    organization = container.inventory().ensure_organization("acme")
    assert container.api_keys().authenticate(key) == organization.id


def test_api_keys_for_the_same_organisation_name_share_the_organisation(
    invoke: Invoke, container: Container
) -> None:
    first = invoke("api-keys", "create", "--organization", "acme").stdout.strip()
    second = invoke("api-keys", "create", "--organization", "acme").stdout.strip()
    other = invoke("api-keys", "create", "--organization", "globex").stdout.strip()

    api_keys = container.api_keys()
    assert first != second
    assert api_keys.authenticate(first) == api_keys.authenticate(second)
    assert api_keys.authenticate(other) != api_keys.authenticate(first)


def test_api_keys_revoke_refuses_the_key_from_then_on_and_only_that_key(
    invoke: Invoke, container: Container
) -> None:
    kept = invoke("api-keys", "create", "--organization", "acme").stdout.strip()
    doomed = invoke("api-keys", "create", "--organization", "acme").stdout.strip()
    invoke("api-keys", "create", "--organization", "globex")
    api_keys = container.api_keys()
    api_keys.authenticate(doomed)

    result = invoke("api-keys", "revoke", doomed[:10], "--organization", "acme")
    again = invoke("api-keys", "revoke", doomed[:10], "--organization", "acme")
    foreign = invoke("api-keys", "revoke", kept[:10], "--organization", "globex")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == doomed[:10]
    with pytest.raises(Unauthenticated, match="revoked"):
        api_keys.authenticate(doomed)
    assert api_keys.authenticate(kept) == container.inventory().ensure_organization("acme").id
    assert again.exit_code == ExitCode.NOT_FOUND  # already revoked: no active key by that prefix
    assert foreign.exit_code == ExitCode.NOT_FOUND  # another organisation's key is not found


def test_db_upgrade_migrates_a_new_sqlite_file_and_prints_the_revision(
    invoke: Invoke, database_url: str
) -> None:
    before = invoke("db", "current")

    upgraded = invoke("db", "upgrade")

    assert before.stdout.strip() == "none"
    assert "channel-manager db upgrade" in before.stderr
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stdout.strip() == head_revision()
    assert current(database_url) == head_revision()
    assert "up to date" in invoke("db", "current").stderr


def test_db_upgrade_needs_no_vault_key(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CM_DATABASE_URL", f"sqlite:///{tmp_path / 'cm.db'}")

    assert invoke("db", "upgrade").exit_code == 0


@pytest.mark.usefixtures("database_url")
@pytest.mark.parametrize(
    "command",
    [("connections", "list"), ("serve", "--port", "1"), ("worker", "--once"), ("keys", "rotate")],
)
def test_commands_refuse_an_unmigrated_database_naming_the_fix(
    invoke: Invoke, command: tuple[str, ...]
) -> None:
    result = invoke(*command)

    assert result.exit_code == ExitCode.USAGE
    assert "run `channel-manager db upgrade`" in one_error_line(result)


def test_commands_work_on_the_sqlite_file_once_migrated(invoke: Invoke, database_url: str) -> None:
    invoke("db", "upgrade")

    created = invoke("api-keys", "create", "--organization", "acme")
    listed = invoke("connections", "list", "--organization", "acme")

    assert created.exit_code == 0, created.output
    assert listed.exit_code == 0, listed.output
    assert "no connections" in listed.stderr


def test_a_bad_setting_is_one_line_naming_the_setting(
    invoke: Invoke, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CM_SYNC_INTERVAL", "soon")

    result = invoke("pushes", "list")

    assert result.exit_code == ExitCode.USAGE
    line = one_error_line(result)
    assert "CM_SYNC_INTERVAL" in line
    assert "soon" in line


def test_a_missing_vault_key_names_the_setting_and_how_to_make_one(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CM_DATABASE_URL", f"sqlite:///{tmp_path / 'cm.db'}")

    result = invoke("api-keys", "create", "--organization", "acme")

    assert result.exit_code == ExitCode.USAGE
    line = one_error_line(result)
    assert "CM_VAULT_KEYS" in line
    assert "channel-manager keys generate" in line


def test_an_invalid_vault_key_is_reported_without_echoing_it(
    invoke: Invoke, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CM_VAULT_KEYS", "k1:c2hvcnQta2V5LW1hdGVyaWFs")

    result = invoke("pushes", "list")

    assert result.exit_code == ExitCode.USAGE
    line = one_error_line(result)
    assert "CM_VAULT_KEYS" in line
    assert "c2hvcnQta2V5LW1hdGVyaWFs" not in result.output


def test_signin_link_prints_a_one_time_link_holding_no_api_key(
    invoke: Invoke, container: Container
) -> None:
    organization = container.inventory().ensure_organization("acme")

    result = invoke("signin-link", "--organization", "acme", "--minutes", "5")

    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    prefix = f"{container.settings().http.public_url}/signin/link?token=cms_"
    assert link.startswith(prefix), link
    assert "valid until" in result.stderr
    token = link.split("token=")[1]
    assert container.signin_links().redeem(token) == organization.id
    with pytest.raises(Unauthenticated):
        container.signin_links().redeem(token)


def test_signin_link_for_an_unknown_organisation_fails_in_one_line(
    invoke: Invoke, container: Container
) -> None:
    assert container.inventory().ensure_organization("acme")  # but not "nobody"

    result = invoke("signin-link", "--organization", "nobody")

    assert result.exit_code != 0
    assert "nobody" in one_error_line(result)
    assert result.stdout == ""
