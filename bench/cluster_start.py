"""The local control plane's figures (no pass/fail; see README "Performance").

    .venv/bin/python bench/cluster_start.py [--runs N]

With the build cached (`scripts/cluster build` has run once): how long a cached `build` takes,
how long `scripts/cluster up` takes to a usable cluster (every health endpoint answers, the
fake node is Ready), how long a Deployment takes to roll out on the fake node, and the peak
resident memory of the control-plane processes (the sum of their VmHWM) after that rollout.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLUSTER = str(REPO / "scripts" / "cluster")
REPLICAS = 3
DEPLOYMENT = f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: default}}
spec:
  replicas: {REPLICAS}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - {{name: web, image: registry.example/web:1}}
"""


def run(command: list[str], stdin: str | None = None) -> tuple[float, str]:
    """Seconds one command takes, and its stdout; fails loudly."""
    started = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed, done.stdout


def peak_rss_kib(cluster_dir: Path) -> dict[str, int]:
    """VmHWM (peak resident set) of each control-plane process `up` recorded, in KiB."""
    peaks = {}
    for pid_file in sorted((cluster_dir / "run").glob("*.pid")):
        status = Path(f"/proc/{pid_file.read_text().strip()}/status").read_text()
        (line,) = [row for row in status.splitlines() if row.startswith("VmHWM:")]
        peaks[pid_file.stem] = int(line.split()[1])
    return peaks


def bench_cluster(runs: int) -> None:
    """Cached build, `up` (median of `runs`), a rollout, and the control plane's peak memory."""
    build_s, out = run([CLUSTER, "build"])
    kubectl = str(Path(out.strip().splitlines()[-1]) / "bin" / "kubectl")
    print(f"cluster: cached build {build_s:.2f}s")
    root = Path(tempfile.mkdtemp(prefix="jockey-bench-cluster-"))
    up_times = []
    try:
        for index in range(runs):
            cluster_dir = root / f"run{index}"
            try:
                elapsed, _ = run([CLUSTER, "up", "--dir", str(cluster_dir)])
                up_times.append(elapsed)
                if index == runs - 1:
                    bench_workload(kubectl, cluster_dir)
            finally:
                run([CLUSTER, "down", "--dir", str(cluster_dir)])
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"cluster: up {statistics.median(up_times):.1f}s to healthy with a Ready fake node "
        f"(median of {runs}: {', '.join(f'{t:.1f}' for t in up_times)})"
    )


def bench_workload(kubectl: str, cluster_dir: Path) -> None:
    """A Deployment's rollout on the fake node, then the control plane's peak memory."""
    base = [kubectl, "--kubeconfig", str(cluster_dir / "kubeconfig")]
    started = time.perf_counter()
    run([*base, "apply", "-f", "-"], stdin=DEPLOYMENT)
    run([*base, "rollout", "status", "deploy/web", "--timeout=120s"])
    print(
        f"cluster: Deployment of {REPLICAS} rolled out "
        f"{time.perf_counter() - started:.2f}s after apply"
    )
    peaks = peak_rss_kib(cluster_dir)
    parts = ", ".join(f"{name} {kib / 1024:.0f}" for name, kib in peaks.items())
    print(
        f"cluster: peak RSS of the control plane {sum(peaks.values()) / 1024:.0f} MiB "
        f"(VmHWM in MiB: {parts})"
    )


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="`up` runs to take the median of")
    bench_cluster(parser.parse_args().runs)


if __name__ == "__main__":
    main()
