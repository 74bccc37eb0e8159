"""One tenant's `jockey up` against a live control plane vs `kubectl apply` + `rollout status`.

Each run deploys a fresh tenant (a unique id, so nothing is cached in the cluster), times the
whole CLI call, records when the Deployment's and the Service's steps finished (from the
`--json --events` stream, as the lines arrive), then times a config change (its pods roll)
and destroys it. The kubectl baseline applies the same tenant's rendered manifests (`jockey
render`) and waits for `rollout status`, then does the same for the changed manifests.

Usage:
    .venv/bin/python bench/kubernetes_up.py [--kubeconfig FILE] [--repo DIR] [--runs N]
        [--no-refresh] [--kubectl-baseline]

Without --kubeconfig a control plane is started with `scripts/cluster up` in a temporary
folder and stopped at the end. --repo runs another checkout's `jockey` (such as a
`git worktree` of an older commit) with this machine's engine, for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
IMAGE = "ghcr.io/jockey-dev/echo-agent@sha256:" + "ab" * 32
KUBECTL = (
    Path.home() / ".cache/jockey-cluster/kubernetes-v1.36.3_etcd-v3.6.16_kwok-v0.8.0/bin/kubectl"
)


def write_spec(folder: Path, tenant: str, kubeconfig: Path | None, log_level: str = "info") -> Path:
    """A small dev tenant (one replica) pointing at the cluster, or rendering when None.

    Another `log_level` is a config change: the pods roll.
    """
    cluster = {"kubeconfig": "kubeconfig"} if kubeconfig else {"renderDir": "rendered"}
    if kubeconfig is not None:
        shutil.copy(kubeconfig, folder / "kubeconfig")
    spec = {
        "tenant": {"id": tenant, "organization": "bench", "environment": "dev"},
        "agent": {
            "name": "support-bot",
            "version": "1.4.2",
            "env": {"LOG_LEVEL": log_level},
            "image": {"ref": IMAGE},
        },
        "kubernetes": {
            "enabled": True,
            "cluster": cluster,
            "replicas": 1,
            "resources": {
                "cpuRequest": "100m",
                "cpuLimit": "200m",
                "memoryRequest": "64Mi",
                "memoryLimit": "128Mi",
            },
            "quota": {"cpu": "2", "memory": "2Gi", "pods": 10},
        },
    }
    path = folder / f"{tenant}.yaml"
    path.write_text(json.dumps(spec))  # JSON is YAML
    return path


def start_cluster(cluster_dir: Path) -> Path:
    """Start a control plane in `cluster_dir` (`scripts/cluster up`); returns its kubeconfig."""
    done = subprocess.run(
        [str(REPO / "scripts/cluster"), "up", "--dir", str(cluster_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(done.stdout.strip().splitlines()[-1].split("=", 1)[1])


def bench_env(work: Path, repo: Path) -> dict[str, str]:
    """The environment of a bench's `jockey` runs: its own home and passphrase, no KUBECONFIG."""
    env = {
        **os.environ,
        "JOCKEY_HOME": str(work / "home"),
        "PULUMI_CONFIG_PASSPHRASE": "bench",
        "PYTHONPATH": str(repo),
    }
    env.pop("KUBECONFIG", None)
    return env


def jockey(*args: str) -> list[str]:
    """The `jockey` command (of the checkout on PYTHONPATH, with this interpreter)."""
    return [sys.executable, "-c", "from automation.cli import main; main()", *args]


def timed_up(repo: Path, env: dict[str, str], spec: Path, refresh: bool) -> dict[str, Any]:
    """Run `jockey up --json --events`; the wall time and when each step's outputs arrived."""
    command = jockey("up", str(spec), "--yes", "--json", "--events")
    if not refresh:
        command.append("--no-refresh")
    started = time.monotonic()
    finished: dict[str, float] = {}
    result: dict[str, Any] = {}
    with subprocess.Popen(command, env=env, cwd=repo, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.monotonic() - started
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if item.get("kind") == "result":
                result = item
            urn = item.get("urn") or ""
            # The step's outputs event: the provider's create (and its await) has finished.
            if item.get("type") == "resource-outputs" and item.get("op") != "refresh" and urn:
                finished[urn.rsplit("::", 1)[-1]] = now
    wall = time.monotonic() - started
    if not result.get("ok"):
        raise SystemExit(f"up failed: {result.get('error')}")
    return {"wall": wall, "steps": finished}


def _render(repo: Path, env: dict[str, str], spec: Path, out: Path) -> list[Path]:
    subprocess.run(
        jockey("render", str(spec), "--out", str(out)),
        env=env,
        cwd=repo,
        check=True,
        capture_output=True,
    )
    return sorted(out.rglob("*.yaml"))


def kubectl_baseline(
    repo: Path, env: dict[str, str], folder: Path, kubeconfig: Path
) -> tuple[float, float]:
    """`kubectl apply` + `rollout status` of a fresh tenant, then of a config change.

    The rendered manifests are applied namespace first; returns both times.
    """
    tenant = f"kctl-{uuid.uuid4().hex[:6]}"
    files = _render(repo, env, write_spec(folder, tenant, None), folder / "created")
    namespaces = [f for f in files if "namespace" in f.name.lower()]
    rest = [f for f in files if f not in namespaces]
    kubectl = [str(KUBECTL), "--kubeconfig", str(kubeconfig)]
    namespace = f"{tenant}-dev"
    rollout = [*kubectl, "-n", namespace, "rollout", "status", "deploy/support-bot"]

    def apply_and_wait(*groups: list[Path]) -> float:
        started = time.monotonic()
        for group in groups:
            args = [arg for path in group for arg in ("-f", str(path))]
            subprocess.run([*kubectl, "apply", *args], check=True, capture_output=True)
        subprocess.run([*rollout, "--timeout=120s"], check=True, capture_output=True)
        return time.monotonic() - started

    created = apply_and_wait(namespaces, rest)
    changed = write_spec(folder, tenant, None, log_level="debug")
    updated = apply_and_wait(_render(repo, env, changed, folder / "updated"))
    subprocess.run(
        [*kubectl, "delete", "namespace", namespace, "--wait=false"], capture_output=True
    )
    return created, updated


def main() -> None:
    """Parse the options, run the measurements, print one JSON line of figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", type=Path)
    parser.add_argument("--repo", type=Path, default=REPO)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-refresh", action="store_true")
    parser.add_argument("--kubectl-baseline", action="store_true")
    options = parser.parse_args()
    repo = options.repo.resolve()

    with tempfile.TemporaryDirectory(prefix="jockey-bench-") as scratch:
        work = Path(scratch)
        cluster_dir = None
        kubeconfig = options.kubeconfig
        if kubeconfig is None:
            cluster_dir = work / "cluster"
            kubeconfig = start_cluster(cluster_dir)
        env = bench_env(work, repo)
        runs: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        try:
            for index in range(options.runs):
                folder = work / f"run-{index}"
                folder.mkdir()
                tenant = f"bench-{uuid.uuid4().hex[:6]}"
                spec = write_spec(folder, tenant, kubeconfig)
                runs.append(timed_up(repo, env, spec, refresh=not options.no_refresh))
                write_spec(folder, tenant, kubeconfig, log_level="debug")  # a config change
                updates.append(timed_up(repo, env, spec, refresh=not options.no_refresh))
                subprocess.run(
                    jockey("destroy", str(spec), "--yes"),
                    env=env,
                    cwd=repo,
                    check=True,
                    capture_output=True,
                )
            kubectl: list[tuple[float, float]] = []
            if options.kubectl_baseline:
                for index in range(options.runs):
                    folder = work / f"kubectl-{index}"
                    folder.mkdir()
                    kubectl.append(kubectl_baseline(repo, env, folder, kubeconfig))
        finally:
            if cluster_dir is not None:
                subprocess.run(
                    [str(REPO / "scripts/cluster"), "down", "--dir", str(cluster_dir)],
                    capture_output=True,
                )
    walls = [run["wall"] for run in runs]
    update_walls = [run["wall"] for run in updates]
    gaps = []
    for run in runs:
        steps = run["steps"]
        deployment = next((t for n, t in steps.items() if n.endswith("-deployment")), None)
        service = next((t for n, t in steps.items() if n.endswith("-service")), None)
        if deployment is not None and service is not None:
            gaps.append(service - deployment)
    figures = {
        "repo": str(repo),
        "refresh": not options.no_refresh,
        "runs": len(runs),
        "up_seconds": [round(w, 2) for w in walls],
        "up_median": round(statistics.median(walls), 2),
        "service_after_deployment_seconds": [round(g, 2) for g in gaps],
        "update_seconds": [round(w, 2) for w in update_walls],
        "update_median": round(statistics.median(update_walls), 2),
    }
    if kubectl:
        created = [pair[0] for pair in kubectl]
        updated = [pair[1] for pair in kubectl]
        figures["kubectl_seconds"] = [round(k, 2) for k in created]
        figures["kubectl_median"] = round(statistics.median(created), 2)
        figures["ratio"] = round(statistics.median(walls) / statistics.median(created), 2)
        figures["kubectl_update_seconds"] = [round(k, 2) for k in updated]
        figures["kubectl_update_median"] = round(statistics.median(updated), 2)
        figures["update_ratio"] = round(
            statistics.median(update_walls) / statistics.median(updated), 2
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
