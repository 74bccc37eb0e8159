"""One spawned worker process per operation, cancellable with SIGINT then SIGKILL.

Pulumi's Python runtime keeps process-global state, and forking after importing it has
crashed before, so every operation runs in a fresh `spawn`ed interpreter. The worker
starts its own process group, which the Pulumi CLI it launches joins: cancelling sends
SIGINT to the whole group (the engine stops gracefully and releases its lock), and
SIGKILL after a grace period. The stack lease dies with the worker (it is a `flock`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from automation._errors import JockeyError
from automation._events import EventCallback, EventDispatcher, OperationEvent
from automation._request import OperationRequest
from automation._results import OperationResult

GRACE_SECONDS = 20.0
"""How long the engine gets to stop after SIGINT before SIGKILL."""

_context = multiprocessing.get_context("spawn")


def _worker_main(
    request: OperationRequest, results: Connection, events: Any, forward_events: bool
) -> None:
    os.setsid()  # our own process group: the engine joins it and shares its fate
    os.environ.update(dict(request.env_overrides))
    interrupted = threading.Event()

    def on_sigint(_signum: int, _frame: object) -> None:
        # Let the engine (same group) stop gracefully; we wait for it and report.
        interrupted.set()

    signal.signal(signal.SIGINT, on_sigint)
    signal.signal(signal.SIGTERM, on_sigint)

    from automation._operations import execute

    def publish(event: OperationEvent) -> None:
        events.put(event)

    try:
        outcome: object = execute(
            request, publish if forward_events else None, cancelled=interrupted.is_set
        )
    except JockeyError as error:
        outcome = error
    except BaseException as error:  # report anything to the parent rather than die silently
        import traceback

        traceback.print_exc()
        outcome = JockeyError(
            f"worker failed: {type(error).__name__}: {error}",
            tenant=request.tenant,
            stack=request.stack,
        )
    results.send(outcome)
    results.close()
    # Everything is delivered: the lease was released when `execute` returned, events are
    # flushed below. Skip the interpreter's teardown (the gRPC runtime's threads take ~0.5 s
    # to wind down), which the parent would otherwise wait for.
    events.close()
    events.join_thread()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class WorkerHandle:
    """A running operation in its worker process."""

    def __init__(self, request: OperationRequest, on_event: EventCallback | None) -> None:
        self.request = request
        self._receive, send = _context.Pipe(duplex=False)
        self._events: Any = _context.Queue()
        self._dispatcher = EventDispatcher(on_event)
        self._process = _context.Process(
            target=_worker_main,
            args=(request, send, self._events, on_event is not None),
            name=f"jockey-{request.operation.value}-{request.stack}",
            daemon=False,
        )
        self._process.start()
        send.close()
        self._cancel_requested = threading.Event()
        self._pump = threading.Thread(target=self._pump_events, daemon=True)
        self._pump.start()

    @property
    def pid(self) -> int | None:
        """The worker's pid (also its process group id)."""
        return self._process.pid

    def _pump_events(self) -> None:
        while True:
            try:
                item = self._events.get(timeout=0.2)
            except queue.Empty:
                if not self._process.is_alive() and self._events.empty():
                    return
                continue
            self._dispatcher.publish(item)

    def cancel(self) -> None:
        """Ask the engine to stop: SIGINT to the worker's process group."""
        self._cancel_requested.set()
        pid = self._process.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGINT)

    def kill(self) -> None:
        """Stop the worker's process group now."""
        pid = self._process.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)

    def wait(self, deadline: float | None = None, grace: float = GRACE_SECONDS) -> OperationResult:
        """Wait for the result; past the deadline, cancel, then kill after the grace period.

        Raises:
            JockeyError: the operation could not start (invalid spec, busy stack, ...).
        """
        cancel_sent_at: float | None = None
        while not self._receive.poll(0.1):
            now = time.time()
            if cancel_sent_at is None and (
                self._cancel_requested.is_set() or (deadline is not None and now >= deadline)
            ):
                self.cancel()
                cancel_sent_at = now
            if cancel_sent_at is not None and now - cancel_sent_at >= grace:
                self.kill()
                break
            if not self._process.is_alive() and not self._receive.poll(0.1):
                break
        outcome = self._receive.recv() if self._receive.poll(0) else None
        self._process.join(5)
        self._pump.join(2)
        self._dispatcher.close()
        if isinstance(outcome, OperationResult):
            return outcome
        if isinstance(outcome, JockeyError):
            raise outcome
        if cancel_sent_at is not None:
            # Cancelled before the worker could report (it was still starting, or the engine
            # ignored SIGINT for the whole grace period and was killed): the lease died with
            # it, and a killed engine's leftovers are repaired by the next operation.
            return OperationResult(
                tenant=self.request.tenant,
                environment=self.request.environment,
                stack=self.request.stack,
                operation=self.request.operation,
                ok=False,
                error="cancelled",
                cancelled=True,
            )
        raise JockeyError(
            f"{self.request.operation.value} worker exited with code {self._process.exitcode}",
            tenant=self.request.tenant,
            stack=self.request.stack,
            fix="run the operation again: it repairs the stack first",
        )


def run_in_worker(
    request: OperationRequest, on_event: EventCallback | None = None
) -> OperationResult:
    """Run one operation in a fresh worker process and wait for its result."""
    return WorkerHandle(request, on_event).wait(request.deadline)
