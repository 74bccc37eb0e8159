"""The caller's side of the queue: submit tenant operations, follow their events, get results.

A submitted operation is a Celery task carrying the encoded request; its events come back on
the task's stream in Redis and its outcome from the result backend. Nothing here imports the
Pulumi SDK, and nothing waits on a worker without a way out: results time out, and a cancel
settles an operation no worker has taken yet at once.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING

import redis

from automation._errors import JockeyError
from automation._events import EventCallback, OperationEvent
from automation._fanout import FailureFactory, FanOut
from automation._request import OperationRequest
from automation._results import Operation, OperationResult
from automation._worker_main import GRACE_SECONDS
from automation.remote._channel import REDIS_DOWN, OperationChannel, read_streams, redis_client
from automation.remote._codec import decode_event, decode_outcome, encode_request
from automation.remote._config import RemoteSettings, load_remote_settings
from automation.remote._tasks import RUN_OPERATION

if TYPE_CHECKING:
    from celery import Celery

    from infra.spec import DeploymentSpec

DEFAULT_WAIT_SECONDS = 300.0
"""How long a queued operation waits for a busy stack by default (as a local one does)."""
_POLL_SECONDS = 0.25
_SWEEP_SECONDS = 2.0
_DEADLINE_MARGIN_SECONDS = GRACE_SECONDS + 10.0


@cache
def _app(settings: RemoteSettings) -> Celery:
    from automation.remote._app import celery_app

    return celery_app(settings)


@cache
def _redis(url: str) -> redis.Redis:
    return redis_client(url)


class RemoteOperation:
    """A tenant operation queued for `jockey worker`s.

    Attributes:
        id: the task id (also the key of the operation's event stream).
        request: what was queued.
    """

    def __init__(self, request: OperationRequest, task_id: str, settings: RemoteSettings) -> None:
        self.id = task_id
        self.request = request
        self._settings = settings
        self._channel = OperationChannel(_redis(settings.broker_url), task_id, settings.result_ttl)
        self._outcome: OperationResult | JockeyError | None = None
        self._outcome_settled_here = False

    def __repr__(self) -> str:
        return f"RemoteOperation({self.request.operation.value} {self.request.stack}, id={self.id})"

    def poll(self) -> OperationResult | JockeyError | None:
        """The outcome if the operation has finished (or was settled here), else None.

        Raises:
            redis.exceptions.ConnectionError: Redis cannot be reached right now.
        """
        if self._outcome is not None:
            return self._outcome
        stored = self._channel.stored_outcome()
        if stored is not None:
            self._outcome = decode_outcome(stored)
            return self._outcome
        task = _app(self._settings).AsyncResult(self.id)
        if task.state == "FAILURE":
            self._outcome = JockeyError(
                f"the worker failed: {task.result!r}",
                tenant=self.request.tenant,
                stack=self.request.stack,
                fix="check the worker's log; run the operation again (it repairs the stack first)",
            )
        elif task.state == "SUCCESS" and isinstance(task.result, dict):
            self._outcome = decode_outcome(task.result)
        return self._outcome

    def result(self, timeout: float | None = None) -> OperationResult:
        """Wait for the result (riding out Redis restarts).

        Args:
            timeout: seconds to wait at most; None waits as long as it takes.

        Raises:
            JockeyError: the operation did not run (invalid spec on the worker, busy stack,
                missing toolchain, ...), or the worker failed.
            TimeoutError: no result within `timeout`.
        """
        give_up = None if timeout is None else time.monotonic() + timeout
        while True:
            with contextlib.suppress(*REDIS_DOWN):
                outcome = self.poll()
                if isinstance(outcome, OperationResult):
                    return outcome
                if outcome is not None:
                    raise outcome
            if give_up is not None and time.monotonic() >= give_up:
                raise TimeoutError(f"no result for {self.request.stack} within {timeout} s")
            time.sleep(_POLL_SECONDS)

    def events(self, timeout: float | None = None) -> Iterator[OperationEvent]:
        """The operation's events as they happen, from its first; ends when it has finished.

        Args:
            timeout: seconds to follow at most; None follows to the end.

        Raises:
            TimeoutError: the operation was still running after `timeout`.
        """
        give_up = None if timeout is None else time.monotonic() + timeout
        position = "0"
        while True:
            try:
                found = read_streams(self._channel.client, {self.id: position}, block_ms=1000)
            except REDIS_DOWN:
                time.sleep(1.0)
                found = {}
            if self.id in found:
                events, ended, position = found[self.id]
                yield from (decode_event(event) for event in events)
                if ended:
                    return
            elif self._outcome is not None:
                return  # settled here (cancelled before any worker took it)
            if give_up is not None and time.monotonic() >= give_up:
                raise TimeoutError(f"{self.request.stack} still runs after {timeout} s")

    def cancel(self) -> None:
        """Cancel: the worker running it interrupts its engine; a queued one never runs.

        The engine gets SIGINT, then SIGKILL after the grace period; an operation that has not
        started never runs, and its result says so.
        """
        with contextlib.suppress(*REDIS_DOWN):
            self._channel.request_cancel()
            # The flag is set first: a worker claiming the task after this check sees it.
            if self.poll() is None and self._channel.claim(1):
                self._channel.clear_heartbeat()
                self._settle_cancelled("cancelled before it started")

    def cancel_if_not_started(self) -> bool:
        """Cancel only if no worker has taken the operation; True when it was cancelled."""
        with contextlib.suppress(*REDIS_DOWN):
            if self.poll() is None and self._channel.claim(1):
                # Holding the claim, no worker can start it: flag it, settle it, let go.
                self._channel.request_cancel()
                self._channel.clear_heartbeat()
                self._settle_cancelled("cancelled before it started")
                return True
        return False

    def started(self) -> bool:
        """Whether a worker has taken the operation (it runs, or has finished)."""
        with contextlib.suppress(*REDIS_DOWN):
            if self._outcome is not None:
                return not self._outcome_settled_here
            return self.poll() is not None or self._channel.running()
        return True  # Redis is away: assume the worst (it may run)

    def _settle_cancelled(self, why: str) -> None:
        self._outcome_settled_here = True
        request = self.request
        self._outcome = OperationResult(
            tenant=request.tenant,
            environment=request.environment,
            stack=request.stack,
            operation=request.operation,
            ok=False,
            error=why,
            cancelled=True,
        )

    def settle_if_abandoned(self) -> None:
        """Past its deadline and its grace, an operation no worker took is cancelled here."""
        deadline = self.request.deadline
        if deadline is None or self._outcome is not None:
            return
        if time.time() >= deadline + _DEADLINE_MARGIN_SECONDS:
            self.cancel()


def submit_request(request: OperationRequest, *, broker_url: str | None = None) -> RemoteOperation:
    """Queue a prepared request (see `submit`).

    Raises:
        ConfigurationError: no broker is set.
        JockeyError: the broker cannot be reached.
    """
    settings = load_remote_settings(broker_url)
    task_id = str(uuid.uuid4())
    try:
        _app(settings).send_task(
            RUN_OPERATION,
            args=[encode_request(request)],
            task_id=task_id,
            queue=settings.queue,
            retry=True,
            retry_policy={"max_retries": 10, "interval_start": 0.2, "interval_step": 0.5},
        )
    except Exception as error:  # kombu raises its own and redis-py's errors
        raise JockeyError(
            f"could not queue the operation: {type(error).__name__}: {error}",
            tenant=request.tenant,
            stack=request.stack,
            fix="check that Redis runs at JOCKEY_BROKER_URL (or --broker)",
        ) from error
    return RemoteOperation(request, task_id, settings)


def operation_request(
    operation: Operation | str,
    spec: DeploymentSpec,
    *,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> OperationRequest:
    """The request of one tenant operation (the deadline counts from now, queue time included)."""
    return OperationRequest(
        operation=Operation(operation),
        tenant=spec.tenant.id,
        environment=spec.tenant.environment.value,
        spec=spec,
        wait_seconds=wait_seconds,
        deadline=None if timeout_seconds is None else time.time() + timeout_seconds,
    )


def submit(
    operation: Operation | str,
    spec: DeploymentSpec,
    *,
    broker_url: str | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> RemoteOperation:
    """Queue one tenant operation for the `jockey worker`s and return its handle.

    Secret values never travel with it: each worker reads the spec's `fromEnv`/`fromFile`
    secrets itself.

    Example:
        >>> import automation                                        # doctest: +SKIP
        >>> handle = automation.submit("up", spec)                   # doctest: +SKIP
        >>> for event in handle.events(): print(event.kind, event.urn)  # doctest: +SKIP
        >>> handle.result(timeout=600).ok                            # doctest: +SKIP

    Args:
        operation: preview, up, destroy or refresh.
        spec: the tenant's validated spec.
        broker_url: the Redis URL; default `JOCKEY_BROKER_URL`.
        wait_seconds: how long the operation waits for a busy stack on the worker.
        timeout_seconds: deadline from now (queue time included); the engine is interrupted.

    Raises:
        ConfigurationError: no broker is set.
        JockeyError: the broker cannot be reached.
    """
    request = operation_request(
        operation, spec, wait_seconds=wait_seconds, timeout_seconds=timeout_seconds
    )
    return submit_request(request, broker_url=broker_url)


class RemoteBatch(FanOut):
    """Many queued operations, followed together: a `FanOut` whose operations run on workers.

    It goes wherever a `FanOut` does (`run_many(..., fanout=batch)`, `run_requests`,
    `cancel_on_signals`): `run(requests, on_failure)` queues them all and yields each result as
    it finishes (a refused operation becomes a failed result through `on_failure`); `cancel()`
    is safe to call from a signal handler. Parallelism is the workers' (`--concurrency`), so
    `parallel` is only kept for the signature.

    Raises:
        ConfigurationError: no broker is set.
    """

    def __init__(
        self,
        parallel: int = 1,
        on_event: EventCallback | None = None,
        *,
        broker_url: str | None = None,
    ) -> None:
        super().__init__(max(1, parallel), on_event)
        self.settings = load_remote_settings(broker_url)
        self._remote_on_event = on_event
        self._cancel = threading.Event()
        self._cancel_pending = threading.Event()
        self._handles: dict[str, RemoteOperation] = {}

    def cancel(self) -> None:
        """Cancel every operation of the batch (sent within a poll interval)."""
        self._cancel.set()

    def cancel_pending(self) -> None:
        """Cancel only the operations no worker has taken yet; the running ones go on."""
        self._cancel_pending.set()

    def started(self, stack: str) -> bool:
        """Whether a worker has taken the operation on `stack` (False if it is not queued)."""
        handle = self._handles.get(stack)
        return handle is not None and handle.started()

    def run(
        self,
        requests: Sequence[OperationRequest],
        on_failure: FailureFactory,
    ) -> Iterator[OperationResult]:
        """Queue the requests and yield each result as soon as it finishes."""
        pending: dict[str, RemoteOperation] = {}
        for request in requests:
            if self._cancel.is_set() or self._cancel_pending.is_set():
                yield on_failure(request, JockeyError("cancelled before it started"))
                continue
            try:
                handle = submit_request(request, broker_url=self.settings.broker_url)
            except JockeyError as error:
                yield on_failure(request, error)
                continue
            pending[handle.id] = handle
            self._handles[request.stack] = handle
        yield from self._follow(pending, on_failure)

    def _follow(
        self, pending: dict[str, RemoteOperation], on_failure: FailureFactory
    ) -> Iterator[OperationResult]:
        positions = dict.fromkeys(pending, "0")
        cancel_sent = pending_cancel_sent = False
        next_sweep = time.monotonic() + _SWEEP_SECONDS
        client = _redis(self.settings.broker_url)
        while pending:
            if self._cancel.is_set() and not cancel_sent:
                cancel_sent = True
                for handle in pending.values():
                    handle.cancel()
            if self._cancel_pending.is_set() and not pending_cancel_sent:
                pending_cancel_sent = True
                for handle in pending.values():
                    handle.cancel_if_not_started()
                next_sweep = 0.0  # report the settled ones now
            to_check: set[str] = set()
            try:
                found = read_streams(client, {i: positions[i] for i in pending}, block_ms=500)
            except REDIS_DOWN:
                time.sleep(1.0)
                found = {}
            for task_id, (events, ended, position) in found.items():
                positions[task_id] = position
                if self._remote_on_event is not None:
                    for event in events:
                        self._remote_on_event(decode_event(event))
                if ended:
                    to_check.add(task_id)
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + _SWEEP_SECONDS
                to_check.update(pending)
                for handle in pending.values():
                    handle.settle_if_abandoned()
            for task_id in sorted(to_check):
                handle = pending[task_id]
                try:
                    outcome = handle.poll()
                except REDIS_DOWN:
                    continue
                if outcome is None:
                    continue
                del pending[task_id]
                if isinstance(outcome, OperationResult):
                    yield outcome
                else:
                    yield on_failure(handle.request, outcome)
