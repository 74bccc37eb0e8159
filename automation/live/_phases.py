"""Rollout phases of an `up`, read off the operation's own event stream.

`RolloutPhases` watches the (SDK-free) operation events as the worker publishes them and
publishes a `phase` event whenever the tenant reaches the next phase: building and pushing
the image, deploying the Deployment or the Lambda function, awaiting the rollout, running or
failed. The rollback (`automation.live._rollback`) adds rolling-back and rolled-back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from automation._events import EventKind, OperationEvent

DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"
FUNCTION_TYPE = "aws:lambda/function:Function"
IMAGE_TYPE = "docker:index/image:Image"
_CHANGING_OPS = frozenset({"create", "update", "replace", "create-replacement"})


class RolloutPhase(StrEnum):
    """A phase of an `up`, in the order they happen."""

    BUILDING = "building"
    PUSHING = "pushing"
    DEPLOYING = "deploying"
    AWAITING_ROLLOUT = "awaiting-rollout"
    RUNNING = "running"
    FAILED = "failed"
    ROLLING_BACK = "rolling-back"
    ROLLED_BACK = "rolled-back"


def phase_event(tenant: str, stack: str, phase: RolloutPhase, detail: str) -> OperationEvent:
    """An `OperationEvent` of kind `phase` (time now, no engine sequence number)."""
    return OperationEvent(
        tenant=tenant,
        stack=stack,
        kind=EventKind.PHASE,
        sequence=-1,
        timestamp=int(time.time()),
        phase=phase.value,
        message=detail,
    )


def _name(urn: str | None) -> str:
    return (urn or "").rsplit("::", 1)[-1]


class RolloutPhases:
    """Turns an `up`'s operation events into phase events, each phase at most once.

    Args:
        tenant: the tenant id.
        stack: the tenant's stack.
        publish: where phase events go (the operation's event stream).
    """

    def __init__(self, tenant: str, stack: str, publish: Callable[[OperationEvent], None]) -> None:
        self._tenant = tenant
        self._stack = stack
        self._publish = publish
        self.reached: list[RolloutPhase] = []
        self._deployment_urn: str | None = None

    def reach(self, phase: RolloutPhase, detail: str) -> None:
        """Publish `phase` unless it was already reached (terminal phases always publish)."""
        if phase in self.reached and phase is not RolloutPhase.FAILED:
            return
        self.reached.append(phase)
        self._publish(phase_event(self._tenant, self._stack, phase, detail))

    def observe(self, event: OperationEvent) -> None:
        """Advance on one operation event (phase events themselves are ignored)."""
        kind, kind_of = event.kind, event.resource_type
        if kind is EventKind.RESOURCE_PRE and event.op in _CHANGING_OPS:
            if kind_of == IMAGE_TYPE:
                self.reach(RolloutPhase.BUILDING, f"building {_name(event.urn)}")
            elif kind_of == DEPLOYMENT_TYPE:
                self._deployment_urn = event.urn
                self.reach(RolloutPhase.DEPLOYING, f"{event.op} Deployment {_name(event.urn)}")
            elif kind_of == FUNCTION_TYPE:
                self.reach(RolloutPhase.DEPLOYING, f"{event.op} Lambda {_name(event.urn)}")
        elif kind is EventKind.DIAGNOSTIC and event.urn:
            message = (event.message or "").strip()
            if event.urn == self._deployment_urn and event.severity != "error":
                detail = message.splitlines()[-1] if message else ""
                self.reach(
                    RolloutPhase.AWAITING_ROLLOUT, detail or "waiting for the pods to be ready"
                )
            elif "push" in message.lower() and RolloutPhase.BUILDING in self.reached:
                self.reach(RolloutPhase.PUSHING, message.splitlines()[-1])
        elif kind is EventKind.RESOURCE_OUTPUTS and event.urn == self._deployment_urn:
            self.reach(RolloutPhase.RUNNING, f"Deployment {_name(event.urn)} rolled out")


__all__ = ["RolloutPhase", "RolloutPhases", "phase_event"]
