"""Drift against a live API server (the local control plane).

Out-of-band changes to a Deployment's replicas, a ConfigMap's data and a deleted
NetworkPolicy are each reported with what changed; the check leaves the state alone;
`--remediate` puts them back; `up` refreshes first so a deleted policy comes back.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

import automation
from automation.fleet import DriftState
from infra.spec import DeploymentSpec, load_spec_file
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import TenantFiles, jockey_cli

DEPLOYMENT = "support-bot"
CONFIG_MAP = "support-bot-env"
EGRESS_POLICY = "support-bot-allow-egress"


@pytest.fixture
def on_cluster(
    tenant_files: TenantFiles, live_cluster: LiveCluster, monkeypatch: pytest.MonkeyPatch
) -> TenantFiles:
    """Tenant specs for the live cluster: its kubeconfig is the operator's (KUBECONFIG)."""
    monkeypatch.setenv("KUBECONFIG", str(live_cluster.kubeconfig))
    return tenant_files


def write_cluster_spec(files: TenantFiles, tenant: str, cluster: LiveCluster) -> Path:
    return files.write(tenant, cluster={"kubeconfig": str(cluster.kubeconfig)})


def drift_cli(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    done = subprocess.run(
        [*jockey_cli(), "drift", *args, "--json"], capture_output=True, text=True, timeout=600
    )
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def state_digest(files: TenantFiles, stack: str) -> str:
    state = files.home / "state" / ".pulumi" / "stacks" / "jockey" / f"{stack}.json"
    return hashlib.sha256(state.read_bytes()).hexdigest()


def tamper(cluster: LiveCluster, namespace: str) -> None:
    """The three out-of-band changes: scale, edit the config, delete the egress policy."""
    cluster.run_kubectl("-n", namespace, "scale", f"deployment/{DEPLOYMENT}", "--replicas=3")
    patch = json.dumps({"data": {"LOG_LEVEL": "debug"}})
    cluster.run_kubectl("-n", namespace, "patch", "configmap", CONFIG_MAP, "-p", patch)
    cluster.run_kubectl("-n", namespace, "delete", "networkpolicy", EGRESS_POLICY)


def live_values(cluster: LiveCluster, namespace: str) -> tuple[int, str, bool]:
    """(replicas, LOG_LEVEL, whether the egress policy exists) as the API server has them."""
    deployment = json.loads(
        cluster.run_kubectl("-n", namespace, "get", "deployment", DEPLOYMENT, "-o", "json").stdout
    )
    config = json.loads(
        cluster.run_kubectl("-n", namespace, "get", "configmap", CONFIG_MAP, "-o", "json").stdout
    )
    policy = cluster.run_kubectl(
        "-n", namespace, "get", "networkpolicy", EGRESS_POLICY, check=False
    )
    return deployment["spec"]["replicas"], config["data"]["LOG_LEVEL"], policy.returncode == 0


def deployed(files: TenantFiles, tenant: str, cluster: LiveCluster) -> DeploymentSpec:
    spec = load_spec_file(write_cluster_spec(files, tenant, cluster))
    result = automation.up(spec)
    assert result.ok, result.error
    return spec


def test_drift_reports_each_change_and_remediate_puts_it_back(
    on_cluster: TenantFiles, live_cluster: LiveCluster
) -> None:
    spec = deployed(on_cluster, "drifty", live_cluster)
    namespace = stack = spec.stack_name
    code, lines, stderr = drift_cli(str(on_cluster.spec_dir))
    assert code == 0, stderr
    assert lines[0]["drift"] == "none"

    tamper(live_cluster, namespace)
    before = state_digest(on_cluster, stack)
    report = on_cluster.spec_dir / "drift.md"
    code, lines, stderr = drift_cli(str(on_cluster.spec_dir), "--markdown", str(report))
    assert code == 5, stderr
    result, summary = lines
    assert result["drift"] == "drifted" and result["ok"] and not result["remediated"]
    assert summary["drifted"] == 1
    found = {resource["type"].rsplit(":", 1)[-1]: resource for resource in result["resources"]}
    assert set(found) == {"Deployment", "ConfigMap", "NetworkPolicy"}
    replicas = {p["path"]: p for p in found["Deployment"]["properties"]}["spec.replicas"]
    assert (replicas["old"], replicas["new"]) == (3, 1)
    level = {p["path"]: p for p in found["ConfigMap"]["properties"]}["data.LOG_LEVEL"]
    assert (level["old"], level["new"]) == ("debug", "info")
    assert found["NetworkPolicy"]["op"] == "create"
    assert found["NetworkPolicy"]["name"].endswith("allow-egress")
    assert state_digest(on_cluster, stack) == before, "a drift check changed the state"
    text = report.read_text()
    assert text.startswith("<!-- jockey-drift -->") and "`~ spec.replicas`: `3` → `1`" in text
    assert live_values(live_cluster, namespace) == (3, "debug", False)

    code, lines, stderr = drift_cli(str(on_cluster.spec_dir), "--remediate")
    assert code == 0, stderr
    result, summary = lines
    assert result["drift"] == "drifted" and result["remediated"]
    fix = result["remediation"]
    assert fix["ok"] and fix["operation"] == "up"
    assert (fix["changes"]["create"], fix["changes"]["update"]) == (1, 2)
    assert summary["remediated"] == 1
    assert live_values(live_cluster, namespace) == (1, "info", True)

    code, lines, stderr = drift_cli(str(on_cluster.spec_dir))
    assert code == 0, stderr
    assert lines[0]["drift"] == "none"


def test_the_api_returns_a_typed_drift_result(
    on_cluster: TenantFiles, live_cluster: LiveCluster
) -> None:
    spec = deployed(on_cluster, "typed", live_cluster)
    clean = automation.drift(spec)
    assert isinstance(clean, automation.DriftResult)
    assert clean.state is DriftState.NONE and clean.ok and clean.resources == ()
    live_cluster.run_kubectl("-n", spec.stack_name, "delete", "networkpolicy", EGRESS_POLICY)
    drifted = automation.drift(spec)
    assert drifted.state is DriftState.DRIFTED and drifted.spec_changed is False
    (policy,) = drifted.resources
    assert (policy.op, policy.type) == ("create", "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    fixed = automation.drift(spec, remediate=True)
    assert fixed.remediated and fixed.remediation is not None
    assert automation.drift(spec).state is DriftState.NONE


def test_up_refreshes_first_so_a_deleted_policy_comes_back(
    on_cluster: TenantFiles, live_cluster: LiveCluster
) -> None:
    spec = deployed(on_cluster, "restore", live_cluster)
    namespace = spec.stack_name
    live_cluster.run_kubectl("-n", namespace, "delete", "networkpolicy", EGRESS_POLICY)

    skipped = automation.up(spec, refresh=False)
    assert skipped.ok and skipped.changes.total_changes == 0
    assert live_values(live_cluster, namespace)[2] is False

    restored = subprocess.run(
        [*jockey_cli(), "up", str(on_cluster.spec_dir / "restore.yaml"), "--yes", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert restored.returncode == 0, restored.stderr
    result = json.loads(restored.stdout.splitlines()[-1])
    assert result["changes"]["create"] == 1
    assert live_values(live_cluster, namespace)[2] is True


def test_refresh_asks_first_unless_yes(on_cluster: TenantFiles, live_cluster: LiveCluster) -> None:
    spec = deployed(on_cluster, "fresh", live_cluster)
    path = str(on_cluster.spec_dir / "fresh.yaml")
    refused = subprocess.run(
        [*jockey_cli(), "refresh", path], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert refused.returncode == 2 and "--yes" in refused.stderr
    done = subprocess.run([*jockey_cli(), "refresh", path, "--yes"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert automation.drift(spec).state is DriftState.NONE


def test_render_mode_and_undeployed_tenants_do_not_fail_drift(
    on_cluster: TenantFiles, live_cluster: LiveCluster
) -> None:
    on_cluster.write("rendered")
    write_cluster_spec(on_cluster, "never", live_cluster)
    code, lines, stderr = drift_cli(str(on_cluster.spec_dir))
    assert code == 0, stderr
    states = {line["stack"]: line["drift"] for line in lines if line["kind"] == "result"}
    assert states == {"rendered-dev": "not-applicable", "never-dev": "not-deployed"}
    assert [stack.stack for stack in automation.list_stacks()] == []
