"""One operation over many tenants with bounded parallelism, results as each finishes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from automation._errors import JockeyError
from automation._events import EventCallback
from automation._request import OperationRequest
from automation._results import OperationResult
from automation._worker import WorkerHandle

FailureFactory = Callable[[OperationRequest, JockeyError], OperationResult]


class FanOut:
    """Runs requests in worker processes, at most `parallel` at once.

    A failed or refused operation becomes a failed result; the others go on. `cancel()`
    (from a signal handler or another thread) cancels running operations and skips the rest.
    """

    def __init__(self, parallel: int, on_event: EventCallback | None = None) -> None:
        if parallel < 1:
            raise ValueError(f"parallel must be at least 1 (got {parallel})")
        self.parallel = parallel
        self._on_event = on_event
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._running: list[WorkerHandle] = []

    def cancel(self) -> None:
        """Cancel what runs (SIGINT, then SIGKILL after the grace) and start nothing new."""
        self._cancelled.set()
        with self._lock:
            running = list(self._running)
        for handle in running:
            handle.cancel()

    def _run_one(self, request: OperationRequest, on_failure: FailureFactory) -> OperationResult:
        if self._cancelled.is_set():
            return on_failure(request, JockeyError("cancelled before it started"))
        try:
            handle = WorkerHandle(request, self._on_event)
        except OSError as error:
            return on_failure(request, JockeyError(f"could not start a worker: {error}"))
        with self._lock:
            self._running.append(handle)
        if self._cancelled.is_set():
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
        """Yield each request's result as soon as it finishes."""
        with ThreadPoolExecutor(self.parallel, thread_name_prefix="jockey-fanout") as pool:
            pending: set[Future[OperationResult]] = {
                pool.submit(self._run_one, request, on_failure) for request in requests
            }
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
