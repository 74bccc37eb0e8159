"""Rollback of a failed rollout: the last good configuration, the switch, the guard's choices."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pulumi.automation as auto
import pytest
from pulumi.automation._cmd import CommandResult

from automation._events import EventKind, OperationEvent
from automation._request import OperationRequest
from automation._results import Operation
from automation._settings import Settings
from automation.live import Phase
from automation.live._model import KubernetesStatus, PodProblem, ReplicaCounts, RolloutState
from automation.live._rollback import (
    RolloutGuard,
    last_good_path,
    not_ready_reason,
    recall,
    remember,
    rollback_enabled,
)
from automation.live._switch import ROLLBACK_VARIABLE, with_rollback
from infra.spec import DeploymentSpec

IMAGE = "ghcr.io/jockey-dev/echo-agent@sha256:" + "ab" * 32
CANARY = "canary-value-never-stored"


def make_spec(tmp_path: Path, image: str = IMAGE, **cluster: Any) -> DeploymentSpec:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n")
    return DeploymentSpec.model_validate(
        {
            "tenant": {"id": "acme", "organization": "acme-corp", "environment": "dev"},
            "agent": {
                "name": "support-bot",
                "version": "1.4.2",
                "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "ACME_OPENAI_API_KEY"}},
                "image": {"ref": image},
            },
            "kubernetes": {
                "enabled": True,
                "replicas": 1,
                "cluster": cluster or {"kubeconfig": str(kubeconfig)},
            },
        }
    )


def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "home", "file:///nowhere", "passphrase", "test", tmp_path / "logs")


def stuck(reason: str = "CrashLoopBackOff") -> KubernetesStatus:
    return KubernetesStatus(
        phase=Phase.FAILED,
        namespace="acme-dev",
        deployment="support-bot",
        image="bad",
        replicas=ReplicaCounts(desired=1, ready=1, available=1, updated=1),
        restarts=3,
        rollout=RolloutState.PROGRESSING,
        problems=(PodProblem("support-bot-x", reason, "back-off 10s"),),
    )


class FakeStack:
    def __init__(self, fail: bool = False) -> None:
        self.ups: list[dict[str, Any]] = []
        self.fail = fail

    def up(self, **options: Any) -> None:
        self.ups.append(options)
        if self.fail:
            raise auto.CommandError(CommandResult("", "error: still broken", 1))


def failing_engine() -> dict[str, Any]:
    raise auto.CommandError(CommandResult("", "error: timed out waiting for the rollout", 1))


def request(spec: DeploymentSpec, operation: Operation = Operation.UP) -> OperationRequest:
    return OperationRequest(operation, spec.tenant.id, spec.tenant.environment.value, spec)


def guard_for(
    tmp_path: Path, spec: DeploymentSpec, live: KubernetesStatus
) -> tuple[RolloutGuard, list[OperationEvent]]:
    events: list[OperationEvent] = []
    guard = RolloutGuard(
        request(spec), settings(tmp_path), events.append, read_kubernetes=lambda _: live
    )
    return guard, events


def phases(events: list[OperationEvent]) -> list[str | None]:
    return [event.phase for event in events if event.kind is EventKind.PHASE]


def test_the_last_good_spec_round_trips_without_secret_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_OPENAI_API_KEY", CANARY)
    spec = make_spec(tmp_path)
    path = remember(settings(tmp_path), spec, {"image": IMAGE})
    assert path == last_good_path(settings(tmp_path), "acme-dev")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert CANARY not in path.read_text()
    assert json.loads(path.read_text())["agent"]["secretEnv"] == {
        "OPENAI_API_KEY": {"fromEnv": "ACME_OPENAI_API_KEY"}
    }
    assert recall(settings(tmp_path), "acme-dev") == spec


def test_nothing_recalled_before_a_first_success_or_from_a_broken_file(tmp_path: Path) -> None:
    assert recall(settings(tmp_path), "acme-dev") is None
    path = last_good_path(settings(tmp_path), "acme-dev")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert recall(settings(tmp_path), "acme-dev") is None


def test_the_switch_travels_in_the_workers_environment(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    off = with_rollback(request(spec), False)
    assert dict(off.env_overrides)[ROLLBACK_VARIABLE] == "off"
    assert dict(with_rollback(request(spec), True).env_overrides)[ROLLBACK_VARIABLE] == "on"
    assert with_rollback(request(spec, Operation.PREVIEW), False).env_overrides == ()
    assert rollback_enabled({}) and rollback_enabled({ROLLBACK_VARIABLE: "on"})
    assert not rollback_enabled({ROLLBACK_VARIABLE: "off"})


def test_a_success_is_remembered_and_reported_running(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    guard, events = guard_for(tmp_path, spec, stuck())
    assert guard.run(FakeStack(), lambda: {"image": IMAGE}) == {"image": IMAGE}  # type: ignore[arg-type]
    assert recall(settings(tmp_path), "acme-dev") == spec
    assert phases(events) == ["running"]


def test_a_failed_rollout_rolls_back_to_the_last_good_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_OPENAI_API_KEY", CANARY)
    monkeypatch.delenv(ROLLBACK_VARIABLE, raising=False)
    good = make_spec(tmp_path)
    remember(settings(tmp_path), good, {})
    bad = make_spec(tmp_path, image="ghcr.io/jockey-dev/echo-agent@sha256:" + "cd" * 32)
    guard, events = guard_for(tmp_path, bad, stuck())
    stack = FakeStack()
    with pytest.raises(auto.CommandError):
        guard.run(stack, failing_engine)  # type: ignore[arg-type]
    assert guard.rolled_back
    assert len(stack.ups) == 1 and stack.ups[0]["show_secrets"] is False
    assert phases(events) == ["failed", "rolling-back", "rolled-back"]
    error = guard.explain("the engine's summary")
    assert error is not None
    first = error.splitlines()[0]
    assert first.startswith("rollout failed: support-bot: 1/1 ready")
    assert "support-bot-x: CrashLoopBackOff (back-off 10s)" in first
    assert first.endswith("rolled back to the last good configuration")


def test_a_first_deployment_has_nothing_to_roll_back_to(tmp_path: Path) -> None:
    guard, events = guard_for(tmp_path, make_spec(tmp_path), stuck())
    stack = FakeStack()
    with pytest.raises(auto.CommandError):
        guard.run(stack, failing_engine)  # type: ignore[arg-type]
    assert not guard.rolled_back and stack.ups == []
    assert phases(events) == ["failed"]
    assert "first deployment: nothing to roll back to" in (events[-1].message or "")
    assert "CrashLoopBackOff" in (guard.explain("x") or "")


def test_no_rollback_leaves_the_failed_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ROLLBACK_VARIABLE, "off")
    spec = make_spec(tmp_path)
    remember(settings(tmp_path), spec, {})
    guard, events = guard_for(tmp_path, spec, stuck())
    stack = FakeStack()
    with pytest.raises(auto.CommandError):
        guard.run(stack, failing_engine)  # type: ignore[arg-type]
    assert stack.ups == [] and not guard.rolled_back
    assert "--no-rollback" in (events[-1].message or "")


def test_a_failure_elsewhere_with_a_running_deployment_is_not_rolled_back(
    tmp_path: Path,
) -> None:
    spec = make_spec(tmp_path)
    remember(settings(tmp_path), spec, {})
    running = KubernetesStatus(phase=Phase.RUNNING, namespace="acme-dev", deployment="support-bot")
    guard, _ = guard_for(tmp_path, spec, running)
    stack = FakeStack()
    with pytest.raises(auto.CommandError):
        guard.run(stack, failing_engine)  # type: ignore[arg-type]
    assert stack.ups == [] and guard.reason is None
    assert guard.explain("engine error") == "engine error"


def test_a_failed_rollback_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_OPENAI_API_KEY", CANARY)
    monkeypatch.delenv(ROLLBACK_VARIABLE, raising=False)
    spec = make_spec(tmp_path)
    remember(settings(tmp_path), spec, {})
    guard, events = guard_for(tmp_path, spec, stuck())
    with pytest.raises(auto.CommandError):
        guard.run(FakeStack(fail=True), failing_engine)  # type: ignore[arg-type]
    assert not guard.rolled_back
    assert phases(events) == ["failed", "rolling-back", "failed"]
    assert "the rollback failed too" in (guard.explain("x") or "")


def test_render_mode_and_other_operations_are_not_guarded(tmp_path: Path) -> None:
    rendered = make_spec(tmp_path, renderDir=str(tmp_path / "out"))
    guard, events = guard_for(tmp_path, rendered, stuck())
    with pytest.raises(auto.CommandError):
        guard.run(FakeStack(), failing_engine)  # type: ignore[arg-type]
    assert guard.reason is None and phases(events) == ["failed"]
    preview = RolloutGuard(
        request(make_spec(tmp_path), Operation.PREVIEW), settings(tmp_path), print
    )
    assert preview.run(FakeStack(), dict) == {}  # type: ignore[arg-type]
    assert recall(settings(tmp_path), "acme-dev") is None


def test_the_reason_names_counts_and_pods() -> None:
    reason = not_ready_reason(stuck("ImagePullBackOff"))
    assert reason.startswith("support-bot: 1/1 ready, 1 updated, rollout progressing")
    assert "ImagePullBackOff" in reason
