"""The Automation API's engine events, classified into Jockey's SDK-free `OperationEvent`s.

Runs in the worker process only (it reads the SDK's event objects); the caller receives the
plain events this produces.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from automation._diff import step_op
from automation._events import EventKind, OperationEvent
from automation._request import OperationRequest

if TYPE_CHECKING:
    from pulumi.automation import events as engine_events


def to_operation_event(tenant: str, stack: str, event: engine_events.EngineEvent) -> OperationEvent:
    """Classify one engine event."""
    base: dict[str, Any] = {
        "tenant": tenant,
        "stack": stack,
        "sequence": event.sequence,
        "timestamp": event.timestamp,
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
                kind=kind, urn=meta.urn, resource_type=meta.type, op=step_op(meta.op), **base
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


def retry_event(request: OperationRequest, attempt: int, reason: str) -> OperationEvent:
    """The event of an engine run started again (the API server came back after an outage)."""
    return OperationEvent(
        tenant=request.tenant,
        stack=request.stack,
        kind=EventKind.DIAGNOSTIC,
        sequence=-1,
        timestamp=int(time.time()),
        severity="info",
        message=f"attempt {attempt}: {reason}",
    )


__all__ = ["retry_event", "to_operation_event"]
