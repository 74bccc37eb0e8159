"""Rollback of a failed rollout: the last good configuration, the switch, the guard's choices."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pulumi.automation as auto
import pytest
from pulumi.automation._cmd import CommandResult

from automation._deploy_record import RECORD_TAG, DeployRecord, encode_last_good
from automation._events import EventKind, OperationEvent
from automation._request import OperationRequest
from automation._results import Operation
from automation.live import Phase
from automation.live._model import KubernetesStatus, PodProblem, ReplicaCounts, RolloutState
from automation.live._rollback import RolloutGuard, not_ready_reason, recall, rollback_enabled
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


class FakeWorkspace:
    """The stack tags a backend keeps (one document per stack, as the engine stores them)."""

    def __init__(self) -> None:
        self.tags: dict[str, dict[str, str]] = {}

    def set_tag(self, stack: str, key: str, value: str) -> None:
        self.tags.setdefault(stack, {})[key] = value

    def list_tags(self, stack: str) -> dict[str, str]:
        return dict(self.tags.get(stack, {}))


class FakeStack:
    """A tenant stack: its `up`s recorded, its tags in a backend machines share."""

    def __init__(self, fail: bool = False, workspace: FakeWorkspace | None = None) -> None:
        self.name = "acme-dev"
        self.workspace = workspace or FakeWorkspace()
        self.ups: list[dict[str, Any]] = []
        self.fail = fail

    def up(self, **options: Any) -> None:
        self.ups.append(options)
        if self.fail:
            raise auto.CommandError(CommandResult("", "error: still broken", 1))


def remember(stack: FakeStack, spec: DeploymentSpec, outputs: dict[str, Any]) -> None:
    """What the fleet's bookkeeping records after a successful `up` of a cluster tenant."""
    record = DeployRecord("v1:fingerprint", encode_last_good(spec, outputs))
    stack.workspace.set_tag(stack.name, RECORD_TAG, record.encode() or "")


def failing_engine() -> dict[str, Any]:
    raise auto.CommandError(CommandResult("", "error: timed out waiting for the rollout", 1))


def request(spec: DeploymentSpec, operation: Operation = Operation.UP) -> OperationRequest:
    return OperationRequest(operation, spec.tenant.id, spec.tenant.environment.value, spec)


def guard_for(
    spec: DeploymentSpec, live: KubernetesStatus
) -> tuple[RolloutGuard, list[OperationEvent]]:
    events: list[OperationEvent] = []
    guard = RolloutGuard(request(spec), events.append, read_kubernetes=lambda _: live)
    return guard, events


def phases(events: list[OperationEvent]) -> list[str | None]:
    return [event.phase for event in events if event.kind is EventKind.PHASE]


def test_the_last_good_spec_lives_in_the_backend_without_secret_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_OPENAI_API_KEY", CANARY)
    spec = make_spec(tmp_path)
    machine_a = FakeStack()
    remember(machine_a, spec, {"image": IMAGE})
    value = DeployRecord.decode(machine_a.workspace.tags["acme-dev"][RECORD_TAG]).last_good
    assert value is not None
    stored = json.loads(gzip.decompress(base64.urlsafe_b64decode(value.removeprefix("v1:"))))
    assert CANARY not in json.dumps(stored)
    assert stored["agent"]["secretEnv"] == {"OPENAI_API_KEY": {"fromEnv": "ACME_OPENAI_API_KEY"}}
    machine_b = FakeStack(workspace=machine_a.workspace)  # another worker, the same backend
    assert recall(machine_b) == spec  # type: ignore[arg-type]


def test_nothing_recalled_before_a_first_success_or_from_a_broken_record() -> None:
    stack = FakeStack()
    assert recall(stack) is None  # type: ignore[arg-type]
    not_gzip = "v1:" + base64.urlsafe_b64encode(b"x").decode()
    for broken in ("v1:fp", "- v1:not-base64!", "v1:fp v9:whatever", f"- {not_gzip}"):
        stack.workspace.set_tag("acme-dev", RECORD_TAG, broken)
        assert recall(stack) is None  # type: ignore[arg-type]


def test_the_switch_travels_in_the_workers_environment(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    off = with_rollback(request(spec), False)
    assert dict(off.env_overrides)[ROLLBACK_VARIABLE] == "off"
    assert dict(with_rollback(request(spec), True).env_overrides)[ROLLBACK_VARIABLE] == "on"
    assert with_rollback(request(spec, Operation.PREVIEW), False).env_overrides == ()
    assert rollback_enabled({}) and rollback_enabled({ROLLBACK_VARIABLE: "on"})
    assert not rollback_enabled({ROLLBACK_VARIABLE: "off"})


def test_a_success_is_reported_running(tmp_path: Path) -> None:
    spec = make_spec(tmp_path)
    guard, events = guard_for(spec, stuck())
    outputs = guard.run(FakeStack(), lambda: {"image": IMAGE})  # type: ignore[arg-type]
    assert outputs == {"image": IMAGE}
    assert phases(events) == ["running"]


def test_a_failed_rollout_rolls_back_to_the_last_good_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_OPENAI_API_KEY", CANARY)
    monkeypatch.delenv(ROLLBACK_VARIABLE, raising=False)
    good = make_spec(tmp_path)
    stack = FakeStack()
    remember(stack, good, {})
    bad = make_spec(tmp_path, image="ghcr.io/jockey-dev/echo-agent@sha256:" + "cd" * 32)
    guard, events = guard_for(bad, stuck())
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
    guard, events = guard_for(make_spec(tmp_path), stuck())
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
    stack = FakeStack()
    remember(stack, spec, {})
    guard, events = guard_for(spec, stuck())
    with pytest.raises(auto.CommandError):
        guard.run(stack, failing_engine)  # type: ignore[arg-type]
    assert stack.ups == [] and not guard.rolled_back
    assert "--no-rollback" in (events[-1].message or "")


def test_a_failure_elsewhere_with_a_running_deployment_is_not_rolled_back(
    tmp_path: Path,
) -> None:
    spec = make_spec(tmp_path)
    stack = FakeStack()
    remember(stack, spec, {})
    running = KubernetesStatus(phase=Phase.RUNNING, namespace="acme-dev", deployment="support-bot")
    guard, _ = guard_for(spec, running)
    with pytest.raises(auto.CommandError):
        guard.run(stack, failing_engine)  # type: ignore[arg-type]
    assert stack.ups == [] and guard.reason is None
    assert guard.explain("engine error") == "engine error"


def test_a_failed_rollback_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_OPENAI_API_KEY", CANARY)
    monkeypatch.delenv(ROLLBACK_VARIABLE, raising=False)
    spec = make_spec(tmp_path)
    stack = FakeStack(fail=True)
    remember(stack, spec, {})
    guard, events = guard_for(spec, stuck())
    with pytest.raises(auto.CommandError):
        guard.run(stack, failing_engine)  # type: ignore[arg-type]
    assert not guard.rolled_back
    assert phases(events) == ["failed", "rolling-back", "failed"]
    assert "the rollback failed too" in (guard.explain("x") or "")


def test_render_mode_and_other_operations_are_not_guarded(tmp_path: Path) -> None:
    rendered = make_spec(tmp_path, renderDir=str(tmp_path / "out"))
    guard, events = guard_for(rendered, stuck())
    with pytest.raises(auto.CommandError):
        guard.run(FakeStack(), failing_engine)  # type: ignore[arg-type]
    assert guard.reason is None and phases(events) == ["failed"]
    preview = RolloutGuard(request(make_spec(tmp_path), Operation.PREVIEW), print)
    assert preview.run(FakeStack(), dict) == {}  # type: ignore[arg-type]


def test_the_reason_names_counts_and_pods() -> None:
    reason = not_ready_reason(stuck("ImagePullBackOff"))
    assert reason.startswith("support-bot: 1/1 ready, 1 updated, rollout progressing")
    assert "ImagePullBackOff" in reason
