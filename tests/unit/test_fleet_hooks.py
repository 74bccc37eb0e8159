"""What the fleet adds inside a worker: refresh before `up`, and the fingerprint tag.

Refresh is for cluster tenants only; the tag is forgotten before a change and recorded after
a successful `up`.
"""

from __future__ import annotations

import os
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from automation._deploy_record import DeployRecord, decode_last_good
from automation._request import OperationRequest
from automation._results import Operation
from automation.fleet._fingerprint import FINGERPRINT_TAG, current_versions, matches
from automation.fleet._fingerprint import fingerprint_material as material_of
from automation.fleet._hooks import Deployed, fleet_bookkeeping, refreshes_first
from infra.spec import DeploymentSpec, load_spec_file
from tests.engine.engine_support import TenantFiles


@dataclass
class FakeWorkspace:
    tags: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def set_tag(self, _stack: str, key: str, value: str) -> None:
        self.calls.append(f"set {key}")
        self.tags[key] = value

    def remove_tag(self, _stack: str, key: str) -> None:
        self.calls.append(f"remove {key}")
        self.tags.pop(key, None)

    def list_tags(self, _stack: str) -> dict[str, str]:
        return dict(self.tags)


@dataclass
class FakeStack:
    name: str = "acme-dev"
    workspace: FakeWorkspace = field(default_factory=FakeWorkspace)


@pytest.fixture
def files(tmp_path: Path) -> TenantFiles:
    spec_dir = tmp_path / "tenants"
    spec_dir.mkdir()
    return TenantFiles(home=tmp_path / "home", out=spec_dir / "out", spec_dir=spec_dir)


@pytest.fixture
def rendered(files: TenantFiles) -> DeploymentSpec:
    return load_spec_file(files.write("acme"))


@pytest.fixture
def on_cluster(files: TenantFiles) -> DeploymentSpec:
    return load_spec_file(files.write("acme", cluster={"context": "kind-test"}))


def _request(
    operation: Operation, spec: DeploymentSpec | None, **options: object
) -> OperationRequest:
    return OperationRequest(operation, "acme", "dev", spec, **options)  # type: ignore[arg-type]


def test_up_of_a_cluster_tenant_refreshes_by_default(on_cluster: DeploymentSpec) -> None:
    assert refreshes_first(_request(Operation.UP, on_cluster))
    assert not refreshes_first(_request(Operation.UP, on_cluster, refresh=False))


def test_a_preview_refreshes_only_when_asked(on_cluster: DeploymentSpec) -> None:
    assert not refreshes_first(_request(Operation.PREVIEW, on_cluster))
    assert refreshes_first(_request(Operation.PREVIEW, on_cluster, refresh=True))


def test_render_mode_never_refreshes(rendered: DeploymentSpec) -> None:
    assert not refreshes_first(_request(Operation.UP, rendered))
    assert not refreshes_first(_request(Operation.PREVIEW, rendered, refresh=True))
    assert not refreshes_first(_request(Operation.PREVIEW, None, refresh=True))


def _bookkeeping(
    stack: FakeStack, request: OperationRequest, work_dir: Path, secrets: dict[str, str]
) -> AbstractContextManager[Deployed]:
    return fleet_bookkeeping(stack, request, secrets, "3.274.1", work_dir)  # type: ignore[arg-type]


@pytest.mark.parametrize("operation", [Operation.UP, Operation.DESTROY])
def test_a_failed_change_leaves_no_fingerprint(
    rendered: DeploymentSpec, operation: Operation, tmp_path: Path
) -> None:
    stack = FakeStack()
    stack.workspace.tags[FINGERPRINT_TAG] = "v1:old"
    with (
        pytest.raises(RuntimeError, match="engine failed"),
        _bookkeeping(stack, _request(operation, rendered), tmp_path, {}),
    ):
        raise RuntimeError("engine failed")
    assert stack.workspace.tags == {}


@pytest.mark.parametrize("operation", [Operation.PREVIEW, Operation.REFRESH])
def test_a_preview_or_refresh_keeps_it(
    rendered: DeploymentSpec, operation: Operation, tmp_path: Path
) -> None:
    stack = FakeStack()
    with _bookkeeping(stack, _request(operation, rendered), tmp_path, {}):
        pass
    assert stack.workspace.calls == []


def test_a_successful_up_records_the_fingerprint_of_what_it_deployed(
    rendered: DeploymentSpec, tmp_path: Path
) -> None:
    stack = FakeStack()
    stack.workspace.tags[FINGERPRINT_TAG] = "v1:old"
    secrets = {"OPENAI_API_KEY": "sk-test-value"}
    with _bookkeeping(stack, _request(Operation.UP, rendered), tmp_path, secrets):
        pass
    assert stack.workspace.calls == [f"remove {FINGERPRINT_TAG}", f"set {FINGERPRINT_TAG}"]
    recorded = stack.workspace.tags[FINGERPRINT_TAG]
    assert "sk-test-value" not in recorded
    versions = current_versions("3.274.1")
    assert matches(recorded, material_of(rendered, secrets, versions, os.environ))


def test_the_removal_overlaps_the_engine_and_ends_before_the_record(
    rendered: DeploymentSpec, tmp_path: Path
) -> None:
    stack = FakeStack()
    stack.workspace.tags[FINGERPRINT_TAG] = "v1:old"
    removing = threading.Event()
    release = threading.Event()
    original = stack.workspace.remove_tag

    def slow_remove(name: str, key: str) -> None:
        removing.set()
        release.wait(5)
        original(name, key)

    stack.workspace.remove_tag = slow_remove  # type: ignore[method-assign,assignment]
    with _bookkeeping(stack, _request(Operation.UP, rendered), tmp_path, {}):
        assert removing.wait(5), "the removal did not start while the engine ran"
        release.set()
    assert stack.workspace.calls == [f"remove {FINGERPRINT_TAG}", f"set {FINGERPRINT_TAG}"]


def test_a_pruning_destroy_forgets_the_stacks_work_directory(tmp_path: Path) -> None:
    work_dir = tmp_path / "stacks" / "old-dev"
    work_dir.mkdir(parents=True)
    (work_dir / "Pulumi.old-dev.yaml").write_text("encryptionsalt: x\n")
    request = OperationRequest(Operation.DESTROY, "old", "dev", None, remove_stack=True)
    with _bookkeeping(FakeStack("old-dev"), request, work_dir, {}):
        pass
    assert not work_dir.exists()


def test_a_plain_destroy_keeps_it(tmp_path: Path) -> None:
    work_dir = tmp_path / "stacks" / "old-dev"
    work_dir.mkdir(parents=True)
    request = OperationRequest(Operation.DESTROY, "old", "dev", None)
    with _bookkeeping(FakeStack("old-dev"), request, work_dir, {}):
        pass
    assert work_dir.exists()


def test_a_cluster_tenants_record_keeps_its_last_good_spec_through_a_failed_up(
    on_cluster: DeploymentSpec, tmp_path: Path
) -> None:
    stack = FakeStack()
    digest = "ghcr.io/jockey-dev/echo-agent@sha256:" + "ab" * 32
    with _bookkeeping(stack, _request(Operation.UP, on_cluster), tmp_path, {}) as deployed:
        deployed.outputs = {"image": digest}
    assert stack.workspace.calls == [f"set {FINGERPRINT_TAG}"], "one write; nothing to forget"
    record = DeployRecord.decode(stack.workspace.tags[FINGERPRINT_TAG])
    assert record.fingerprint and record.last_good
    assert decode_last_good(record.last_good) == on_cluster

    with (
        pytest.raises(RuntimeError, match="rollout failed"),
        _bookkeeping(stack, _request(Operation.UP, on_cluster), tmp_path, {}),
    ):
        raise RuntimeError("rollout failed")
    kept = DeployRecord.decode(stack.workspace.tags[FINGERPRINT_TAG])
    assert kept == DeployRecord(None, record.last_good), "no fingerprint; the rollback target"

    with _bookkeeping(stack, _request(Operation.DESTROY, None), tmp_path, {}):
        pass
    assert FINGERPRINT_TAG not in stack.workspace.tags, "nothing deployed, nothing to go back to"


def test_a_rendered_tenant_records_only_its_fingerprint(
    rendered: DeploymentSpec, tmp_path: Path
) -> None:
    stack = FakeStack()
    with _bookkeeping(stack, _request(Operation.UP, rendered), tmp_path, {}):
        pass
    assert DeployRecord.decode(stack.workspace.tags[FINGERPRINT_TAG]).last_good is None
