"""One worker process per operation, started as a plain program and cancellable at any moment.

Pulumi's Python runtime keeps process-global state, so every operation runs in a fresh
interpreter: `python -m automation._worker_main` (see there for what the worker does). It is
not started through multiprocessing, so the caller's `__main__` is never re-imported. The
caller holds the write end of the worker's control pipe: a cancel is a message on it, and the
caller's death closes it, which the worker notices at once and stops its engine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from automation._errors import JockeyError
from automation._events import EventCallback, EventDispatcher, OperationEvent
from automation._proctree import descendants, kill_if_same, start_time, stop_descendants
from automation._request import OperationRequest, ReadRequest
from automation._results import OperationResult
from automation._worker_main import CANCEL_MESSAGE, GRACE_SECONDS

_KILL_MARGIN_SECONDS = 5.0
"""Past the worker's own grace period, the caller kills the worker's whole tree itself."""
_TRACK_SECONDS = 0.25
"""How often the caller notes the processes its worker started."""
_WORKER_MODULE = "automation._worker_main"
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


def _worker_environment() -> dict[str, str]:
    env = dict(os.environ)
    # The worker imports `automation` and `infra` from where this process found them (and,
    # started with -P, never from a same-named folder in the caller's working directory).
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = _PACKAGE_ROOT + (os.pathsep + path if path else "")
    return env


def _output_fd() -> int | None:
    """The worker's stdout: our stderr, so program prints never mix with JSON results."""
    try:
        return sys.__stderr__.fileno() if sys.__stderr__ is not None else None
    except (OSError, ValueError):
        return None


class _Spawned:
    """A worker process and the caller's ends of its two pipes."""

    def __init__(self) -> None:
        control_read, control_write = os.pipe()
        report_read, report_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-m", _WORKER_MODULE, str(control_read), str(report_write)],
                pass_fds=(control_read, report_write),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=_output_fd(),
                env=_worker_environment(),
            )
        except OSError:
            for fd in (control_read, control_write, report_read, report_write):
                os.close(fd)
            raise
        os.close(control_read)
        os.close(report_write)
        self.control = Connection(control_write, readable=False)
        self.report = Connection(report_read, writable=False)


_spare: _Spawned | None = None
_spare_lock = threading.Lock()


def prestart_worker() -> None:
    """Start the next operation's worker process now, before its request is known.

    A worker spends most of its first second importing the Pulumi SDK; a command line that
    calls this first (before it loads and checks its specs) overlaps that with its own work.
    The first `WorkerHandle` takes the spare; unused, it exits when this process does (its
    control pipe closes). Environment changes made after this call do not reach the spare:
    a request carries what its worker must set (`env_overrides`).
    """
    global _spare
    with _spare_lock:
        if _spare is None:
            with contextlib.suppress(OSError):
                _spare = _Spawned()


def _take_spare() -> _Spawned | None:
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and spare.process.poll() is not None:
        return None  # it died meanwhile: start a fresh one
    return spare


class WorkerHandle:
    """A running operation in its worker process."""

    def __init__(
        self, request: OperationRequest | ReadRequest, on_event: EventCallback | None
    ) -> None:
        self.request = request
        self._dispatcher = EventDispatcher(on_event)
        self._outcome: object = None
        self._finished = threading.Event()
        self._cancel_requested = threading.Event()
        spawned = _take_spare() or _Spawned()
        self._process = spawned.process
        self._control = spawned.control
        self._report = spawned.report
        self._control.send((request, on_event is not None))
        self._reader = threading.Thread(target=self._read_reports, daemon=True)
        self._reader.start()
        # What the worker started, remembered while it runs: if the worker itself is killed,
        # its subreaper role dies with it and its plugins (in groups of their own) would be
        # orphaned; the caller stops them instead.
        self._seen: dict[int, str] = {}
        self._tracker = threading.Thread(target=self._track_descendants, daemon=True)
        self._tracker.start()

    @property
    def pid(self) -> int:
        """The worker's pid (also its process group and session id)."""
        return self._process.pid

    def _read_reports(self) -> None:
        try:
            while True:
                kind, payload = self._report.recv()
                if kind == "event" and isinstance(payload, OperationEvent):
                    self._dispatcher.publish(payload)
                elif kind == "result":
                    self._outcome = payload
                    return
        except (EOFError, OSError):
            return
        finally:
            self._finished.set()

    def cancel(self) -> None:
        """Ask the worker to stop its engine (it sends SIGINT, then SIGKILL after the grace)."""
        self._cancel_requested.set()
        with contextlib.suppress(OSError):
            self._control.send(CANCEL_MESSAGE)

    def kill(self) -> None:
        """Stop the worker and everything it started, now."""
        stop_descendants(self.pid, first=signal.SIGKILL, grace=0)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def _track_descendants(self) -> None:
        while self._process.poll() is None:
            for pid in descendants(self.pid):
                if pid not in self._seen and (started := start_time(pid)) is not None:
                    self._seen[pid] = started
            time.sleep(_TRACK_SECONDS)

    def _finish(self, deadline: float | None, grace: float) -> bool:
        """Wait for the worker to report and exit; past the deadline, cancel, then kill.

        Returns:
            Whether the operation was cancelled (asked to, or past its deadline).
        """
        cancel_sent_at: float | None = None
        while not self._finished.wait(0.1):
            now = time.time()
            if cancel_sent_at is None and (
                self._cancel_requested.is_set() or (deadline is not None and now >= deadline)
            ):
                self.cancel()
                cancel_sent_at = now
            if cancel_sent_at is not None and now - cancel_sent_at >= grace + _KILL_MARGIN_SECONDS:
                self.kill()
                break
        try:
            self._process.wait(timeout=grace + _KILL_MARGIN_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            self._process.wait()
        self._reader.join(2)
        self._tracker.join(2)
        if self._process.returncode != 0:  # killed (or crashed) before its own clean-up
            kill_if_same(self._seen)
        self._dispatcher.close()
        for connection in (self._control, self._report):
            with contextlib.suppress(OSError):
                connection.close()
        return cancel_sent_at is not None

    def wait(self, deadline: float | None = None, grace: float = GRACE_SECONDS) -> OperationResult:
        """Wait for the operation's result; past the deadline, cancel, then kill after the grace.

        Raises:
            JockeyError: the operation could not start (invalid spec, busy stack, ...).
        """
        cancelled = self._finish(deadline, grace)
        request = self.request
        assert isinstance(request, OperationRequest)
        outcome = self._outcome
        if isinstance(outcome, JockeyError):
            raise outcome
        if isinstance(outcome, OperationResult):
            return outcome
        if cancelled:
            # Cancelled before the worker could report (it was still starting, or the engine
            # ignored SIGINT for the whole grace period and was killed): the lease died with
            # it, and a killed engine's leftovers are repaired by the next operation.
            return OperationResult(
                tenant=request.tenant,
                environment=request.environment,
                stack=request.stack,
                operation=request.operation,
                ok=False,
                error="cancelled",
                cancelled=True,
            )
        raise JockeyError(
            f"{request.operation.value} worker exited with code {self._process.returncode}",
            tenant=request.tenant,
            stack=request.stack,
            fix="run the operation again: it repairs the stack first",
        )

    def read(self) -> object:
        """Wait for a read's value (see `read_in_worker`)."""
        self._finish(self.request.deadline, GRACE_SECONDS)
        request = self.request
        assert isinstance(request, ReadRequest)
        if isinstance(self._outcome, JockeyError):
            raise self._outcome
        if not self._finished.is_set() or self._process.returncode != 0:
            raise JockeyError(
                f"reading the backend ({request.function}) failed: the worker exited with "
                f"code {self._process.returncode}",
                tenant=request.tenant,
                stack=request.stack,
                fix="run it again; the worker's error is printed above",
            )
        return self._outcome


def run_in_worker(
    request: OperationRequest, on_event: EventCallback | None = None
) -> OperationResult:
    """Run one operation in a fresh worker process and wait for its result."""
    return WorkerHandle(request, on_event).wait(request.deadline)


def read_in_worker(request: ReadRequest) -> object:
    """Run a backend read in a fresh worker process and return what it read.

    Raises:
        JockeyError: the read failed (its typed error, e.g. `StackNotFoundError`).
    """
    return WorkerHandle(request, None).read()
