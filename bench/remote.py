"""Queued operations against local ones, on the same PostgreSQL backend.

Render-mode tenants go through 1, 2 and 4 `jockey worker`s (concurrency 1 each) and through
`jockey up --parallel N`.

    .venv/bin/python bench/remote.py [--tenants 16] [--workers 1,2,4] [--single 5]

Redis and PostgreSQL come from `scripts/services up` (a temporary folder, stopped at the end).
Every run deploys fresh stacks (a table of its own) and prints: wall time and throughput, local
and queued; the queue's overhead per operation (the extra wall time per operation slot, and the
median extra latency of one no-change `up`); Redis commands and PostgreSQL transactions per
operation; the state's bytes per tenant. The README's sizing paragraph extrapolates from these.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import redis
import yaml

REPO = Path(__file__).resolve().parents[1]
JOCKEY = [sys.executable, "-c", "from automation.cli import main; main()"]
IMAGE = "ghcr.io/jockey-dev/echo-agent@sha256:" + "cd" * 32
SECRET = "bench-remote-secret"


@dataclass(frozen=True)
class Services:
    dir: Path
    broker_url: str
    database_url: str


@contextmanager
def services(root: Path) -> Iterator[Services]:
    """Redis and PostgreSQL for the run, stopped afterwards."""
    folder = root / "services"
    script = str(REPO / "scripts" / "services")
    done = subprocess.run(
        [script, "up", "--dir", str(folder)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"scripts/services up failed:\n{done.stderr[-3000:]}")
    exports = done.stdout.strip().splitlines()[-1].removeprefix("export ").split()
    values = dict(item.split("=", 1) for item in exports)
    try:
        yield Services(folder, values["JOCKEY_BROKER_URL"], values["PULUMI_BACKEND_URL"])
    finally:
        subprocess.run([script, "down", "--dir", str(folder)], capture_output=True, check=False)


def write_specs(folder: Path, count: int, prefix: str) -> list[Path]:
    """`count` render-mode tenant specs (one Deployment and its guardrails each)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        tenant = f"{prefix}{index:03d}"
        spec = {
            "tenant": {"id": tenant, "organization": "bench-org", "environment": "dev"},
            "agent": {
                "name": "echo-agent",
                "version": "1.0.0",
                "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "BENCH_OPENAI_KEY"}},
                "image": {"ref": IMAGE},
            },
            "kubernetes": {
                "enabled": True,
                "cluster": {"renderDir": str(folder / "out" / tenant)},
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
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        paths.append(path)
    return paths


class Run:
    """One measured configuration: its own queue, state table and homes."""

    def __init__(self, svc: Services, root: Path) -> None:
        self.svc = svc
        self.root = root
        suffix = uuid.uuid4().hex[:8]
        self.queue = f"bench-{suffix}"
        self.table = f"bench_{suffix}"

    def env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JOCKEY_", "PULUMI_"))}
        env.pop("KUBECONFIG", None)
        env.update(
            JOCKEY_HOME=str(home),
            JOCKEY_QUEUE=self.queue,
            PULUMI_BACKEND_URL=f"{self.svc.database_url}&table={self.table}",
            PULUMI_CONFIG_PASSPHRASE="bench-passphrase",
            BENCH_OPENAI_KEY=SECRET,
            PYTHONPATH=str(REPO),
        )
        return env

    @contextmanager
    def workers(self, count: int) -> Iterator[None]:
        processes = []
        try:
            for index in range(count):
                home = self.root / f"worker-{index}"
                home.mkdir(parents=True, exist_ok=True)
                log = open(home / "worker.log", "wb")  # noqa: SIM115 - closed below
                env = {**self.env(home), "JOCKEY_BROKER_URL": self.svc.broker_url}
                process = subprocess.Popen(
                    [*JOCKEY, "worker", "--concurrency", "1"],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                processes.append((process, log, home / "worker.log"))
            for process, _, path in processes:
                _wait_ready(process, path)
            yield
        finally:
            for process, _log, _path in processes:
                process.send_signal(signal.SIGTERM)
            for process, log, _ in processes:
                try:
                    process.wait(120)
                except subprocess.TimeoutExpired:
                    process.kill()
                log.close()

    def up(
        self, specs: list[Path], *, parallel: int, remote: bool
    ) -> tuple[float, list[dict[str, Any]]]:
        """Wall seconds and results of one `jockey up` over the specs."""
        env = self.env(self.root / "client")
        args = [*JOCKEY, "up", *map(str, specs), "--yes", "--json", "--parallel", str(parallel)]
        if remote:
            args += ["--broker", self.svc.broker_url]
        started = time.perf_counter()
        done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not all(r["ok"] for r in results):
            errors = [r.get("error") for r in results if not r["ok"]]
            raise SystemExit(f"up failed ({done.returncode}): {errors or done.stderr[-2000:]}")
        return elapsed, results

    def open_backend(self) -> None:
        """Let the backend create its table before engines open it at once (as workers do)."""
        done = subprocess.run(
            [*JOCKEY, "list"], cwd=REPO, env=self.env(self.root / "client"), capture_output=True
        )
        if done.returncode != 0:
            raise SystemExit(f"jockey list failed: {done.stderr[-2000:]!r}")

    def state_bytes(self) -> int:
        with psycopg.connect(self.svc.database_url, autocommit=True) as connection:
            row = connection.execute(
                f"SELECT COALESCE(SUM(octet_length(data::text)), 0) FROM {self.table}"
            ).fetchone()
        return int(row[0]) if row else 0


def _wait_ready(process: subprocess.Popen[bytes], log: Path) -> None:
    give_up = time.monotonic() + 120
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise SystemExit(f"a worker exited:\n{log.read_text()[-2000:]}")
        if " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise SystemExit(f"a worker did not become ready:\n{log.read_text()[-2000:]}")


class Load:
    """Redis commands and PostgreSQL transactions between two points."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.redis = redis.Redis.from_url(svc.broker_url)

    def sample(self) -> tuple[int, int]:
        stats: dict[str, Any] = self.redis.info("stats")  # type: ignore[assignment]
        commands = int(stats["total_commands_processed"])
        with psycopg.connect(self.svc.database_url, autocommit=True) as connection:
            row = connection.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
        return commands, int(row[0]) if row else 0


def bench_batch(svc: Services, root: Path, tenants: int, counts: list[int]) -> None:
    load = Load(svc)
    print(f"{tenants} render-mode tenants, first `up` of each (fresh stacks):")
    print(
        f"{'concurrency':>11} {'local s':>8} {'queued s':>9} {'local/min':>10} "
        f"{'queued/min':>11} {'overhead/op s':>14} {'redis cmd/op':>13} {'pg xact/op':>11} "
        f"{'local pg/op':>12}"
    )
    for count in counts:
        local = Run(svc, root / f"local-{count}")
        specs = write_specs(local.root / "specs", tenants, f"l{count}x")
        local.open_backend()
        before = load.sample()
        local_s, _ = local.up(specs, parallel=count, remote=False)
        local_pg = (load.sample()[1] - before[1]) / tenants

        queued = Run(svc, root / f"queued-{count}")
        specs = write_specs(queued.root / "specs", tenants, f"q{count}x")
        with queued.workers(count):
            before = load.sample()
            queued_s, _ = queued.up(specs, parallel=count, remote=True)
            after = load.sample()
        overhead = (queued_s - local_s) / (tenants / count)
        print(
            f"{count:>11} {local_s:>8.1f} {queued_s:>9.1f} {60 * tenants / local_s:>10.1f} "
            f"{60 * tenants / queued_s:>11.1f} {overhead:>14.2f} "
            f"{(after[0] - before[0]) / tenants:>13.0f} {(after[1] - before[1]) / tenants:>11.0f} "
            f"{local_pg:>12.0f}"
        )
        print(f"{'':>11} state: {queued.state_bytes() / tenants / 1024:.1f} KiB per tenant")


def bench_single(svc: Services, root: Path, runs: int) -> None:
    run = Run(svc, root / "single")
    (spec,) = write_specs(run.root / "specs", 1, "single")
    with run.workers(1):
        run.up([spec], parallel=1, remote=True)  # create the stack first
        local = [run.up([spec], parallel=1, remote=False)[0] for _ in range(runs)]
        queued = [run.up([spec], parallel=1, remote=True)[0] for _ in range(runs)]
    local_s, queued_s = statistics.median(local), statistics.median(queued)
    print(
        f"one no-change `up` (median of {runs}): local {local_s:.2f}s, queued {queued_s:.2f}s, "
        f"queue overhead {queued_s - local_s:+.2f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=16)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--single", type=int, default=5, help="no-change ups timed (0: none)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="jockey-bench-remote-"))
    try:
        with services(root) as svc:
            if args.single:
                bench_single(svc, root, args.single)
            bench_batch(svc, root, args.tenants, [int(n) for n in args.workers.split(",")])
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
