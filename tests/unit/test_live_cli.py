"""`jockey status` and `jockey logs` without a cluster: exit codes, text and JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from automation._errors import JockeyError
from automation._exit_codes import ExitCode
from automation.cli import app
from automation.live import Phase, TenantStatus
from automation.live._cli import describe, parse_duration
from automation.live._model import (
    KubernetesStatus,
    LastOperation,
    PodProblem,
    ReplicaCounts,
    RolloutState,
)
from infra.spec import DeploymentSpec

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "examples" / "acme.yaml"


def fake(phase: Phase) -> TenantStatus:
    return TenantStatus(
        tenant="acme",
        environment="dev",
        stack="acme-dev",
        phase=phase,
        kubernetes=KubernetesStatus(
            phase=phase,
            namespace="acme-dev",
            deployment="support-bot",
            image="img@sha256:1",
            replicas=ReplicaCounts(2, 1, 1, 2),
            restarts=4,
            rollout=RolloutState.COMPLETE,
            problems=(PodProblem("support-bot-x", "CrashLoopBackOff", "back-off"),),
        ),
        last_operation=LastOperation("update", "succeeded", "2026-01-01T00:00:00"),
    )


@pytest.mark.parametrize(
    ("phase", "code"),
    [
        (Phase.RUNNING, ExitCode.OK),
        (Phase.RENDERED, ExitCode.OK),
        (Phase.DEGRADED, ExitCode.UNHEALTHY),
        (Phase.FAILED, ExitCode.UNHEALTHY),
        (Phase.DEPLOYING, ExitCode.UNHEALTHY),
        (Phase.ABSENT, ExitCode.UNHEALTHY),
    ],
)
def test_status_exits_by_phase(
    phase: Phase, code: ExitCode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("automation.live._status.status", lambda spec: fake(phase))
    result = runner.invoke(app, ["status", str(SPEC), "--json"])
    assert result.exit_code == code, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert line["kind"] == "status" and line["phase"] == phase.value
    assert line["kubernetes"]["replicas"] == {
        "desired": 2,
        "ready": 1,
        "available": 1,
        "updated": 2,
    }
    assert line["kubernetes"]["notReady"][0]["reason"] == "CrashLoopBackOff"
    assert line["lastOperation"]["operation"] == "update"
    assert set(line) >= {"tenant", "environment", "stack", "lambda", "lastOperation"}


def test_status_exits_1_when_a_tenant_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(spec: DeploymentSpec) -> TenantStatus:
        raise JockeyError("the cluster at https://x did not answer", stack="acme-dev", fix="f")

    monkeypatch.setattr("automation.live._status.status", broken)
    result = runner.invoke(app, ["status", str(SPEC)])
    assert result.exit_code == ExitCode.FAILED
    assert "[acme-dev] the cluster at https://x did not answer" in result.stderr


def test_status_text_names_the_reasons() -> None:
    lines = describe(fake(Phase.DEGRADED))
    assert lines[0].startswith("acme-dev\tdegraded\tready 1/2\trollout complete\trestarts 4")
    assert "  not ready: support-bot-x: CrashLoopBackOff (back-off)" in lines
    assert lines[-1].startswith("  last operation: update succeeded")


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "10x", "-5m", "m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_duration(text)


def test_logs_refuses_a_bad_since() -> None:
    result = runner.invoke(app, ["logs", str(SPEC), "--since", "ten minutes"])
    assert result.exit_code == ExitCode.USAGE
    assert "not a duration" in result.output


def test_automation_status_is_the_live_status() -> None:
    import automation

    assert automation.status is automation.live.status
