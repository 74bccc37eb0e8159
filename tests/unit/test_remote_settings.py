"""Remote settings without services: broker and lease URLs, what a worker refuses, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import automation
from automation._errors import ConfigurationError
from automation._repair import _DIRTY_SUFFIX
from automation._settings import load_settings, shared_lease_url
from automation.cli import app
from automation.remote._config import load_remote_settings
from automation.remote._lease_pg import NEEDS_REPAIR_SUFFIX, database_label, lock_key
from automation.remote._worker import check_worker_settings

PG = "postgres://jockey:s3cret@db.internal:5433/state?sslmode=require"
runner = CliRunner()


def test_a_postgres_backend_holds_the_leases_too_without_pulumis_table_option() -> None:
    assert shared_lease_url(PG + "&table=pulumi_state", {}) == PG
    assert shared_lease_url("postgres://h/db?table=t", {}) == "postgres://h/db"
    assert shared_lease_url("s3://bucket/state", {}) is None
    assert shared_lease_url("file:///tmp/state", {}) is None


def test_jockey_lease_url_wins_and_local_forces_host_local_leases() -> None:
    assert shared_lease_url("s3://bucket/state", {"JOCKEY_LEASE_URL": PG}) == PG
    assert shared_lease_url(PG, {"JOCKEY_LEASE_URL": "local"}) is None
    with pytest.raises(ConfigurationError, match="not a PostgreSQL URL") as caught:
        shared_lease_url(PG, {"JOCKEY_LEASE_URL": "redis://u:pw@h/0"})
    assert "pw" not in str(caught.value)


def test_the_settings_carry_the_lease_url(tmp_path: Path) -> None:
    env = {"JOCKEY_HOME": str(tmp_path), "PULUMI_CONFIG_PASSPHRASE": "x"}
    assert load_settings(env).lease_url is None
    assert load_settings({**env, "PULUMI_BACKEND_URL": PG}).lease_url == PG


def test_a_worker_refuses_settings_it_cannot_share(tmp_path: Path) -> None:
    env = {"JOCKEY_HOME": str(tmp_path), "PULUMI_CONFIG_PASSPHRASE": "x"}
    with pytest.raises(ConfigurationError, match="this machine's folder"):
        check_worker_settings(load_settings(env))
    with pytest.raises(ConfigurationError, match="host-local") as caught:
        check_worker_settings(load_settings({**env, "PULUMI_BACKEND_URL": "s3://b/state"}))
    assert "JOCKEY_LEASE_URL" in caught.value.fix
    check_worker_settings(load_settings({**env, "PULUMI_BACKEND_URL": PG}))


def test_the_broker_comes_from_the_option_or_the_environment() -> None:
    with pytest.raises(ConfigurationError, match="no broker") as caught:
        load_remote_settings(None, {})
    assert "JOCKEY_BROKER_URL" in caught.value.fix
    settings = load_remote_settings(None, {"JOCKEY_BROKER_URL": "redis://h:6379/0"})
    assert (settings.queue, settings.visibility_timeout) == ("jockey", 3600)
    assert load_remote_settings("redis://other/1", {}).broker_url == "redis://other/1"
    with pytest.raises(ConfigurationError, match="Redis URL"):
        load_remote_settings("amqp://h", {})
    with pytest.raises(ConfigurationError, match="JOCKEY_VISIBILITY_TIMEOUT"):
        load_remote_settings("redis://h", {"JOCKEY_VISIBILITY_TIMEOUT": "0"})


def test_lease_keys_and_labels() -> None:
    assert lock_key("acme-dev") == lock_key("acme-dev") != lock_key("acme-prod")
    assert -(2**63) <= lock_key("acme-dev") < 2**63
    assert database_label(PG) == "db.internal:5433/state"
    assert NEEDS_REPAIR_SUFFIX == _DIRTY_SUFFIX, "the shared lease carries the repair marker"


def test_submit_is_public_and_needs_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOCKEY_BROKER_URL", raising=False)
    assert "submit" in automation.__all__
    with pytest.raises(ConfigurationError, match="no broker"):
        automation.remote.RemoteBatch()


def test_the_cli_offers_the_worker_and_a_broker_on_each_operation() -> None:
    worker = runner.invoke(app, ["worker", "--help"])
    assert worker.exit_code == 0 and "--concurrency" in worker.output
    for command in ("preview", "up", "destroy"):
        shown = runner.invoke(app, [command, "--help"])
        assert "--broker" in shown.output, command


def test_a_worker_without_a_broker_exits_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JOCKEY_BROKER_URL", raising=False)
    done = runner.invoke(app, ["worker"])
    assert done.exit_code == 1
    assert "JOCKEY_BROKER_URL" in done.output
