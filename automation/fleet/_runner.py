"""Tenant operations for a fleet, interruptible without leaving a tenant half-done.

Like `FanOut`, each operation runs in its own worker process, at most `parallel` at once.
An interrupt is gentler: the first `cancel()` starts nothing new but lets the running
operations finish (so every tenant ends either done or untouched); a second one cancels the
running ones too (the engine is interrupted, and the next operation repairs the stack).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Protocol

from automation._errors import JockeyError
from automation._events import EventCallback
from automation._request import OperationRequest
from automation._results import OperationResult
from automation._worker import WorkerHandle

FailureFactory = Callable[[OperationRequest, JockeyError], OperationResult]
NOT_STARTED = "not started: interrupted before its turn"
"""The error of an operation the interrupt kept from starting (its tenant is untouched)."""


class TenantRunner(Protocol):
    """What `sync` and `drift` run their operations on, with the same two-stage interrupt.

    Here (`FleetRunner`), or on the queue's workers (`automation.remote.QueuedFleetRunner`).
    """

    @property
    def interrupted(self) -> bool:
        """Whether `cancel()` was called."""

    def started(self, stack: str) -> bool:
        """Whether an operation on `stack` was started (an untouched tenant's was not)."""

    def cancel(self) -> None:
        """First call: start nothing new. Second: also cancel the running operations."""

    def run(
        self, requests: Sequence[OperationRequest], on_failure: FailureFactory
    ) -> Iterator[OperationResult]:
        """Yield each request's result as soon as it finishes (not started ones included)."""


class FleetRunner:
    """Runs requests in worker processes; see the module for what an interrupt does.

    Attributes:
        parallel: operations run at once.
    """

    def __init__(
        self,
        parallel: int,
        on_event: EventCallback | None = None,
        on_interrupt: Callable[[int], None] | None = None,
    ) -> None:
        """A runner with nothing started yet.

        Args:
            parallel: operations run at once (at least 1).
            on_event: receives every engine event of every operation.
            on_interrupt: called with 1 on the first interrupt, 2 on the second.
        """
        if parallel < 1:
            raise ValueError(f"parallel must be at least 1 (got {parallel})")
        self.parallel = parallel
        self._on_event = on_event
        self._on_interrupt = on_interrupt
        self._lock = threading.Lock()
        self._interrupts = 0
        self._running: list[WorkerHandle] = []
        self._started: set[str] = set()

    @property
    def interrupted(self) -> bool:
        """Whether `cancel()` was called."""
        return self._interrupts > 0

    def started(self, stack: str) -> bool:
        """Whether an operation on `stack` was started."""
        with self._lock:
            return stack in self._started

    def cancel(self) -> None:
        """First call: start nothing new. Second: also cancel the running operations."""
        with self._lock:
            self._interrupts += 1
            count = self._interrupts
            running = list(self._running) if count > 1 else []
        for handle in running:
            handle.cancel()
        if self._on_interrupt is not None and count <= 2:
            self._on_interrupt(count)

    def running_count(self) -> int:
        """How many operations run right now."""
        with self._lock:
            return len(self._running)

    def _run_one(self, request: OperationRequest, on_failure: FailureFactory) -> OperationResult:
        with self._lock:
            if self._interrupts:
                return on_failure(request, JockeyError(NOT_STARTED))
            self._started.add(request.stack)
        try:
            handle = WorkerHandle(request, self._on_event)
        except OSError as error:
            return on_failure(request, JockeyError(f"could not start a worker: {error}"))
        with self._lock:
            self._running.append(handle)
            cancel_now = self._interrupts > 1
        if cancel_now:
            handle.cancel()
        try:
            return handle.wait(request.deadline)
        except JockeyError as error:
            return on_failure(request, error)
        finally:
            with self._lock:
                self._running.remove(handle)

    def run(
        self, requests: Sequence[OperationRequest], on_failure: FailureFactory
    ) -> Iterator[OperationResult]:
        """Yield each request's result as soon as it finishes (not started ones included)."""
        if not requests:
            return
        with ThreadPoolExecutor(self.parallel, thread_name_prefix="jockey-fleet") as pool:
            pending: set[Future[OperationResult]] = {
                pool.submit(self._run_one, request, on_failure) for request in requests
            }
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()


def fleet_runner(
    parallel: int = 1,
    on_event: EventCallback | None = None,
    on_interrupt: Callable[[int], None] | None = None,
    *,
    broker_url: str | None = None,
) -> TenantRunner:
    """A runner for a fleet: here, `parallel` at once, or, given a broker, on its workers.

    Raises:
        ValueError: `parallel` is below 1.
    """
    if not broker_url:
        return FleetRunner(parallel, on_event, on_interrupt)
    from automation.remote._fleet import QueuedFleetRunner

    return QueuedFleetRunner(on_event, on_interrupt, broker_url=broker_url)


__all__ = ["NOT_STARTED", "FailureFactory", "FleetRunner", "TenantRunner", "fleet_runner"]
