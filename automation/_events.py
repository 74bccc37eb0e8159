"""Operation events as they happen, delivered to a caller's callback without blocking the engine.

Events are plain, SDK-free dataclasses: they cross from the worker process to the caller, and
the caller never loads the Pulumi SDK to read them (the worker classifies the engine's events,
see `automation._engine_events`).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

log = logging.getLogger("jockey.events")


class EventKind(StrEnum):
    """What an event reports."""

    PRELUDE = "prelude"
    RESOURCE_PRE = "resource-pre"
    RESOURCE_OUTPUTS = "resource-outputs"
    RESOURCE_FAILED = "resource-failed"
    DIAGNOSTIC = "diagnostic"
    SUMMARY = "summary"
    CANCEL = "cancel"
    PHASE = "phase"
    OTHER = "other"


@dataclass(frozen=True)
class OperationEvent:
    """One event of a tenant operation (an engine event, or a phase Jockey reports).

    Attributes:
        tenant: the tenant id.
        stack: the tenant's stack.
        kind: what the event reports.
        sequence: the engine's sequence number.
        timestamp: seconds since the epoch, from the engine.
        urn: the resource, for resource events.
        resource_type: the resource type token, for resource events.
        op: the step (create, update, same, ...), for resource events.
        message: diagnostic text (already free of secret plaintext: `show_secrets` is off).
        severity: diagnostic severity.
        phase: for `phase` events, the rollout phase reached (building, pushing, deploying,
            awaiting-rollout, running, failed, rolling-back, rolled-back); `message` has
            the detail.
    """

    tenant: str
    stack: str
    kind: EventKind
    sequence: int
    timestamp: int
    urn: str | None = None
    resource_type: str | None = None
    op: str | None = None
    message: str | None = None
    severity: str | None = None
    phase: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON-lines object for this event (`"kind": "event"`)."""
        return {
            "kind": "event",
            "tenant": self.tenant,
            "stack": self.stack,
            "time": self.timestamp,
            "sequence": self.sequence,
            "type": self.kind.value,
            "urn": self.urn,
            "resourceType": self.resource_type,
            "op": self.op,
            "severity": self.severity,
            "message": self.message,
            "phase": self.phase,
        }


EventCallback = Callable[[OperationEvent], Any]
"""A caller's event callback; its return value is ignored."""


class EventDispatcher:
    """Hands events to a callback on its own thread.

    `publish` never blocks and never raises: a slow callback only lets the queue grow, a
    raising one is logged and skipped. `close` waits at most `drain_timeout` seconds.
    """

    _STOP = object()

    def __init__(self, callback: EventCallback | None, drain_timeout: float = 2.0) -> None:
        self._callback = callback
        self._drain_timeout = drain_timeout
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        if callback is not None:
            self._thread = threading.Thread(target=self._deliver, name="jockey-events", daemon=True)
            self._thread.start()

    def publish(self, event: OperationEvent) -> None:
        """Queue an event for the callback."""
        if self._thread is not None:
            self._queue.put(event)

    def close(self) -> None:
        """Stop after delivering what is queued, waiting at most the drain timeout."""
        if self._thread is not None:
            self._queue.put(self._STOP)
            self._thread.join(self._drain_timeout)

    def _deliver(self) -> None:
        assert self._callback is not None
        while True:
            item = self._queue.get()
            if item is self._STOP:
                return
            try:
                self._callback(item)  # type: ignore[arg-type]
            except Exception:
                log.exception("event callback raised; the operation goes on")
