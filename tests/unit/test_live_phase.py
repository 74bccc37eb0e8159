"""The live state machine: Kubernetes objects (as the API returns them) in, phase out."""

from __future__ import annotations

from typing import Any

import pytest
from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import Event, Pod

from automation.live import Phase, RolloutState
from automation.live._kube_phase import kubernetes_status
from automation.live._status import tenant_phase

NS, NAME, UID = "acme-dev", "support-bot", "dep-uid"
SELECTOR = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": NS}
IMAGE = "ghcr.io/jockey-dev/echo-agent@sha256:" + "ab" * 32


def deployment(
    *,
    desired: int = 2,
    ready: int = 2,
    available: int = 2,
    updated: int = 2,
    total: int | None = None,
    generation: int = 1,
    observed: int = 1,
    revision: str = "1",
    progressing: tuple[str, str] = ("True", "NewReplicaSetAvailable"),
) -> Deployment:
    return Deployment.from_dict(  # type: ignore[return-value]
        {
            "metadata": {
                "name": NAME,
                "namespace": NS,
                "uid": UID,
                "generation": generation,
                "annotations": {"deployment.kubernetes.io/revision": revision},
            },
            "spec": {
                "replicas": desired,
                "selector": {"matchLabels": SELECTOR},
                "template": {
                    "metadata": {"labels": SELECTOR},
                    "spec": {"containers": [{"name": "agent", "image": IMAGE}]},
                },
            },
            "status": {
                "observedGeneration": observed,
                "replicas": desired if total is None else total,
                "readyReplicas": ready,
                "availableReplicas": available,
                "updatedReplicas": updated,
                "conditions": [
                    {"type": "Progressing", "status": progressing[0], "reason": progressing[1]}
                ],
            },
        }
    )


def replica_set(revision: str, template_hash: str, failure: str | None = None) -> ReplicaSet:
    conditions = (
        [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": failure}]
        if failure
        else []
    )
    return ReplicaSet.from_dict(  # type: ignore[return-value]
        {
            "metadata": {
                "name": f"{NAME}-{template_hash}",
                "namespace": NS,
                "labels": {**SELECTOR, "pod-template-hash": template_hash},
                "annotations": {"deployment.kubernetes.io/revision": revision},
                "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "Deployment", "name": NAME, "uid": UID}
                ],
            },
            "spec": {"selector": {"matchLabels": SELECTOR}},
            "status": {"replicas": 0, "conditions": conditions},
        }
    )


def pod(
    name: str,
    template_hash: str = "aaa",
    *,
    ready: bool = True,
    waiting: tuple[str, str] | None = None,
    restarts: int = 0,
    node: str | None = "kwok-node-0",
    unschedulable: str | None = None,
) -> Pod:
    state: dict[str, Any] = (
        {"running": {}}
        if waiting is None
        else {"waiting": {"reason": waiting[0], "message": waiting[1]}}
    )
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if unschedulable:
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": unschedulable,
            }
        )
    return Pod.from_dict(  # type: ignore[return-value]
        {
            "metadata": {
                "name": name,
                "namespace": NS,
                "labels": {**SELECTOR, "pod-template-hash": template_hash},
            },
            "spec": {"containers": [{"name": "agent", "image": IMAGE}], "nodeName": node},
            "status": {
                "phase": "Running" if node else "Pending",
                "conditions": conditions,
                "containerStatuses": [
                    {
                        "name": "agent",
                        "image": IMAGE,
                        "imageID": "",
                        "ready": ready,
                        "restartCount": restarts,
                        "state": state,
                    }
                ]
                if node
                else [],
            },
        }
    )


def test_no_deployment_is_absent() -> None:
    status = kubernetes_status(NS, NAME, None)
    assert status.phase is Phase.ABSENT and status.image is None
    assert status.to_json()["replicas"] == {"desired": 0, "ready": 0, "available": 0, "updated": 0}


def test_a_rolled_out_deployment_with_every_replica_ready_is_running() -> None:
    pods = [pod("a"), pod("b", restarts=2)]
    status = kubernetes_status(NS, NAME, deployment(), [replica_set("1", "aaa")], pods)
    assert status.phase is Phase.RUNNING
    assert status.rollout is RolloutState.COMPLETE
    assert status.image == IMAGE
    assert status.restarts == 2
    assert status.problems == ()


def test_a_deployment_the_controller_has_not_seen_is_pending() -> None:
    status = kubernetes_status(NS, NAME, deployment(generation=2, observed=1, ready=0, updated=0))
    assert status.phase is Phase.PENDING
    assert status.rollout is RolloutState.PROGRESSING


def test_a_first_rollout_with_unscheduled_pods_is_pending_with_the_reason() -> None:
    pods = [pod("a", ready=False, node=None, unschedulable="0/1 nodes are available")]
    status = kubernetes_status(
        NS, NAME, deployment(ready=0, available=0, updated=2), [replica_set("1", "aaa")], pods
    )
    assert status.phase is Phase.PENDING
    assert [(p.pod, p.reason) for p in status.problems] == [("a", "Unschedulable")]


def test_a_new_generation_of_a_serving_deployment_is_deploying_at_once() -> None:
    status = kubernetes_status(NS, NAME, deployment(generation=2, observed=1))
    assert status.phase is Phase.DEPLOYING


def test_a_rollout_in_progress_is_deploying() -> None:
    replica_sets = [replica_set("1", "old"), replica_set("2", "new")]
    pods = [pod("a", "old"), pod("b", "old"), pod("c", "new", ready=False)]
    status = kubernetes_status(
        NS, NAME, deployment(updated=1, total=3, revision="2"), replica_sets, pods
    )
    assert status.phase is Phase.DEPLOYING
    assert status.rollout is RolloutState.PROGRESSING
    assert status.replicas.ready == 2 and status.replicas.updated == 1


def test_new_pods_in_a_crash_loop_fail_the_rollout_while_old_ones_serve() -> None:
    replica_sets = [replica_set("1", "old"), replica_set("2", "new")]
    crash = ("CrashLoopBackOff", "back-off 10s restarting failed container")
    pods = [
        pod("a", "old"),
        pod("b", "old"),
        pod("c", "new", ready=False, waiting=crash, restarts=3),
    ]
    status = kubernetes_status(
        NS, NAME, deployment(updated=1, total=3, revision="2"), replica_sets, pods
    )
    assert status.phase is Phase.FAILED
    assert status.restarts == 3
    assert status.problems[0].reason == "CrashLoopBackOff"
    assert "c: CrashLoopBackOff (back-off 10s" in status.problems[0].describe()


def test_an_old_pods_trouble_does_not_fail_the_new_rollout() -> None:
    replica_sets = [replica_set("1", "old"), replica_set("2", "new")]
    pods = [pod("a", "old", ready=False, waiting=("CrashLoopBackOff", "")), pod("c", "new")]
    status = kubernetes_status(
        NS, NAME, deployment(updated=1, total=2, ready=1, revision="2"), replica_sets, pods
    )
    assert status.phase is Phase.DEPLOYING


def test_quota_exceeded_on_the_current_replica_set_fails_with_that_reason() -> None:
    message = 'pods "x" is forbidden: exceeded quota: support-bot-quota, requested: pods=1'
    replica_sets = [replica_set("1", "old"), replica_set("2", "new", failure=message)]
    status = kubernetes_status(
        NS, NAME, deployment(updated=0, revision="2"), replica_sets, [pod("a", "old")]
    )
    assert status.phase is Phase.FAILED
    assert status.problems[-1].reason == "QuotaExceeded"
    assert status.problems[-1].pod == f"replicaset/{NAME}-new"


def test_a_failed_create_event_is_reported_when_the_condition_is_not_there_yet() -> None:
    event: Event = Event.from_dict(  # type: ignore[assignment]
        {
            "metadata": {"name": "e1", "namespace": NS},
            "involvedObject": {"kind": "ReplicaSet", "name": f"{NAME}-new"},
            "type": "Warning",
            "reason": "FailedCreate",
            "message": "Error creating: pods is forbidden: exceeded quota: q",
        }
    )
    replica_sets = [replica_set("2", "new")]
    status = kubernetes_status(
        NS,
        NAME,
        deployment(ready=0, available=0, updated=0, revision="2"),
        replica_sets,
        [],
        [event],
    )
    assert status.phase is Phase.FAILED
    assert status.problems[0].reason == "QuotaExceeded"


def test_a_passed_progress_deadline_is_failed() -> None:
    status = kubernetes_status(
        NS, NAME, deployment(updated=1, progressing=("False", "ProgressDeadlineExceeded"))
    )
    assert status.phase is Phase.FAILED and status.rollout is RolloutState.FAILED


def test_a_rolled_out_deployment_short_of_ready_pods_is_degraded() -> None:
    pods = [pod("a"), pod("b", ready=False, waiting=("CrashLoopBackOff", ""), restarts=5)]
    status = kubernetes_status(
        NS, NAME, deployment(ready=1, available=2), [replica_set("1", "aaa")], pods
    )
    assert status.phase is Phase.DEGRADED
    assert status.problems[0].pod == "b"


def test_every_pod_crashing_after_a_rollout_is_failed() -> None:
    pods = [pod("a", ready=False, waiting=("CrashLoopBackOff", ""))]
    status = kubernetes_status(
        NS,
        NAME,
        deployment(desired=1, ready=0, available=1, updated=1),
        [replica_set("1", "aaa")],
        pods,
    )
    assert status.phase is Phase.FAILED


def test_other_workloads_pods_are_ignored() -> None:
    stranger: Pod = Pod.from_dict(  # type: ignore[assignment]
        {"metadata": {"name": "other", "labels": {"app": "x"}}, "status": {"phase": "Pending"}}
    )
    status = kubernetes_status(NS, NAME, deployment(), [replica_set("1", "aaa")], [stranger])
    assert status.phase is Phase.RUNNING and status.problems == ()


@pytest.mark.parametrize(
    ("targets", "exists", "expected"),
    [
        ([], False, Phase.ABSENT),
        ([], True, Phase.RUNNING),
        ([Phase.ABSENT], True, Phase.ABSENT),
        ([Phase.RENDERED], True, Phase.RENDERED),
        ([Phase.RENDERED, Phase.RUNNING], True, Phase.RUNNING),
        ([Phase.RUNNING, Phase.ABSENT], True, Phase.PENDING),
        ([Phase.RUNNING, Phase.DEGRADED], True, Phase.DEGRADED),
        ([Phase.DEPLOYING, Phase.FAILED], True, Phase.FAILED),
        ([Phase.PENDING, Phase.DEPLOYING], True, Phase.DEPLOYING),
    ],
)
def test_the_tenant_takes_the_worst_of_its_targets(
    targets: list[Phase], exists: bool, expected: Phase
) -> None:
    assert tenant_phase(targets, exists) is expected


def test_healthy_and_settled_phases() -> None:
    assert {p for p in Phase if p.healthy} == {Phase.RUNNING, Phase.RENDERED}
    assert {p for p in Phase if p.settled} == {Phase.RUNNING, Phase.RENDERED, Phase.FAILED}
