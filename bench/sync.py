"""What skipping unchanged tenants saves: `jockey sync` against previewing every tenant.

    .venv/bin/python bench/sync.py [--tenants N] [--changed K] [--parallel P]

Deploys N render-mode tenants (not timed), then times:
  1. `jockey sync` with every tenant unchanged (reads the backend, runs nothing);
  2. `jockey sync --preview` with K specs changed (previews K);
  3. `jockey sync` with those K changed (deploys K);
  4. `jockey preview` of all N (what a pull request paid before: every tenant previewed).

The real engine runs against a throwaway `file://` backend; nothing outside the temporary
folder is touched. Jockey runs from a copy of `automation/` and `infra/` taken at the start,
so edits to the tree while the bench runs change neither the program nor the fingerprints.
Defaults (N=20, K=3, P=2) finish in a few minutes on two cores; the issue's figure is N=100
(`--tenants 100`, about fifteen minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
JOCKEY = str(Path(sys.executable).parent / "jockey")
IMAGE = "ghcr.io/jockey-dev/echo-agent@sha256:" + "cd" * 32


def _spec(tenant: str, out: Path, replicas: int = 1) -> dict[str, object]:
    return {
        "tenant": {"id": tenant, "organization": "bench-org", "environment": "dev"},
        "agent": {
            "name": "echo-agent",
            "version": "1.0.0",
            "env": {"LOG_LEVEL": "info"},
            "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "BENCH_OPENAI_KEY"}},
            "image": {"ref": IMAGE},
        },
        "kubernetes": {
            "enabled": True,
            "cluster": {"renderDir": str(out / tenant)},
            "replicas": replicas,
            "resources": {
                "cpuRequest": "100m",
                "cpuLimit": "200m",
                "memoryRequest": "64Mi",
                "memoryLimit": "128Mi",
            },
            "quota": {"cpu": "2", "memory": "2Gi", "pods": 10},
        },
    }


@contextmanager
def sandbox() -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary JOCKEY_HOME (its file backend inside) and the environment to use it."""
    root = Path(tempfile.mkdtemp(prefix="jockey-bench-sync-"))
    source = root / "src"
    for package in ("automation", "infra"):
        shutil.copytree(
            REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "JOCKEY_HOME": str(root / "home"),
        "PULUMI_CONFIG_PASSPHRASE": "bench-passphrase",
        "BENCH_OPENAI_KEY": "bench-secret-value",
    }
    for name in ("PULUMI_BACKEND_URL", "KUBECONFIG"):
        env.pop(name, None)
    Path(env["JOCKEY_HOME"]).mkdir()
    try:
        yield root, env
    finally:
        shutil.rmtree(root, ignore_errors=True)


def write_specs(folder: Path, tenants: list[str], replicas: int = 1) -> list[Path]:
    """Write one spec per tenant into `folder` (manifests render into `folder/out`)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for tenant in tenants:
        path = folder / f"{tenant}.yaml"
        path.write_text(yaml.safe_dump(_spec(tenant, folder / "out", replicas), sort_keys=False))
        paths.append(path)
    return paths


def timed(command: list[str], env: dict[str, str]) -> tuple[float, list[dict[str, object]]]:
    """Run a jockey command with --json; its wall time and JSON lines (fails loudly).

    It runs in the sandbox: a worker (`python -m`) puts its working directory first on its
    path, and the repository's own `automation/` must not shadow the copy.
    """
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--json"],
        env=env,
        cwd=env["JOCKEY_HOME"],
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return elapsed, [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def summary_of(lines: list[dict[str, object]]) -> str:
    last = lines[-1]
    return ", ".join(f"{key} {last[key]}" for key in ("create", "update", "unchanged"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=20, metavar="N")
    parser.add_argument("--changed", type=int, default=3, metavar="K")
    parser.add_argument("--parallel", type=int, default=2, metavar="P")
    args = parser.parse_args()
    if not 0 < args.changed <= args.tenants:
        parser.error("--changed must be between 1 and --tenants")
    tenants = [f"bench{index:03d}" for index in range(args.tenants)]
    parallel = ["--parallel", str(args.parallel)]
    with sandbox() as (root, env):
        folder = root / "specs"
        paths = write_specs(folder, tenants)
        print(f"deploying {args.tenants} render-mode tenants (not timed) ...", flush=True)
        setup, _ = timed([JOCKEY, "sync", str(folder), "--yes", *parallel], env)
        print(f"  deployed in {setup:.1f}s", flush=True)

        figures: list[tuple[str, float, str]] = []
        elapsed, lines = timed([JOCKEY, "sync", str(folder), "--yes", *parallel], env)
        figures.append((f"sync, {args.tenants} unchanged", elapsed, summary_of(lines)))

        write_specs(folder, tenants[: args.changed], replicas=2)
        elapsed, lines = timed([JOCKEY, "sync", str(folder), "--preview", *parallel], env)
        label = f"sync --preview, {args.changed} of {args.tenants} changed"
        figures.append((label, elapsed, summary_of(lines)))

        elapsed, lines = timed([JOCKEY, "sync", str(folder), "--yes", *parallel], env)
        label = f"sync, {args.changed} of {args.tenants} changed"
        figures.append((label, elapsed, summary_of(lines)))

        spec_files = [str(path) for path in paths]
        elapsed, lines = timed([JOCKEY, "preview", *spec_files, *parallel], env)
        figures.append((f"preview, all {args.tenants}", elapsed, f"{len(lines)} previewed"))

        baseline = figures[-1][1]
        print(f"\n{'what':<42} {'seconds':>8} {'vs preview-all':>15}  plan")
        for label, seconds, detail in figures:
            ratio = f"{seconds / baseline:.2f}x" if baseline else "-"
            print(f"{label:<42} {seconds:>8.1f} {ratio:>15}  {detail}")
        per_tenant = figures[0][1] / args.tenants
        print(
            f"\nan unchanged tenant costs {per_tenant * 1000:.0f} ms of planning "
            f"(a tag read and a fingerprint); a preview costs "
            f"{baseline / args.tenants * args.parallel:.1f} s of engine time"
        )


if __name__ == "__main__":
    main()
