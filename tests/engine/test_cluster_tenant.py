"""A tenant's whole life on the local control plane, as an operator checks it with kubectl.

Admitted objects, enforced isolation, live quota, zero-change re-runs, refresh, destroy, and
clusters that are missing or go away for a moment.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

import automation
from infra.spec import load_spec_file
from tests.engine.cluster_support import LiveCluster, running_cluster
from tests.engine.engine_support import TenantFiles, jockey_cli
from tests.engine.kubernetes_live import LiveTenant, live_tenant

PRIVILEGED_POD = """
apiVersion: v1
kind: Pod
metadata: {name: intruder}
spec:
  containers:
  - name: shell
    image: registry.example.com/tools/shell:1
    securityContext: {privileged: true}
"""


def test_a_tenant_on_the_cluster_is_admitted_isolated_and_torn_down(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "life") as tenant:
        spec = tenant.spec(
            replicas=2,
            autoscaling={"minReplicas": 2, "maxReplicas": 4, "targetCPUUtilization": 70},
            disruptionBudget={"minAvailable": 1},
        )
        result = automation.up(spec)
        assert result.ok, result.error

        # `up` returned only once the agent serves: every desired pod is ready now.
        deployment = tenant.get("deployment", "support-bot")
        assert deployment["status"].get("readyReplicas") == deployment["spec"]["replicas"] == 2
        slices = tenant.get("endpointslices")["items"]
        addresses = [a for s in slices for e in s.get("endpoints") or [] for a in e["addresses"]]
        assert len(addresses) == 2, "the Service routes to both pods"

        # The API server enforces the namespace's restricted Pod Security level.
        refused = tenant.cluster.run_kubectl(
            "-n", tenant.namespace, "apply", "-f", "-", stdin=PRIVILEGED_POD, check=False
        )
        assert refused.returncode != 0 and "PodSecurity" in refused.stderr

        # Quota and LimitRange are live: the quota counts the agent's pods.
        quota = tenant.get("resourcequota")["items"][0]
        assert quota["status"]["used"]["pods"] == "2"
        assert tenant.get("limitrange")["items"], "the LimitRange is admitted"
        kinds = {
            kind: tenant.get(kind)["items"]
            for kind in ("networkpolicy", "horizontalpodautoscaler", "poddisruptionbudget")
        }
        assert len(kinds["networkpolicy"]) >= 2, "default deny plus the allowed paths"
        (hpa,) = kinds["horizontalpodautoscaler"]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert kinds["poddisruptionbudget"], "the PodDisruptionBudget is there"

        again = automation.up(spec)
        assert again.ok and again.changes.total_changes == 0, "a second up changes nothing"

        refreshed = automation.refresh(spec)
        assert refreshed.ok, refreshed.error

        gone = automation.destroy(spec)
        assert gone.ok, gone.error
        deadline = time.monotonic() + 60
        while tenant.namespace_exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        done = tenant.cluster.run_kubectl("get", "namespace", tenant.namespace, check=False)
        assert done.returncode != 0 or "Terminating" in done.stdout


def _watch_ready(tenant: LiveTenant, stop: threading.Event, seen: list[int]) -> None:
    command = [
        str(tenant.cluster.kubectl),
        "--kubeconfig",
        str(tenant.cluster.kubeconfig),
        "-n",
        tenant.namespace,
        "get",
        "deployment",
        "support-bot",
        "--watch",
        "-o",
        "json",
        "--output-watch-events",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as watch:
        decoder = json.JSONDecoder()
        buffer = ""
        assert watch.stdout is not None
        while not stop.is_set():
            chunk = watch.stdout.readline()
            if not chunk:
                break
            buffer += chunk
            try:
                event, end = decoder.raw_decode(buffer.strip())
            except ValueError:
                continue
            buffer = buffer.strip()[end:]
            status = event["object"].get("status", {})
            seen.append(int(status.get("readyReplicas") or 0))
        watch.terminate()


def test_a_config_change_rolls_the_pods_without_dropping_below_desired(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "roll") as tenant:
        assert automation.up(tenant.spec(replicas=2)).ok
        before = {p["metadata"]["name"] for p in tenant.get("pods")["items"]}
        stop = threading.Event()
        seen: list[int] = []
        watcher = threading.Thread(target=_watch_ready, args=(tenant, stop, seen), daemon=True)
        watcher.start()
        time.sleep(1.0)  # the watch's first event is the current state
        tenant.agent = {"env": {"LOG_LEVEL": "debug"}}
        result = automation.up(tenant.spec(replicas=2))
        stop.set()
        assert result.ok, result.error
        after = {p["metadata"]["name"] for p in tenant.get("pods")["items"]}
        assert before.isdisjoint(after), "a config change rolled every pod"
        assert seen and min(seen) >= 2, f"ready replicas seen during the rollout: {seen}"


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_cluster_that_does_not_answer_fails_before_the_stack_is_touched(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "gone") as tenant:
        tenant.spec()  # writes the spec and its kubeconfig copy
        kubeconfig = tenant.files.spec_dir / "kubeconfig"
        config = yaml.safe_load(kubeconfig.read_text())
        config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{_unused_port()}"
        kubeconfig.write_text(yaml.safe_dump(config))
        spec_path = tenant.files.spec_dir / f"{tenant.tenant}.yaml"
        done = subprocess.run(
            [*jockey_cli(), "up", str(spec_path), "--yes"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        for part in ("does not answer", str(kubeconfig), "127.0.0.1", "nothing was changed"):
            assert part in done.stderr, done.stderr
        stacks = [summary.stack for summary in automation.list_stacks()]
        assert tenant.namespace not in stacks, "no stack was created"
        assert load_spec_file(spec_path).stack_name == tenant.namespace


def _restart_apiserver_after(
    cluster_dir: Path, pause: float, started: threading.Event, killed_at: list[float]
) -> None:
    """Stop the API server for `pause` seconds, then start it again with the same command."""
    pid_file = next(cluster_dir.rglob("kube-apiserver.pid"))
    pid = int(pid_file.read_text())
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    started.wait(120)
    os.kill(pid, signal.SIGKILL)
    killed_at.append(time.monotonic())
    time.sleep(pause)
    log = (cluster_dir / "logs" / "kube-apiserver.restarted.log").open("ab")
    restarted = subprocess.Popen(
        [arg.decode() for arg in argv], stdout=log, stderr=log, start_new_session=True
    )
    pid_file.write_text(str(restarted.pid))


def test_up_rides_out_a_short_api_server_outage(
    tenant_files: TenantFiles, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cluster_dir = tmp_path_factory.mktemp("outage-cluster")
    with (
        running_cluster(cluster_dir) as cluster,
        live_tenant(tenant_files, cluster, "outage") as tenant,
    ):
        spec = tenant.spec(replicas=2)
        engine_started = threading.Event()
        killed_at: list[float] = []
        outage = threading.Thread(
            target=_restart_apiserver_after,
            args=(cluster_dir, 4.0, engine_started, killed_at),
            daemon=True,
        )
        outage.start()

        def on_event(event: automation.OperationEvent) -> None:
            if event.kind == "resource-pre" and not engine_started.is_set():
                engine_started.set()

        result = automation.up(spec, on_event=on_event, timeout_seconds=300)
        returned_at = time.monotonic()
        outage.join(60)
        assert killed_at and killed_at[0] < returned_at, "the outage hit the running up"
        assert result.ok, result.error
        print(f"up rode out the outage in {result.attempts} attempt(s)")
        deployment = tenant.get("deployment", "support-bot")
        assert deployment["status"].get("readyReplicas") == 2
