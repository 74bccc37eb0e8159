"""A tenant's whole life on the real engine: up, idempotent up, edit, destroy."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

import automation
from automation import Operation, OperationResult
from infra.spec import load_spec_file
from tests.engine.engine_support import TenantFiles, jockey_cli, manifests


def kinds(folder: Path) -> set[str]:
    return {yaml.safe_load(path.read_text())["kind"] for path in manifests(folder)}


def test_tenant_lifecycle(tenant_files: TenantFiles) -> None:
    spec_path = tenant_files.write("acme")
    spec = load_spec_file(spec_path)
    out = tenant_files.out / "acme"

    created = automation.up(spec)
    assert created.ok, created.error
    assert created.operation is Operation.UP
    assert created.changes.create > 0
    assert created.changes.update == created.changes.delete == 0
    assert {
        "Namespace",
        "ServiceAccount",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
    } <= kinds(out)

    again = automation.up(spec)
    assert again.ok, again.error
    assert again.changes.total_changes == 0
    assert again.changes.same == created.changes.create + created.changes.same

    edited = load_spec_file(tenant_files.write("acme", replicas=2))
    planned = automation.preview(edited)
    assert planned.ok, planned.error
    assert planned.changes.update == 1
    assert planned.changes.create == planned.changes.delete == planned.changes.replace == 0
    (change,) = planned.resources
    assert change.type == "kubernetes:apps/v1:Deployment"

    status = automation.status("acme", "dev")
    assert status.exists and status.resource_count and status.resource_count > 0
    assert status.last_operation == "update" and status.last_result == "succeeded"
    assert [s.stack for s in automation.list_stacks()] == ["acme-dev"]
    outputs = automation.outputs("acme", "dev")
    assert outputs["namespace"] == "acme-dev"

    gone = automation.destroy(spec)
    assert gone.ok, gone.error
    assert gone.changes.delete == created.changes.create
    assert manifests(out) == []
    after = automation.status("acme", "dev")
    assert after.exists and after.resource_count == 0


def test_a_bad_spec_changes_nothing(tenant_files: TenantFiles) -> None:
    good = tenant_files.write("acme")
    assert automation.up(load_spec_file(good)).ok
    before = {path: path.read_bytes() for path in manifests(tenant_files.out / "acme")}
    bad = tenant_files.write("acme", replicas=-3)
    done = subprocess.run([*jockey_cli(), "up", str(bad), "--yes"], capture_output=True, text=True)
    assert done.returncode == 3
    assert "kubernetes.replicas" in done.stderr
    after = {path: path.read_bytes() for path in manifests(tenant_files.out / "acme")}
    assert after == before
    assert automation.status("acme", "dev").last_operation == "update"


def test_cli_json_equals_library_results(tenant_files: TenantFiles) -> None:
    spec_path = tenant_files.write("acme")
    spec = load_spec_file(spec_path)
    assert automation.up(spec).ok
    library: OperationResult = automation.preview(spec)
    done = subprocess.run(
        [*jockey_cli(), "preview", str(spec_path), "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.strip().splitlines()
    printed = json.loads(line)
    expected = library.to_json()
    assert printed.pop("durationSeconds") > 0
    expected.pop("durationSeconds")
    assert printed == expected
    assert set(printed) >= {
        "tenant",
        "environment",
        "stack",
        "operation",
        "ok",
        "changes",
        "outputs",
        "error",
    }


def test_missing_stack_is_a_typed_error(tenant_files: TenantFiles) -> None:
    with pytest.raises(automation.StackNotFoundError) as caught:
        automation.outputs("nobody", "dev")
    assert caught.value.stack == "nobody-dev"
    assert "jockey list" in caught.value.fix


def test_render_writes_manifests_without_touching_the_tenant_stack(
    tenant_files: TenantFiles, tmp_path: Path
) -> None:
    spec_path = tenant_files.write("acme")
    out = tmp_path / "rendered"
    done = subprocess.run(
        [*jockey_cli(), "render", str(spec_path), "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Deployment" in kinds(out) and "NetworkPolicy" in kinds(out)
    assert sorted(done.stdout.split()) == sorted(str(path) for path in manifests(out))
    assert not automation.status("acme", "dev").exists, "the tenant's stack was not created"
    assert manifests(tenant_files.out / "acme") == [], "the spec's own renderDir is untouched"


def test_a_stack_removed_behind_jockeys_back_is_made_again_by_the_next_up(
    tenant_files: TenantFiles, tmp_path: Path
) -> None:
    from automation._settings import load_settings
    from automation._toolchain import find_toolchain

    spec = load_spec_file(tenant_files.write("zeta"))
    assert automation.up(spec).ok
    toolchain = find_toolchain()
    settings = load_settings()
    outside = tmp_path / "outside"  # someone else's checkout, on the same backend
    outside.mkdir()
    (outside / "Pulumi.yaml").write_text("name: jockey\nruntime: python\n")
    removed = subprocess.run(
        [str(toolchain.pulumi), "stack", "rm", "--force", "--yes", "--stack", "zeta-dev"],
        cwd=outside,
        env=toolchain.env({**os.environ, "PULUMI_BACKEND_URL": settings.backend_url}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert removed.returncode == 0, removed.stderr
    assert automation.list_stacks() == []

    again = automation.up(spec)
    assert again.ok, again.error
    assert again.changes.create > 0, "the stack was made again and the tenant deployed into it"
    assert [s.stack for s in automation.list_stacks()] == ["zeta-dev"]
