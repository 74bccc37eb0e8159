"""The local control plane for engine tests: `scripts/cluster` driven from Python.

`scripts/cluster build` compiles etcd, the Kubernetes control plane, KWOK and kubectl from Go
modules (cached outside the repo); `up --dir DIR` runs them as plain processes on loopback with
fresh PKI and fake nodes; `down --dir DIR` stops exactly what `up` started there.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

REPO = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPT = REPO / "scripts" / "cluster"
BUILD_TIMEOUT = 3600
"""Seconds a cold `build` may take (15-25 minutes on two cores)."""
UP_TIMEOUT = 300
DOWN_TIMEOUT = 120


class ClusterError(RuntimeError):
    """`scripts/cluster` failed; the message carries the command and its output's tail."""


@dataclass(frozen=True)
class LiveCluster:
    """A running local control plane.

    Attributes:
        dir: the cluster's folder (pid files, logs, PKI, etcd data).
        kubeconfig: its admin kubeconfig (context `jockey-local`, system:masters).
        kubectl: the kubectl built with the control plane (same version, no skew warning).
        up_output: what `up` printed on stdout (its last line is the `export KUBECONFIG=` line).
    """

    dir: Path
    kubeconfig: Path
    kubectl: Path
    up_output: str

    context: ClassVar[str] = "jockey-local"
    """The kubeconfig's only context."""

    def run_kubectl(
        self, *args: str, check: bool = True, stdin: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this cluster; `check` raises ClusterError on a non-zero exit."""
        command = [str(self.kubectl), "--kubeconfig", str(self.kubeconfig), *args]
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise ClusterError(_describe(command, done))
        return done

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment whose KUBECONFIG names this cluster."""
        return {**(os.environ if base is None else base), "KUBECONFIG": str(self.kubeconfig)}


def run_script(*args: str, timeout: float, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `scripts/cluster` with `args`; `check` raises ClusterError on a non-zero exit."""
    command = [str(CLUSTER_SCRIPT), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise ClusterError(_describe(command, done))
    return done


def build() -> Path:
    """Build (or find cached) the control plane's binaries; returns the cache folder."""
    done = run_script("build", timeout=BUILD_TIMEOUT)
    return Path(done.stdout.strip().splitlines()[-1])


def up(directory: Path, nodes: int = 1) -> LiveCluster:
    """Start a fresh control plane in `directory` with `nodes` fake nodes."""
    cache = build()
    done = run_script("up", "--dir", str(directory), "--nodes", str(nodes), timeout=UP_TIMEOUT)
    export = done.stdout.strip().splitlines()[-1]
    return LiveCluster(
        dir=directory.resolve(),
        kubeconfig=Path(export.removeprefix("export KUBECONFIG=")),
        kubectl=cache / "bin" / "kubectl",
        up_output=done.stdout,
    )


def down(directory: Path) -> subprocess.CompletedProcess[str]:
    """Stop the processes `up` started in `directory` (and nothing else)."""
    return run_script("down", "--dir", str(directory), timeout=DOWN_TIMEOUT)


def status(directory: Path) -> subprocess.CompletedProcess[str]:
    """`scripts/cluster status`: exit 0 all healthy, 3 none running, 1 otherwise."""
    return run_script("status", "--dir", str(directory), timeout=60, check=False)


@contextmanager
def running_cluster(directory: Path, nodes: int = 1) -> Iterator[LiveCluster]:
    """A control plane in `directory` for the duration of the block, stopped even on failure."""
    try:
        yield up(directory, nodes)
    finally:
        down(directory)


def pids(directory: Path) -> dict[str, int]:
    """The pids `up` recorded in `directory`, by component."""
    return {file.stem: int(file.read_text().strip()) for file in (directory / "run").glob("*.pid")}


def is_running(pid: int) -> bool:
    """The process exists and has not exited.

    An exited one may linger as a zombie until its parent, here init, reaps it.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return state.split()[1] != "Z"


def _describe(command: list[str], done: subprocess.CompletedProcess[str]) -> str:
    return (
        f"{' '.join(command)} exited {done.returncode}\n"
        f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
    )
