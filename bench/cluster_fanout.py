"""Eight tenants' `jockey up` on the local control plane: `--parallel 4` against `--parallel 1`.

Each pass deploys fresh tenants (unique ids) into a control plane started for the bench, times
the whole CLI call, then destroys them. Prints one JSON line of figures.

Usage:
    .venv/bin/python -m bench.cluster_fanout [--tenants 8] [--parallel 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from bench.kubernetes_up import REPO, bench_env, jockey, start_cluster, write_spec


def _pass(work: Path, env: dict[str, str], kubeconfig: Path, tenants: int, parallel: int) -> float:
    folder = work / f"parallel-{parallel}"
    folder.mkdir()
    specs = [
        str(write_spec(folder, f"fan-{uuid.uuid4().hex[:6]}", kubeconfig)) for _ in range(tenants)
    ]
    started = time.monotonic()
    subprocess.run(
        jockey("up", *specs, "--yes", "--json", "--parallel", str(parallel)),
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    elapsed = time.monotonic() - started
    subprocess.run(
        jockey("destroy", *specs, "--yes", "--parallel", str(parallel)),
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return elapsed


def main() -> None:
    """Start a control plane, run both passes, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=8)
    parser.add_argument("--parallel", type=int, default=4)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jockey-bench-") as scratch:
        work = Path(scratch)
        cluster_dir = work / "cluster"
        kubeconfig = start_cluster(cluster_dir)
        env = bench_env(work, REPO)
        try:
            serial = _pass(work, env, kubeconfig, options.tenants, 1)
            parallel = _pass(work, env, kubeconfig, options.tenants, options.parallel)
        finally:
            subprocess.run(
                [str(REPO / "scripts/cluster"), "down", "--dir", str(cluster_dir)],
                capture_output=True,
            )
    print(
        json.dumps(
            {
                "tenants": options.tenants,
                "parallel1Seconds": round(serial, 1),
                f"parallel{options.parallel}Seconds": round(parallel, 1),
                "speedUp": round(serial / parallel, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
