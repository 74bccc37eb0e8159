"""The Kubernetes half of the state machine: cluster objects in, a `KubernetesStatus` out.

A Deployment, its ReplicaSets, pods and events go in. Pure: the same objects always give the
same status, so it is tested without a cluster, and a watch recomputes it on every change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import Event, Pod

from automation.live._model import (
    KubernetesStatus,
    Phase,
    PodProblem,
    ReplicaCounts,
    RolloutState,
)

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
QUOTA_EXCEEDED = "QuotaExceeded"

BLOCKING_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "OOMKilled",
        "Error",
        QUOTA_EXCEEDED,
        "FailedCreate",
    }
)
"""Reasons a pod (or a ReplicaSet's pods) will not become ready by waiting."""


def _owned_by(labels: dict[str, str] | None, selector: dict[str, str]) -> bool:
    return bool(selector) and all((labels or {}).get(k) == v for k, v in selector.items())


def _selector(deployment: Deployment) -> dict[str, str]:
    spec = deployment.spec
    return dict(spec.selector.matchLabels or {}) if spec and spec.selector else {}


def current_replica_set(
    deployment: Deployment, replica_sets: Iterable[ReplicaSet]
) -> ReplicaSet | None:
    """The ReplicaSet of the Deployment's current revision (None before the controller acts)."""
    revision = (
        (deployment.metadata.annotations or {}).get(REVISION) if deployment.metadata else None
    )
    uid = deployment.metadata.uid if deployment.metadata else None
    for replica_set in replica_sets:
        meta = replica_set.metadata
        if meta is None or not any(ref.uid == uid for ref in meta.ownerReferences or []):
            continue
        if revision is not None and (meta.annotations or {}).get(REVISION) == revision:
            return replica_set
    return None


def rollout_state(deployment: Deployment) -> RolloutState:
    """The rollout's state (complete, progressing or failed), as `kubectl rollout status` says."""
    status = deployment.status
    desired = _desired(deployment)
    if status is None:
        return RolloutState.PROGRESSING
    for condition in status.conditions or []:
        if condition.type == "Progressing" and condition.status == "False":
            return RolloutState.FAILED
    generation = deployment.metadata.generation if deployment.metadata else None
    observed = status.observedGeneration or 0
    if generation is not None and observed < generation:
        return RolloutState.PROGRESSING
    updated = status.updatedReplicas or 0
    if (
        updated >= desired
        and (status.replicas or 0) <= updated
        and (status.availableReplicas or 0) >= desired
    ):
        return RolloutState.COMPLETE
    return RolloutState.PROGRESSING


def _desired(deployment: Deployment) -> int:
    spec = deployment.spec
    return 1 if spec is None or spec.replicas is None else spec.replicas


def _image(deployment: Deployment) -> str | None:
    spec = deployment.spec
    if spec is None or spec.template.spec is None or not spec.template.spec.containers:
        return None
    return spec.template.spec.containers[0].image


def _latest_warning(events: Sequence[Event], kind: str, name: str) -> Event | None:
    mine = [
        event
        for event in events
        if event.type == "Warning"
        and event.involvedObject.kind == kind
        and event.involvedObject.name == name
    ]
    if not mine:
        return None

    def when(event: Event) -> str:
        stamp = event.lastTimestamp or event.eventTime or event.firstTimestamp
        return stamp.isoformat() if stamp is not None else ""

    return max(mine, key=when)


def _is_ready(pod: Pod) -> bool:
    conditions = pod.status.conditions if pod.status else None
    return any(c.type == "Ready" and c.status == "True" for c in conditions or [])


def pod_problem(pod: Pod, events: Sequence[Event] = ()) -> PodProblem | None:
    """Why one pod is not ready (None when it is ready or on its way out)."""
    name = pod.metadata.name if pod.metadata and pod.metadata.name else "?"
    if (pod.metadata and pod.metadata.deletionTimestamp) or _is_ready(pod):
        return None
    status = pod.status
    for container in (status.containerStatuses if status else None) or []:
        state = container.state
        if state and state.waiting and state.waiting.reason not in (None, "ContainerCreating"):
            return PodProblem(name, state.waiting.reason or "", state.waiting.message or "")
        if state and state.terminated and state.terminated.reason:
            return PodProblem(name, state.terminated.reason, state.terminated.message or "")
    for condition in (status.conditions if status else None) or []:
        if condition.type == "PodScheduled" and condition.status == "False":
            return PodProblem(name, condition.reason or "Unschedulable", condition.message or "")
    warning = _latest_warning(events, "Pod", name)
    if warning is not None:
        return PodProblem(name, warning.reason or "NotReady", warning.message or "")
    if status is None or status.phase in (None, "Pending"):
        return PodProblem(name, "Pending", "waiting to be scheduled and started")
    for condition in status.conditions or []:
        if condition.type == "Ready" and condition.status != "True":
            return PodProblem(name, condition.reason or "NotReady", condition.message or "")
    return PodProblem(name, "NotReady")


def replica_set_problem(replica_set: ReplicaSet, events: Sequence[Event] = ()) -> PodProblem | None:
    """Why a ReplicaSet could not create its pods (quota exceeded, admission refused)."""
    name = (replica_set.metadata.name if replica_set.metadata else None) or "?"
    message = ""
    for condition in (replica_set.status.conditions if replica_set.status else None) or []:
        if condition.type == "ReplicaFailure" and condition.status == "True":
            message = condition.message or condition.reason or "FailedCreate"
    if not message:
        warning = _latest_warning(events, "ReplicaSet", name)
        if warning is None or warning.reason != "FailedCreate":
            return None
        message = warning.message or "FailedCreate"
    reason = QUOTA_EXCEEDED if "exceeded quota" in message else "FailedCreate"
    return PodProblem(f"replicaset/{name}", reason, message)


def kubernetes_status(
    namespace: str,
    name: str,
    deployment: Deployment | None,
    replica_sets: Sequence[ReplicaSet] = (),
    pods: Sequence[Pod] = (),
    events: Sequence[Event] = (),
) -> KubernetesStatus:
    """The Kubernetes block of a tenant's status, phase included.

    Args:
        namespace: the tenant namespace.
        name: the Deployment's name.
        deployment: the Deployment (None when it does not exist).
        replica_sets: the namespace's ReplicaSets.
        pods: the namespace's pods (those of the Deployment are picked by its selector).
        events: the namespace's events (for reasons the objects do not carry).
    """
    if deployment is None:
        return KubernetesStatus(phase=Phase.ABSENT, namespace=namespace, deployment=name)
    selector = _selector(deployment)
    mine = [pod for pod in pods if pod.metadata and _owned_by(pod.metadata.labels, selector)]
    current = current_replica_set(deployment, replica_sets)
    current_hash = (
        (current.metadata.labels or {}).get(TEMPLATE_HASH) if current and current.metadata else None
    )
    problems = [p for p in (pod_problem(pod, events) for pod in mine) if p is not None]
    if current is not None and (rs_problem := replica_set_problem(current, events)):
        problems.append(rs_problem)
    status = deployment.status
    counts = ReplicaCounts(
        desired=_desired(deployment),
        ready=(status.readyReplicas or 0) if status else 0,
        available=(status.availableReplicas or 0) if status else 0,
        updated=(status.updatedReplicas or 0) if status else 0,
    )
    restarts = sum(
        container.restartCount or 0
        for pod in mine
        for container in ((pod.status.containerStatuses if pod.status else None) or [])
    )
    rollout = rollout_state(deployment)
    current_problems = [
        problem
        for problem in problems
        if problem.pod.startswith("replicaset/")
        or current_hash is None
        or _pod_hash(mine, problem.pod) == current_hash
    ]
    phase = _phase(deployment, counts, rollout, current_problems, mine)
    return KubernetesStatus(
        phase=phase,
        namespace=namespace,
        deployment=name,
        image=_image(deployment),
        replicas=counts,
        restarts=restarts,
        rollout=rollout,
        problems=tuple(sorted(problems, key=lambda problem: problem.pod)),
    )


def _pod_hash(pods: Sequence[Pod], name: str) -> str | None:
    for pod in pods:
        if pod.metadata and pod.metadata.name == name:
            return (pod.metadata.labels or {}).get(TEMPLATE_HASH)
    return None


def _phase(
    deployment: Deployment,
    counts: ReplicaCounts,
    rollout: RolloutState,
    current_problems: Sequence[PodProblem],
    pods: Sequence[Pod],
) -> Phase:
    blocked = any(problem.reason in BLOCKING_REASONS for problem in current_problems)
    if rollout is RolloutState.FAILED:
        return Phase.FAILED
    if rollout is RolloutState.COMPLETE:
        if counts.ready >= counts.desired:
            return Phase.RUNNING
        return Phase.FAILED if counts.ready == 0 and blocked else Phase.DEGRADED
    if blocked:
        return Phase.FAILED
    generation = deployment.metadata.generation if deployment.metadata else None
    observed = deployment.status.observedGeneration if deployment.status else None
    if generation is not None and (observed or 0) < generation:
        # Not yet seen by the controller: a first rollout waits, a running one is changing.
        return Phase.PENDING if counts.ready == 0 else Phase.DEPLOYING
    scheduled = [
        pod
        for pod in pods
        if pod.spec is not None
        and pod.spec.nodeName
        and not (pod.metadata and pod.metadata.deletionTimestamp)
    ]
    if counts.ready == 0 and not scheduled:
        return Phase.PENDING
    return Phase.DEPLOYING


__all__ = [
    "BLOCKING_REASONS",
    "current_replica_set",
    "kubernetes_status",
    "pod_problem",
    "replica_set_problem",
    "rollout_state",
]
