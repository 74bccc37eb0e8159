"""Redis, PostgreSQL and Celery workers for the remote engine tests, all started by the tests.

`scripts/services up --dir DIR` installs PostgreSQL and Redis when missing and starts them on
loopback (once per test session, stopped at its end); each test gets its own queue and its own
state table, and starts `jockey worker`s whose `JOCKEY_HOME`s are separate folders (standing
in for machines that share nothing but the broker and the database).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from automation._proctree import descendants
from tests.engine.engine_support import CANARY, PASSPHRASE, TenantFiles

REPO = Path(__file__).resolve().parents[2]
SERVICES_SCRIPT = REPO / "scripts" / "services"
UP_TIMEOUT = 900  # a first run installs the Debian packages
JOCKEY = [sys.executable, "-c", "import sys; from automation.cli import main; main()"]
"""The CLI of this checkout (whatever `jockey` the virtualenv's script would import)."""


@dataclass(frozen=True)
class Services:
    """The running services: where they are and how to reach them."""

    dir: Path
    broker_url: str
    database_url: str

    def restart(self, name: str) -> None:
        """Stop one service and start it again on its port, with its data."""
        _script("restart", name, "--dir", str(self.dir))

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        """Rows of one statement on the services' database."""
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return list(connection.execute(sql, args).fetchall())


def _script(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [str(SERVICES_SCRIPT), *args], capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/services {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


_running: Services | None = None


def shared_services(folder: Path) -> Services:
    """Start the services once per test process (in `folder`); `down` runs at exit."""
    global _running
    if _running is None:
        exports = _script("up", "--dir", str(folder), timeout=UP_TIMEOUT).strip().splitlines()[-1]
        values = dict(item.split("=", 1) for item in exports.removeprefix("export ").split())
        _running = Services(folder, values["JOCKEY_BROKER_URL"], values["PULUMI_BACKEND_URL"])
        atexit.register(_script, "down", "--dir", str(folder))
    return _running


@dataclass
class WorkerProcess:
    """One `jockey worker` (a Celery worker), its home standing in for a machine."""

    name: str
    home: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        """The Celery worker's pid."""
        return self.process.pid

    def tree(self) -> list[int]:
        """The worker and every process it started (operation workers, engines, plugins)."""
        return [self.pid, *descendants(self.pid)] if self.process.poll() is None else []

    def wait_ready(self, timeout: float = 90) -> None:
        """Wait until the worker consumes from the queue."""
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if " ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n{self.log_tail()}")
            time.sleep(0.2)
        raise RuntimeError(f"worker {self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def kill9(self) -> None:
        """SIGKILL the whole machine's worth: the worker, its operations and their engines.

        Parents first, as a machine's death takes them at once: a Celery process killed after
        its operation's worker would have a moment to report that worker's death as a result.
        """
        for _ in range(3):
            for pid in self.tree():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        self.process.wait(30)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), then kill -9 of whatever is left."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log_tail(self, lines: int = 40) -> str:
        """The end of its log."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class RemoteFleet:
    """One test's queue, state table and workers on the shared services."""

    services: Services
    root: Path
    visibility_timeout: int = 3600
    workers: list[WorkerProcess] = field(default_factory=list)

    def __post_init__(self) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.queue = f"jockey-test-{suffix}"
        self.table = f"state_{suffix}"
        self.tenants = TenantFiles(
            home=self.root / "client-home",
            out=self.root / "specs" / "out",
            spec_dir=self.root / "specs",
        )
        self.tenants.spec_dir.mkdir(parents=True, exist_ok=True)

    @property
    def backend_url(self) -> str:
        """This test's state: its own table in the services' database."""
        separator = "&" if "?" in self.services.database_url else "?"
        return f"{self.services.database_url}{separator}table={self.table}"

    def env(self, home: Path, **extra: str) -> dict[str, str]:
        """The environment of a worker or client whose machine is `home`."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("JOCKEY_", "PULUMI_")) and key != "KUBECONFIG"
        }
        env.update(
            JOCKEY_HOME=str(home),
            JOCKEY_BROKER_URL=self.services.broker_url,
            JOCKEY_QUEUE=self.queue,
            JOCKEY_VISIBILITY_TIMEOUT=str(self.visibility_timeout),
            PULUMI_BACKEND_URL=self.backend_url,
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            ACME_TEST_OPENAI_KEY=CANARY,
            PYTHONPATH=str(REPO),
        )
        env.update(extra)
        return env

    def start_worker(self, name: str, concurrency: int = 1) -> WorkerProcess:
        """Start `jockey worker` with a home of its own; returns once it consumes."""
        home = self.root / f"{name}-home"
        home.mkdir(parents=True, exist_ok=True)
        log = self.root / f"{name}.log"
        with open(log, "wb") as output:
            process = subprocess.Popen(
                [*JOCKEY, "worker", "--concurrency", str(concurrency)],
                cwd=REPO,
                env=self.env(home),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = WorkerProcess(name, home, log, process)
        self.workers.append(worker)
        worker.wait_ready()
        return worker

    def jockey(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run the CLI as a client on a machine of its own."""
        return subprocess.run(
            [*JOCKEY, *args],
            cwd=REPO,
            env=self.env(self.tenants.home),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start_jockey(self, *args: str) -> subprocess.Popen[str]:
        """Start the CLI as a client; read its output with `communicate()`."""
        return subprocess.Popen(
            [*JOCKEY, *args],
            cwd=REPO,
            env=self.env(self.tenants.home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def holder_pid(self, stack: str) -> int | None:
        """The pid recorded as the stack's lease holder (None when released)."""
        try:
            rows = self.services.query("SELECT holder FROM jockey_leases WHERE stack = %s", stack)
        except psycopg.errors.UndefinedTable:
            return None  # no lease was ever taken
        holder = rows[0][0] if rows else None
        return int(holder["pid"]) if holder else None

    def worker_running(self, stack: str) -> WorkerProcess | None:
        """The worker whose process tree holds the stack's lease right now."""
        pid = self.holder_pid(stack)
        return next((w for w in self.workers if pid is not None and pid in w.tree()), None)

    def stop_all(self) -> None:
        """Stop every worker this test started."""
        for worker in self.workers:
            worker.stop()

    def pulumi(self, *args: str) -> Any:
        """Run the toolchain's Pulumi CLI on this test's backend; returns its JSON output."""
        from automation._toolchain import find_toolchain

        toolchain = find_toolchain()
        work = self.root / "pulumi-cli"
        work.mkdir(exist_ok=True)
        (work / "Pulumi.yaml").write_text("name: jockey\nruntime: python\n")
        done = subprocess.run(
            [str(toolchain.pulumi), *args, "--json"],
            cwd=work,
            env=toolchain.env(self.env(self.root / "pulumi-home")),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} failed: {done.stderr[-2000:]}")
        return json.loads(done.stdout)


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects of a `--json` output."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def wait_for(condition: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll until `condition()` is truthy; returns its value."""
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
