"""Live tenants against the local control plane: status, watch, logs, and rollback.

The rollback is of a rollout whose pods never become ready (a test-only KWOK stage keeps one
image's pods in CrashLoopBackOff on a fake node of the test's own).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import automation
from automation import OperationEvent, OperationResult
from automation.live import Phase, TenantStatus
from infra.spec import DeploymentSpec, load_spec_file
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import IMAGE, TenantFiles, jockey_cli

DATA = Path(__file__).parent / "data"
NEVER_READY_IMAGE = "ghcr.io/jockey-dev/never-ready@sha256:" + "ee" * 32
NEVER_READY_NODE = "jockey-never-ready-0"
_KEPT_STAGES = {"node-initialize", "node-heartbeat-with-lease", "pod-complete", "pod-delete"}


def write_spec(
    files: TenantFiles,
    cluster: LiveCluster,
    tenant: str,
    *,
    image: str = IMAGE,
    log_level: str = "info",
    **kubernetes: Any,
) -> DeploymentSpec:
    """A dev spec that deploys to the live cluster (its kubeconfig copied beside the spec)."""
    kubeconfig = files.spec_dir / "kubeconfig"
    if not kubeconfig.exists():
        shutil.copy(cluster.kubeconfig, kubeconfig)
    settings = {"cluster": {"kubeconfig": "kubeconfig"}, "rolloutTimeoutSeconds": 30, **kubernetes}
    path = files.write(tenant, **settings)
    data = yaml.safe_load(path.read_text())
    data["agent"]["image"] = {"ref": image}
    data["agent"]["env"] = {"LOG_LEVEL": log_level}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_spec_file(path)


def up(spec: DeploymentSpec, **options: Any) -> tuple[OperationResult, list[OperationEvent]]:
    events: list[OperationEvent] = []
    result = automation.up(spec, on_event=events.append, **options)
    return result, events


def phases(events: list[OperationEvent]) -> list[str]:
    return [event.phase for event in events if event.phase is not None]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def never_ready_node(
    live_cluster: LiveCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A cordoned fake node run by a kwok of our own.

    Its stages keep NEVER_READY_IMAGE's pods in CrashLoopBackOff (and make every other pod
    Ready).
    """
    folder = tmp_path_factory.mktemp("never-ready")
    cache = live_cluster.kubectl.parent.parent
    kept = [
        stage
        for stage in yaml.safe_load_all((cache / "stages.yaml").read_text())
        if stage and stage["metadata"]["name"] in _KEPT_STAGES
    ]
    ours = (
        (DATA / "kwok-never-ready.yaml").read_text().replace("NEVER_READY_IMAGE", NEVER_READY_IMAGE)
    )
    stages = folder / "stages.yaml"
    stages.write_text(yaml.safe_dump_all(kept) + "---\n" + ours)
    port = _free_port()
    log = (folder / "kwok.log").open("w")
    kwok = subprocess.Popen(
        [
            str(cache / "bin" / "kwok"),
            f"--kubeconfig={live_cluster.kubeconfig}",
            f"--config={stages}",
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=never-ready",
            "--cidr=10.246.0.0/16",
            "--node-ip=127.0.0.1",
            f"--node-port={port}",
            f"--server-address=127.0.0.1:{port}",
            "--node-lease-duration-seconds=40",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    node = f"""
apiVersion: v1
kind: Node
metadata:
  name: {NEVER_READY_NODE}
  annotations: {{node.alpha.kubernetes.io/ttl: "0", kwok.x-k8s.io/node: never-ready}}
  labels: {{kubernetes.io/hostname: {NEVER_READY_NODE}, kubernetes.io/os: linux, type: kwok}}
spec: {{unschedulable: true}}
status:
  allocatable: {{cpu: "64", memory: 256Gi, pods: "500"}}
  capacity: {{cpu: "64", memory: 256Gi, pods: "500"}}
"""
    try:
        live_cluster.run_kubectl("apply", "-f", "-", stdin=node)
        live_cluster.run_kubectl(
            "wait", "--for=condition=Ready", f"node/{NEVER_READY_NODE}", "--timeout=60s"
        )
        yield NEVER_READY_NODE
    finally:
        live_cluster.run_kubectl("delete", "node", NEVER_READY_NODE, "--wait=false", check=False)
        kwok.terminate()
        try:
            kwok.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kwok.kill()
            kwok.wait()
        log.close()


@contextmanager
def new_pods_land_on(cluster: LiveCluster, node: str) -> Iterator[None]:
    """Only `node` takes new pods for the block (the others are cordoned, then uncordoned)."""
    others = [
        name.removeprefix("node/")
        for name in cluster.run_kubectl("get", "nodes", "-o", "name").stdout.split()
        if name.removeprefix("node/") != node
    ]
    try:
        for name in others:
            cluster.run_kubectl("cordon", name)
        cluster.run_kubectl("uncordon", node)
        yield
    finally:
        cluster.run_kubectl("cordon", node, check=False)
        for name in others:
            cluster.run_kubectl("uncordon", name, check=False)


def test_status_of_a_running_tenant_then_absent_after_destroy(
    live_cluster: LiveCluster, tenant_files: TenantFiles
) -> None:
    spec = write_spec(tenant_files, live_cluster, "live-status", replicas=2)
    assert automation.status(spec).phase is Phase.ABSENT
    result, events = up(spec)
    assert result.ok, result.error
    assert phases(events) == ["deploying", "awaiting-rollout", "running"]

    status = automation.status(spec)
    assert status.phase is Phase.RUNNING
    block = status.kubernetes
    assert block is not None and block.image == IMAGE
    assert block.namespace == "live-status-dev" and block.deployment == "support-bot"
    assert (block.replicas.desired, block.replicas.ready, block.replicas.updated) == (2, 2, 2)
    assert block.rollout is not None and block.rollout.value == "complete"
    assert status.last_operation is not None and status.last_operation.result == "succeeded"

    done = subprocess.run(
        [*jockey_cli(), "status", str(tenant_files.spec_dir / "live-status.yaml"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"phase": "running"' in done.stdout and '"kind": "status"' in done.stdout

    assert automation.destroy(spec).ok
    assert automation.status(spec).phase is Phase.ABSENT


def test_a_watch_during_a_healthy_rollout_sees_deploying_then_running_never_short(
    live_cluster: LiveCluster, tenant_files: TenantFiles
) -> None:
    spec = write_spec(tenant_files, live_cluster, "live-watch", replicas=2)
    assert up(spec)[0].ok
    changed = write_spec(tenant_files, live_cluster, "live-watch", replicas=2, log_level="debug")
    seen: list[TenantStatus] = []
    outcome: list[OperationResult] = []
    threads_before = set(threading.enumerate())
    with automation.watch(spec, timeout_seconds=120, until_settled=False) as changes:
        rollout = threading.Thread(target=lambda: outcome.append(automation.up(changed)))
        for status in changes:
            seen.append(status)
            if len(seen) == 1:
                rollout.start()  # the first status is the current one: now roll the pods
            phases_seen = [item.phase for item in seen]
            if Phase.DEPLOYING in phases_seen and status.phase is Phase.RUNNING:
                break
    rollout.join(180)
    assert outcome and outcome[0].ok, outcome
    order = [item.phase for item in seen]
    assert order[0] is Phase.RUNNING and Phase.DEPLOYING in order and order[-1] is Phase.RUNNING
    for status in seen:
        assert status.kubernetes is not None
        counts = status.kubernetes.replicas
        assert counts.ready >= counts.desired, f"ready dropped below desired: {status.to_json()}"
    assert any(s.kubernetes and s.kubernetes.replicas.updated < 2 for s in seen), "no mid-rollout"
    assert set(threading.enumerate()) <= threads_before | {rollout}, "the watch left a thread"


def test_logs_follow_picks_up_lines_written_after_it_started(
    live_cluster: LiveCluster, tenant_files: TenantFiles
) -> None:
    spec = write_spec(tenant_files, live_cluster, "live-logs", replicas=2)
    assert up(spec)[0].ok
    before = list(automation.logs(spec, tail=5))
    pods = {line.source for line in before}
    assert len(pods) == 2 and all(source.startswith("pod/support-bot-") for source in pods)

    marker = f"marker-{time.time_ns()}"
    pod_log = live_cluster.dir / "kwok" / "pod.log"
    seen: set[str] = set()
    with automation.logs(spec, follow=True, tail=1, timeout_seconds=60) as lines:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        written = False
        for line in lines:
            if not written:
                with pod_log.open("a") as handle:  # after the follow started streaming
                    handle.write(f"{stamp} stdout F {marker}\n")
                written = True
            if line.text == marker:
                seen.add(line.source)
                if seen == pods:
                    break
    assert seen == pods, "every pod's stream delivered the new line"

    done = subprocess.run(
        [*jockey_cli(), "logs", str(tenant_files.spec_dir / "live-logs.yaml"), "--tail", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert all(f"{pod} | " in done.stdout for pod in pods)


def test_a_rollout_that_never_gets_ready_is_rolled_back_to_the_previous_image(
    live_cluster: LiveCluster, tenant_files: TenantFiles, never_ready_node: str
) -> None:
    good = write_spec(tenant_files, live_cluster, "live-rollback", replicas=1)
    result, _ = up(good)
    assert result.ok, result.error
    # The next `up` runs as on a machine that has never seen the tenant: the last good
    # configuration comes from the backend, not from this machine's disk.
    shutil.rmtree(tenant_files.home / "stacks" / "live-rollback-dev")
    bad = write_spec(
        tenant_files, live_cluster, "live-rollback", replicas=1, image=NEVER_READY_IMAGE
    )
    with new_pods_land_on(live_cluster, never_ready_node):
        result, events = up(bad)
    assert not result.ok
    assert result.rolled_back, result.error
    assert result.to_json()["rolledBack"] is True
    assert result.error is not None and "CrashLoopBackOff" in result.error.splitlines()[0]
    assert phases(events)[-3:] == ["failed", "rolling-back", "rolled-back"]

    status = automation.status(bad)
    assert status.phase is Phase.RUNNING, status.to_json()
    assert status.kubernetes is not None and status.kubernetes.image == IMAGE


def test_no_rollback_leaves_the_failure_visible_in_status(
    live_cluster: LiveCluster, tenant_files: TenantFiles, never_ready_node: str
) -> None:
    good = write_spec(tenant_files, live_cluster, "live-norollback", replicas=1)
    assert up(good)[0].ok
    bad = write_spec(
        tenant_files, live_cluster, "live-norollback", replicas=1, image=NEVER_READY_IMAGE
    )
    with new_pods_land_on(live_cluster, never_ready_node):
        result, events = up(bad, rollback=False)
        assert not result.ok and not result.rolled_back
        assert "not rolled back (--no-rollback)" in (events[-1].message or "")
        status = automation.status(bad)
    assert status.phase is Phase.FAILED, status.to_json()
    block = status.kubernetes
    assert block is not None and block.image == NEVER_READY_IMAGE
    assert block.restarts >= 3
    assert block.replicas.ready >= 1, "the old pod serves throughout"
    reasons = {problem.reason for problem in block.problems}
    assert "CrashLoopBackOff" in reasons

    done = subprocess.run(
        [*jockey_cli(), "status", str(tenant_files.spec_dir / "live-norollback.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 6, done.stdout + done.stderr
    assert "not ready:" in done.stdout and "CrashLoopBackOff" in done.stdout


def test_a_first_deployment_that_never_gets_ready_has_nothing_to_roll_back_to(
    live_cluster: LiveCluster, tenant_files: TenantFiles, never_ready_node: str
) -> None:
    bad = write_spec(tenant_files, live_cluster, "live-first", replicas=1, image=NEVER_READY_IMAGE)
    with new_pods_land_on(live_cluster, never_ready_node):
        result, events = up(bad)
    assert not result.ok and not result.rolled_back
    assert "first deployment: nothing to roll back to" in (events[-1].message or "")
    assert result.error is not None and result.error.startswith("rollout failed:")
