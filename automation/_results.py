"""Typed, frozen results of tenant operations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from automation._diff import ResourceDiff
from infra.spec import REDACTED


class Operation(StrEnum):
    """A tenant operation."""

    PREVIEW = "preview"
    UP = "up"
    DESTROY = "destroy"
    REFRESH = "refresh"

    @property
    def changes_state(self) -> bool:
        """Whether the operation writes the tenant's stack (everything but a preview)."""
        return self is not Operation.PREVIEW


@dataclass(frozen=True)
class ChangeCounts:
    """Resource changes by kind, from the engine's summary event."""

    create: int = 0
    update: int = 0
    replace: int = 0
    delete: int = 0
    same: int = 0

    @classmethod
    def from_summary(cls, resource_changes: Mapping[str, int]) -> ChangeCounts:
        """Fold the engine's op counts (create, update, replace, create-replacement, ...)."""
        get = resource_changes.get
        return cls(
            create=get("create", 0),
            update=get("update", 0),
            # The engine counts a replacement once as `replace` (its create-replacement and
            # delete-replaced steps are not separate summary entries).
            replace=get("replace", 0),
            delete=get("delete", 0),
            same=get("same", 0),
        )

    @property
    def total_changes(self) -> int:
        """Everything except `same`."""
        return self.create + self.update + self.replace + self.delete

    def as_dict(self) -> dict[str, int]:
        """The JSON shape: create, update, replace, delete, same."""
        return {
            "create": self.create,
            "update": self.update,
            "replace": self.replace,
            "delete": self.delete,
            "same": self.same,
        }


@dataclass(frozen=True)
class OperationResult:
    """The outcome of one tenant operation.

    Attributes:
        tenant: tenant id.
        environment: dev, staging or prod.
        stack: `<tenant>-<environment>`.
        operation: what ran.
        ok: whether it succeeded.
        changes: counts by kind from the engine's summary event.
        resources: the resources that change (or would), each with its property-level
            diff, riskiest op first: the same model the pull-request report shows.
        outputs: stack outputs, secret values replaced by `[secret]`.
        diagnostics: the engine's error and warning messages, each once.
        duration_seconds: wall-clock time of the operation.
        error: the error message when not ok.
        cancelled: the operation was interrupted by a signal or its deadline.
        repaired: a crashed earlier operation was repaired first (what was done).
        busy: the operation did not run because another held the stack.
        rolled_back: a failed `up` was put back to the last good configuration.
        log_file: where the engine's full output of a failed operation was kept.
        attempts: engine runs it took (more than one when the cluster's API server went away
            and came back).
    """

    tenant: str
    environment: str
    stack: str
    operation: Operation
    ok: bool
    changes: ChangeCounts = field(default_factory=ChangeCounts)
    resources: tuple[ResourceDiff, ...] = ()
    outputs: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: tuple[str, ...] = ()
    duration_seconds: float = 0.0
    error: str | None = None
    cancelled: bool = False
    repaired: tuple[str, ...] = ()
    busy: bool = False
    rolled_back: bool = False
    log_file: str | None = None
    attempts: int = 1

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON-lines object for this result (`"kind": "result"`)."""
        body: dict[str, Any] = {
            "kind": "result",
            "tenant": self.tenant,
            "environment": self.environment,
            "stack": self.stack,
            "operation": self.operation.value,
            "ok": self.ok,
            "changes": self.changes.as_dict(),
            "outputs": dict(self.outputs),
            "durationSeconds": round(self.duration_seconds, 3),
            "error": self.error,
            "cancelled": self.cancelled,
            "resources": [resource.to_json() for resource in self.resources],
            "diagnostics": list(self.diagnostics),
            "logFile": self.log_file,
            "attempts": self.attempts,
        }
        if self.operation is Operation.UP:
            body["rolledBack"] = self.rolled_back
        return body


@dataclass(frozen=True)
class StackStatus:
    """What `status` reports about a tenant's stack."""

    stack: str
    exists: bool
    resource_count: int | None = None
    last_operation: str | None = None
    last_result: str | None = None
    last_started: str | None = None
    last_ended: str | None = None
    pending_operations: int = 0
    engine_locked: bool = False
    lease_holder: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON shape (camelCase keys)."""
        return {
            "stack": self.stack,
            "exists": self.exists,
            "resourceCount": self.resource_count,
            "lastOperation": self.last_operation,
            "lastResult": self.last_result,
            "lastStarted": self.last_started,
            "lastEnded": self.last_ended,
            "pendingOperations": self.pending_operations,
            "engineLocked": self.engine_locked,
            "leaseHolder": self.lease_holder,
        }


@dataclass(frozen=True)
class StackSummary:
    """One tenant stack in the backend."""

    stack: str
    resource_count: int | None
    last_update: str | None
    update_in_progress: bool

    def to_json(self) -> dict[str, Any]:
        """JSON shape (camelCase keys)."""
        return {
            "stack": self.stack,
            "resourceCount": self.resource_count,
            "lastUpdate": self.last_update,
            "updateInProgress": self.update_in_progress,
        }


class _OutputValue(Protocol):
    value: Any
    secret: bool


def redact_outputs(outputs: Mapping[str, _OutputValue]) -> dict[str, Any]:
    """Stack outputs (the Automation API's `OutputMap`) with secret values as `[secret]`."""
    return {
        name: REDACTED if output.secret else output.value
        for name, output in sorted(outputs.items())
    }
