"""Engine events as they happen, delivered to a caller's callback without blocking the engine."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi.automation import events as engine_events

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
    OTHER = "other"


@dataclass(frozen=True)
class OperationEvent:
    """One engine event of a tenant operation.

    Attributes:
        stack: the tenant's stack.
        kind: what the event reports.
        sequence: the engine's sequence number.
        timestamp: seconds since the epoch, from the engine.
        urn: the resource, for resource events.
        resource_type: the resource type token, for resource events.
        op: the step (create, update, same, ...), for resource events.
        message: diagnostic text (already free of secret plaintext: `show_secrets` is off).
        severity: diagnostic severity.
        engine_event: the Automation API's typed event, for callers who need every field.
    """

    stack: str
    kind: EventKind
    sequence: int
    timestamp: int
    urn: str | None = None
    resource_type: str | None = None
    op: str | None = None
    message: str | None = None
    severity: str | None = None
    engine_event: engine_events.EngineEvent | None = None


EventCallback = Callable[[OperationEvent], Any]
"""A caller's event callback; its return value is ignored."""


def _op_name(op: object) -> str:
    return str(getattr(op, "value", op))


def to_operation_event(stack: str, event: engine_events.EngineEvent) -> OperationEvent:
    """Classify an Automation API engine event."""
    base: dict[str, Any] = {
        "stack": stack,
        "sequence": event.sequence,
        "timestamp": event.timestamp,
        "engine_event": event,
    }
    resource_events = (
        (event.resource_pre_event, EventKind.RESOURCE_PRE),
        (event.res_outputs_event, EventKind.RESOURCE_OUTPUTS),
        (event.res_op_failed_event, EventKind.RESOURCE_FAILED),
    )
    for payload, kind in resource_events:
        if payload is not None:
            meta = payload.metadata
            return OperationEvent(
                kind=kind, urn=meta.urn, resource_type=meta.type, op=_op_name(meta.op), **base
            )
    if event.diagnostic_event is not None:
        diag = event.diagnostic_event
        return OperationEvent(
            kind=EventKind.DIAGNOSTIC,
            urn=diag.urn,
            message=diag.message,
            severity=diag.severity,
            **base,
        )
    markers = (
        (event.summary_event, EventKind.SUMMARY),
        (event.prelude_event, EventKind.PRELUDE),
        (event.cancel_event, EventKind.CANCEL),
    )
    kind = next((kind for payload, kind in markers if payload is not None), EventKind.OTHER)
    return OperationEvent(kind=kind, **base)


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
