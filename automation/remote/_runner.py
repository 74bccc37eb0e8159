"""Run one queued operation on this worker, in a fresh worker process, as the task asks.

The operation runs exactly as a local one does (`automation._worker.WorkerHandle`: one fresh
interpreter per operation, its lease, repair, engine and result); around it, the side channel
(`_channel`) streams its events to the caller, interrupts it when the caller cancels, and says
that it runs, so a redelivered copy of the task (Redis hands a task out again when its worker
vanished, or when it outlives the visibility timeout) waits for it and returns its outcome
instead of running the operation twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import redis

from automation._errors import JockeyError
from automation._events import OperationEvent
from automation._request import OperationRequest
from automation._results import OperationResult
from automation._worker import WorkerHandle
from automation.remote._channel import REDIS_DOWN, OperationChannel, redis_client
from automation.remote._codec import decode_request, encode_event, encode_outcome
from automation.remote._config import RemoteSettings

HEARTBEAT_SECONDS = 5.0
"""How often a running operation says so."""
HEARTBEAT_LIFETIME_SECONDS = 30
"""How long that lasts: a worker silent for longer no longer runs the operation."""
CANCEL_POLL_SECONDS = 0.5
"""How soon a cancel reaches the engine."""
OUTAGE_PATIENCE_SECONDS = 600.0
"""How long the outcome waits for Redis to come back before the task gives up storing it."""

log = logging.getLogger("jockey.remote")
_clients: dict[str, redis.Redis] = {}
_T = TypeVar("_T")


def _client(url: str) -> redis.Redis:
    if url not in _clients:
        _clients[url] = redis_client(url)
    return _clients[url]


def _patiently(call: Callable[[], _T], patience: float = OUTAGE_PATIENCE_SECONDS) -> _T:
    """Call until Redis answers (it may be restarting), for at most `patience` seconds."""
    give_up = time.monotonic() + patience
    while True:
        try:
            return call()
        except REDIS_DOWN:
            if time.monotonic() >= give_up:
                raise
            time.sleep(1.0)


class _EventPublisher:
    """Events to the stream, in order; kept back while Redis is away, sent when it returns."""

    _BACKOFF_SECONDS = 1.0

    def __init__(self, channel: OperationChannel) -> None:
        self._channel = channel
        self._backlog: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._retry_at = 0.0

    def __call__(self, event: OperationEvent) -> None:
        with self._lock:
            self._backlog.append(encode_event(event))
            if time.monotonic() >= self._retry_at:
                self._flush()

    def _flush(self) -> bool:
        while self._backlog:
            try:
                self._channel.publish(self._backlog[0])
            except REDIS_DOWN:
                self._retry_at = time.monotonic() + self._BACKOFF_SECONDS
                return False
            self._backlog.pop(0)
        return True

    def close(self, patience: float) -> None:
        """Send what is kept back, waiting at most `patience` seconds for Redis."""
        give_up = time.monotonic() + patience
        with self._lock:
            while not self._flush() and time.monotonic() < give_up:
                time.sleep(self._BACKOFF_SECONDS)
            if self._backlog:
                log.warning("dropped %d event(s): Redis did not come back", len(self._backlog))


class _Supervisor:
    """While the operation runs: its heartbeat, and the caller's cancel turned into `cancel()`."""

    def __init__(self, channel: OperationChannel) -> None:
        self._channel = channel
        self._stopped = threading.Event()
        self._cancel: Callable[[], None] | None = None
        self._cancelled = False
        self._lock = threading.Lock()
        self._beat()
        self._thread = threading.Thread(target=self._run, name="jockey-task", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        # On failure the next beat tries again: the key outlives a short outage.
        with contextlib.suppress(*REDIS_DOWN):
            self._channel.heartbeat(HEARTBEAT_LIFETIME_SECONDS)

    def watch(self, cancel: Callable[[], None]) -> None:
        """Call `cancel` once when the caller cancels."""
        with self._lock:
            self._cancel = cancel

    def _run(self) -> None:
        next_beat = time.monotonic() + HEARTBEAT_SECONDS
        while not self._stopped.wait(CANCEL_POLL_SECONDS):
            if time.monotonic() >= next_beat:
                self._beat()
                next_beat = time.monotonic() + HEARTBEAT_SECONDS
            try:
                requested = not self._cancelled and self._channel.cancel_requested()
            except REDIS_DOWN:
                continue
            with self._lock:
                if requested and self._cancel is not None:
                    self._cancelled = True
                    self._cancel()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(5)


def _cancelled_before_start(request: OperationRequest) -> OperationResult:
    return OperationResult(
        tenant=request.tenant,
        environment=request.environment,
        stack=request.stack,
        operation=request.operation,
        ok=False,
        error="cancelled before it started",
        cancelled=True,
    )


def _spec_root() -> Path | None:
    root = os.environ.get("JOCKEY_SPEC_ROOT", "").strip()
    return Path(root).expanduser().resolve() if root else None


def _run(channel: OperationChannel, payload: dict[str, Any]) -> OperationResult | JockeyError:
    try:
        request = decode_request(payload, os.environ, _spec_root())
    except JockeyError as error:
        return error
    if _patiently(channel.cancel_requested):
        return _cancelled_before_start(request)
    log.info("%s %s: starting", request.stack, request.operation.value)
    publisher = _EventPublisher(channel)
    supervisor = _Supervisor(channel)
    try:
        handle = WorkerHandle(request, publisher)
        supervisor.watch(handle.cancel)
        try:
            return handle.wait(request.deadline)
        except JockeyError as error:
            return error
    finally:
        supervisor.stop()
        publisher.close(patience=OUTAGE_PATIENCE_SECONDS)


def run_queued_operation(
    payload: dict[str, Any], task_id: str, settings: RemoteSettings
) -> dict[str, Any]:
    """Run the task's operation (once, whatever the deliveries) and return its encoded outcome.

    Args:
        payload: the encoded request (`_codec.encode_request`).
        task_id: the Celery task id: the key of the operation's side channel.
        settings: the broker the side channel lives in.
    """
    channel = OperationChannel(_client(settings.broker_url), task_id, settings.result_ttl)
    earlier = _patiently(channel.stored_outcome)
    while earlier is None and not _patiently(lambda: channel.claim(HEARTBEAT_LIFETIME_SECONDS)):
        # Handed out again while the first run still goes on: wait for its outcome.
        time.sleep(1.0)
        earlier = _patiently(channel.stored_outcome)
    if earlier is not None:
        log.info("task %s: already ran; returning its outcome", task_id)
        _patiently(channel.end)
        return earlier
    outcome = encode_outcome(_run(channel, payload))
    _patiently(lambda: channel.store_outcome(outcome))
    _patiently(channel.end)
    _patiently(channel.clear_heartbeat)
    result = outcome.get("result") or {}
    log.info(
        "%s %s: %s",
        result.get("stack", task_id),
        result.get("operation", ""),
        "ok" if result.get("ok") else (result.get("error") or outcome.get("error")),
    )
    return outcome
