"""The local control plane itself (scripts/cluster), as a user checks it.

`up` hands over a kubeconfig, the API server admits and enforces, fake nodes run Deployments,
`status` and `down` see exactly their own processes, and a cached build is quick.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.engine import cluster_support
from tests.engine.cluster_support import LiveCluster

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
PRIVILEGED_POD = """
apiVersion: v1
kind: Pod
metadata: {name: privileged}
spec:
  containers:
  - name: main
    image: registry.example/anything:1
    securityContext: {privileged: true}
"""
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: web
        image: registry.example/web:1
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
"""


def _namespace(cluster: LiveCluster, name: str, enforce: str | None = None) -> str:
    cluster.run_kubectl("create", "namespace", name)
    if enforce:
        cluster.run_kubectl(
            "label", "namespace", name, f"pod-security.kubernetes.io/enforce={enforce}"
        )
    # Pods are refused until the controller manager has made the namespace's service account.
    deadline = time.monotonic() + 30
    while cluster.run_kubectl("-n", name, "get", "sa", "default", check=False).returncode:
        assert time.monotonic() < deadline, f"no default service account in {name}"
        time.sleep(0.2)
    return name


def test_up_prints_the_kubeconfig_export_last(live_cluster: LiveCluster) -> None:
    last = live_cluster.up_output.strip().splitlines()[-1]
    assert last == f"export KUBECONFIG={live_cluster.kubeconfig}"
    assert live_cluster.kubeconfig.is_absolute() and live_cluster.kubeconfig.is_file()
    version = json.loads(live_cluster.run_kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"] == version["clientVersion"]["gitVersion"]


def test_restricted_pod_security_refuses_a_privileged_pod(live_cluster: LiveCluster) -> None:
    namespace = _namespace(live_cluster, "pss-restricted", enforce="restricted")
    refused = live_cluster.run_kubectl(
        "-n", namespace, "apply", "-f", "-", stdin=PRIVILEGED_POD, check=False
    )
    assert refused.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in refused.stderr
    assert "privileged" in refused.stderr


def test_a_deployment_gets_ready_pods_on_fake_nodes(live_cluster: LiveCluster) -> None:
    namespace = _namespace(live_cluster, "rollout", enforce="restricted")
    live_cluster.run_kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT)
    live_cluster.run_kubectl("-n", namespace, "rollout", "status", "deploy/web", "--timeout=60s")
    pods = json.loads(live_cluster.run_kubectl("-n", namespace, "get", "pods", "-o", "json").stdout)
    assert len(pods["items"]) == 3
    for pod in pods["items"]:
        assert pod["spec"]["nodeName"].startswith("kwok-node-")
        ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        assert ready["Ready"] == "True"


def test_kubectl_logs_reads_a_fake_pods_log(live_cluster: LiveCluster) -> None:
    namespace = _namespace(live_cluster, "logs", enforce="restricted")
    live_cluster.run_kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT)
    live_cluster.run_kubectl("-n", namespace, "rollout", "status", "deploy/web", "--timeout=60s")
    logs = live_cluster.run_kubectl("-n", namespace, "logs", "deploy/web", "--tail=5")
    assert "kwok fake container" in logs.stdout


def test_status_reports_every_component_running(live_cluster: LiveCluster) -> None:
    done = cluster_support.status(live_cluster.dir)
    assert done.returncode == 0, done.stdout + done.stderr
    pids = cluster_support.pids(live_cluster.dir)
    for component in COMPONENTS:
        (line,) = [row for row in done.stdout.splitlines() if row.split()[0] == component]
        assert str(pids[component]) in line.split()
        assert "running, healthy" in line


def test_up_refuses_a_folder_whose_cluster_runs(live_cluster: LiveCluster) -> None:
    done = cluster_support.run_script("up", "--dir", str(live_cluster.dir), timeout=60, check=False)
    assert done.returncode != 0
    assert "already runs" in done.stderr
    assert cluster_support.status(live_cluster.dir).returncode == 0


def test_down_stops_only_its_own_processes(live_cluster: LiveCluster, tmp_path: Path) -> None:
    other_dir = tmp_path / "other"
    other = cluster_support.up(other_dir)
    other_pids = cluster_support.pids(other.dir)
    try:
        assert set(other_pids) == set(COMPONENTS)
        assert other.kubeconfig != live_cluster.kubeconfig
        other.run_kubectl("get", "nodes")  # both answer at once, on ports of their own
        live_cluster.run_kubectl("get", "nodes")
    finally:
        cluster_support.down(other.dir)
    assert not list((other.dir / "run").glob("*.pid"))
    for pid in other_pids.values():
        assert not cluster_support.is_running(pid), f"pid {pid} still runs after down"
    assert cluster_support.status(other.dir).returncode == 3
    assert cluster_support.status(live_cluster.dir).returncode == 0
    live_cluster.run_kubectl("get", "nodes")


def test_down_leaves_a_reused_pid_alone(tmp_path: Path) -> None:
    """A pid file whose process is gone and whose pid now belongs to another program."""
    (tmp_path / "run").mkdir()
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "run" / "kube-apiserver.pid").write_text(f"{bystander.pid}\n")
        done = cluster_support.down(tmp_path)
        assert bystander.poll() is None, "down killed a process that was not its own"
        assert "was not running" in done.stderr
        assert not (tmp_path / "run" / "kube-apiserver.pid").exists()
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.usefixtures("live_cluster")  # the session's build has run: this one is cached
def test_a_cached_build_returns_in_seconds() -> None:
    started = time.monotonic()
    cache = cluster_support.build()
    assert time.monotonic() - started < 10
    for binary in (*COMPONENTS, "kubectl"):
        assert (cache / "bin" / binary).is_file()
