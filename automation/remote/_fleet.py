"""`sync` and `drift` on the queue: a `TenantRunner` whose operations run on `jockey worker`s.

It keeps the local runner's two-stage interrupt: the first `cancel()` cancels only what no
worker has taken yet (those tenants stay untouched) and lets the running operations finish
wherever they run; the second cancels those too (each worker interrupts its engine, and the
next operation repairs the stack).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

from automation._errors import JockeyError
from automation._events import EventCallback
from automation._request import OperationRequest
from automation._results import OperationResult
from automation.fleet._runner import NOT_STARTED, FailureFactory
from automation.remote._submit import RemoteBatch


class QueuedFleetRunner:
    """Runs a fleet's requests on the queue's workers; see the module for the interrupts.

    Parallelism is the workers' (`jockey worker --concurrency`), not the caller's.

    Raises:
        ConfigurationError: no broker is set (`broker_url` or `JOCKEY_BROKER_URL`).
    """

    def __init__(
        self,
        on_event: EventCallback | None = None,
        on_interrupt: Callable[[int], None] | None = None,
        *,
        broker_url: str | None = None,
    ) -> None:
        self._batch = RemoteBatch(1, on_event, broker_url=broker_url)
        self._on_interrupt = on_interrupt
        self._lock = threading.Lock()
        self._interrupts = 0

    @property
    def interrupted(self) -> bool:
        """Whether `cancel()` was called."""
        return self._interrupts > 0

    def started(self, stack: str) -> bool:
        """Whether a worker has taken the operation on `stack`."""
        return self._batch.started(stack)

    def cancel(self) -> None:
        """First call: cancel what no worker has taken. Second: also what runs."""
        with self._lock:
            self._interrupts += 1
            count = self._interrupts
        if count == 1:
            self._batch.cancel_pending()
        else:
            self._batch.cancel()
        if self._on_interrupt is not None and count <= 2:
            self._on_interrupt(count)

    def run(
        self, requests: Sequence[OperationRequest], on_failure: FailureFactory
    ) -> Iterator[OperationResult]:
        """Queue the requests and yield each result as it finishes.

        Once interrupted, a later round (such as drift's remediation) queues nothing.
        """
        if self.interrupted:
            for request in requests:
                yield on_failure(request, JockeyError(NOT_STARTED))
            return
        yield from self._batch.run(requests, on_failure)


__all__ = ["QueuedFleetRunner"]
