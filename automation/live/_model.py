"""What live status reports: phases, the Kubernetes and Lambda blocks, the last operation.

Plain frozen dataclasses (no client library types): they cross process boundaries, print as
JSON lines (`to_json`) and compare by value, so a watch reports only what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    """Where a tenant (or one of its targets) is in its life.

    `absent` nothing deployed; `pending` accepted but nothing rolling yet (unscheduled pods,
    a function being created); `deploying` a rollout in progress; `running` every desired
    replica ready on the current configuration; `degraded` rolled out but short of ready
    replicas (or a Lambda without its `live` alias); `failed` the rollout cannot finish
    (crash loops, image pulls, quota, a passed progress deadline) or a failed function;
    `rendered` a render-mode tenant (manifests only, no cluster to ask).
    """

    ABSENT = "absent"
    PENDING = "pending"
    DEPLOYING = "deploying"
    RUNNING = "running"
    DEGRADED = "degraded"
    FAILED = "failed"
    RENDERED = "rendered"

    @property
    def healthy(self) -> bool:
        """`running` or `rendered`: what `jockey status` exits 0 on."""
        return self in (Phase.RUNNING, Phase.RENDERED)

    @property
    def settled(self) -> bool:
        """A phase a watch stops at: `running`, `rendered` or `failed`."""
        return self in (Phase.RUNNING, Phase.RENDERED, Phase.FAILED)


class RolloutState(StrEnum):
    """The Deployment's rollout, from its conditions and replica counts."""

    COMPLETE = "complete"
    PROGRESSING = "progressing"
    FAILED = "failed"


@dataclass(frozen=True)
class ReplicaCounts:
    """Replica counts of a Deployment (`desired` is its spec, the rest its status)."""

    desired: int = 0
    ready: int = 0
    available: int = 0
    updated: int = 0

    def to_json(self) -> dict[str, int]:
        """`{desired, ready, available, updated}`."""
        return {
            "desired": self.desired,
            "ready": self.ready,
            "available": self.available,
            "updated": self.updated,
        }


@dataclass(frozen=True)
class PodProblem:
    """Why a pod (or the pods a ReplicaSet could not create) is not ready.

    Attributes:
        pod: the pod's name, or `replicaset/<name>` for pods that were never created.
        reason: a short reason: CrashLoopBackOff, ImagePullBackOff, Unschedulable,
            QuotaExceeded, NotReady, ...
        message: the cluster's own message, when it gave one.
    """

    pod: str
    reason: str
    message: str = ""

    def to_json(self) -> dict[str, str]:
        """`{pod, reason, message}`."""
        return {"pod": self.pod, "reason": self.reason, "message": self.message}

    def describe(self) -> str:
        """`<pod>: <reason> (<message>)`."""
        return f"{self.pod}: {self.reason}" + (f" ({self.message})" if self.message else "")


@dataclass(frozen=True)
class KubernetesStatus:
    """The tenant's Deployment as the live cluster reports it.

    Attributes:
        phase: the Kubernetes target's phase.
        namespace: the tenant namespace.
        deployment: the Deployment's name.
        image: the image of the Deployment's agent container (its current template).
        replicas: desired, ready, available and updated replicas.
        restarts: container restarts summed over the agent's pods.
        rollout: complete, progressing or failed.
        problems: why pods are not ready, one entry per pod (or ReplicaSet).
    """

    phase: Phase
    namespace: str
    deployment: str
    image: str | None = None
    replicas: ReplicaCounts = field(default_factory=ReplicaCounts)
    restarts: int = 0
    rollout: RolloutState | None = None
    problems: tuple[PodProblem, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The status line's `kubernetes` block."""
        return {
            "phase": self.phase.value,
            "namespace": self.namespace,
            "deployment": self.deployment,
            "image": self.image,
            "replicas": self.replicas.to_json(),
            "restarts": self.restarts,
            "rollout": self.rollout.value if self.rollout else None,
            "notReady": [problem.to_json() for problem in self.problems],
        }


@dataclass(frozen=True)
class LambdaStatus:
    """The tenant's Lambda function as AWS reports it.

    Attributes:
        phase: the Lambda target's phase.
        function: the function's name (None when the stack names none yet).
        state: Pending, Active, Inactive or Failed (None when the function is absent).
        last_update_status: InProgress, Successful or Failed.
        live_version: the version the `live` alias points at (None without the alias).
        reason: AWS's reason when the state or the last update failed.
    """

    phase: Phase
    function: str | None
    state: str | None = None
    last_update_status: str | None = None
    live_version: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The status line's `lambda` block."""
        return {
            "phase": self.phase.value,
            "function": self.function,
            "state": self.state,
            "lastUpdateStatus": self.last_update_status,
            "liveVersion": self.live_version,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class LastOperation:
    """The newest entry of the stack's history."""

    operation: str
    result: str
    started: str | None = None
    ended: str | None = None

    def to_json(self) -> dict[str, Any]:
        """`{operation, result, started, ended}`."""
        return {
            "operation": self.operation,
            "result": self.result,
            "started": self.started,
            "ended": self.ended,
        }


@dataclass(frozen=True)
class TenantStatus:
    """One tenant's live status: what `jockey status` prints and `automation.status` returns.

    Attributes:
        tenant: the tenant id.
        environment: its environment.
        stack: `<tenant>-<environment>`.
        phase: the tenant's phase (the worst of its targets').
        kubernetes: the Kubernetes block (None when the target is off or renders YAML).
        lambda_: the Lambda block (None when the target is off).
        last_operation: the stack's newest history entry (None for a stack never updated).
        time: when this was observed (epoch seconds).
    """

    tenant: str
    environment: str
    stack: str
    phase: Phase
    kubernetes: KubernetesStatus | None = None
    lambda_: LambdaStatus | None = None
    last_operation: LastOperation | None = None
    time: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON-lines object (`"kind": "status"`)."""
        return {
            "kind": "status",
            "tenant": self.tenant,
            "environment": self.environment,
            "stack": self.stack,
            "phase": self.phase.value,
            "kubernetes": self.kubernetes.to_json() if self.kubernetes else None,
            "lambda": self.lambda_.to_json() if self.lambda_ else None,
            "lastOperation": self.last_operation.to_json() if self.last_operation else None,
            "time": round(self.time, 3),
        }


@dataclass(frozen=True)
class LogLine:
    """One line of the agent's output.

    Attributes:
        source: `pod/<name>` or `lambda/<log stream>`.
        text: the line, without its trailing newline.
        timestamp: when it was written (RFC 3339), when the source says.
    """

    source: str
    text: str
    timestamp: str | None = None

    def to_json(self) -> dict[str, Any]:
        """`{"kind": "log", source, time, text}`."""
        return {"kind": "log", "source": self.source, "time": self.timestamp, "text": self.text}

    def render(self) -> str:
        """`<source> | <text>`: the plain-text form, prefixed by the pod name."""
        return f"{self.source} | {self.text}"


__all__ = [
    "KubernetesStatus",
    "LambdaStatus",
    "LastOperation",
    "LogLine",
    "Phase",
    "PodProblem",
    "ReplicaCounts",
    "RolloutState",
    "TenantStatus",
]
