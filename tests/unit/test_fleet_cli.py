"""`jockey sync` and `jockey drift` through CliRunner, the backend faked where it would be read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from automation._exit_codes import ExitCode
from automation.cli import app
from automation.fleet import DriftResult, DriftState, FleetPlan, SyncPlan, TenantPlan
from tests.engine.engine_support import TenantFiles

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> TenantFiles:
    spec_dir = tmp_path / "tenants"
    spec_dir.mkdir()
    return TenantFiles(home=tmp_path / "home", out=spec_dir / "out", spec_dir=spec_dir)


def _fake_plan(monkeypatch: pytest.MonkeyPatch, *tenants: TenantPlan) -> None:
    def plan_sync(*_: object, **__: object) -> FleetPlan:
        return FleetPlan(tenants)

    monkeypatch.setattr("automation.fleet._sync.plan_sync", plan_sync)


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_pruning_a_production_orphan_is_refused_before_anything_runs(
    files: TenantFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.write("acme")
    _fake_plan(monkeypatch, TenantPlan("old-prod", "old", "prod", SyncPlan.ORPHAN, "no spec"))

    def must_not_run(*_: object, **__: object) -> None:
        raise AssertionError("the sync ran")

    monkeypatch.setattr("automation.fleet._sync.run_sync", must_not_run)
    result = runner.invoke(app, ["sync", str(files.spec_dir), "--prune", "--yes"])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "old-prod" in result.output and "--allow-prod" in result.output


def test_a_sync_that_would_change_tenants_asks_first(
    files: TenantFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.write("acme")
    _fake_plan(monkeypatch, TenantPlan("acme-dev", "acme", "dev", SyncPlan.UPDATE, "changed"))
    result = runner.invoke(app, ["sync", str(files.spec_dir)])
    assert result.exit_code == ExitCode.USAGE
    assert "pass --yes" in result.output


def test_an_unchanged_fleet_runs_nothing_and_says_so_in_json(
    files: TenantFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.write("acme")
    _fake_plan(
        monkeypatch,
        TenantPlan("acme-dev", "acme", "dev", SyncPlan.UNCHANGED, "same"),
        TenantPlan("old-dev", "old", "dev", SyncPlan.ORPHAN, "no spec"),
    )
    result = runner.invoke(app, ["sync", str(files.spec_dir), "--json"])
    assert result.exit_code == 0, result.output
    lines = _json_lines(result.stdout)
    assert [line["kind"] for line in lines] == ["result", "result", "summary"]
    assert {line["stack"]: line["plan"] for line in lines[:2]} == {
        "acme-dev": "unchanged",
        "old-dev": "orphan",
    }
    summary = lines[-1]
    assert {k: summary[k] for k in ("create", "update", "unchanged", "orphan", "pruned")} == {
        "create": 0,
        "update": 0,
        "unchanged": 1,
        "orphan": 1,
        "pruned": 0,
    }
    assert summary["failed"] == 0


def test_render_mode_tenants_are_not_applicable_and_do_not_fail(files: TenantFiles) -> None:
    files.write("acme")
    result = runner.invoke(app, ["drift", str(files.spec_dir), "--json"])
    assert result.exit_code == 0, result.output
    lines = _json_lines(result.stdout)
    assert lines[0]["drift"] == "not-applicable" and lines[0]["ok"]
    assert lines[-1] == {
        "kind": "summary",
        "none": 0,
        "drifted": 0,
        "not-applicable": 1,
        "not-deployed": 0,
        "failed": 0,
        "remediated": 0,
    }


@pytest.mark.parametrize(
    ("state", "code"),
    [(DriftState.NONE, 0), (DriftState.DRIFTED, 5), (DriftState.FAILED, 1)],
)
def test_drift_exits_0_5_or_1(
    files: TenantFiles, monkeypatch: pytest.MonkeyPatch, state: DriftState, code: int
) -> None:
    files.write("acme")

    def drift_many(specs: list[Any], **options: Any) -> list[DriftResult]:
        results = [DriftResult("acme", "dev", "acme-dev", state, reason="r") for _ in specs]
        for result in results:
            options["on_result"](result)
        return results

    monkeypatch.setattr("automation.fleet._drift.drift_many", drift_many)
    report = files.spec_dir / "drift.md"
    result = runner.invoke(app, ["drift", str(files.spec_dir), "--markdown", str(report)])
    assert result.exit_code == code, result.output
    assert f"acme-dev: {state.value}" in result.output
    assert report.read_text().startswith("<!-- jockey-drift -->")


@pytest.mark.parametrize("command", ["sync", "drift"])
def test_a_broker_that_is_not_redis_stops_the_fleet_command_before_it_plans(
    command: str, files: TenantFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.write("acme")

    def must_not_plan(*_: object, **__: object) -> None:
        raise AssertionError("the fleet command read the backend")

    monkeypatch.setattr("automation.fleet._sync.plan_sync", must_not_plan)
    monkeypatch.setattr("automation.fleet._drift.drift_many", must_not_plan)
    result = runner.invoke(app, [command, str(files.spec_dir), "--broker", "amqp://q:5672"])
    assert result.exit_code == ExitCode.FAILED, result.output  # as `jockey up --broker` does
    assert "must be a Redis URL" in result.output and "JOCKEY_BROKER_URL" in result.output
