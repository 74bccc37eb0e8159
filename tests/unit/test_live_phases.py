"""Rollout phases, read off an `up`'s own (SDK-free) event stream."""

from __future__ import annotations

from automation._events import EventKind, OperationEvent
from automation.live import RolloutPhase
from automation.live._phases import DEPLOYMENT_TYPE, FUNCTION_TYPE, IMAGE_TYPE, RolloutPhases

URN = "urn:pulumi:acme-dev::jockey::jockey:kubernetes:Agent$kubernetes:apps/v1:Deployment::d"
IMAGE_URN = "urn:pulumi:acme-dev::jockey::docker:index/image:Image::img"


def event(
    kind: EventKind,
    *,
    urn: str | None = None,
    resource_type: str | None = None,
    op: str | None = None,
    message: str | None = None,
    severity: str | None = None,
) -> OperationEvent:
    return OperationEvent(
        tenant="acme",
        stack="acme-dev",
        kind=kind,
        sequence=1,
        timestamp=1,
        urn=urn,
        resource_type=resource_type,
        op=op,
        message=message,
        severity=severity,
    )


def run(*events: OperationEvent) -> tuple[list[str | None], list[OperationEvent]]:
    published: list[OperationEvent] = []
    phases = RolloutPhases("acme", "acme-dev", published.append)
    for item in events:
        phases.observe(item)
    return [item.phase for item in published], published


def test_a_build_and_a_rollout_go_through_every_phase_once() -> None:
    names, published = run(
        event(EventKind.RESOURCE_PRE, urn=IMAGE_URN, resource_type=IMAGE_TYPE, op="create"),
        event(EventKind.DIAGNOSTIC, urn=IMAGE_URN, message="Pushing image to ECR", severity="info"),
        event(EventKind.RESOURCE_PRE, urn=URN, resource_type=DEPLOYMENT_TYPE, op="update"),
        event(
            EventKind.DIAGNOSTIC,
            urn=URN,
            message="[1/2] Waiting for app ReplicaSet",
            severity="info",
        ),
        event(EventKind.DIAGNOSTIC, urn=URN, message="[2/2] Waiting for pods", severity="info"),
        event(EventKind.RESOURCE_OUTPUTS, urn=URN, resource_type=DEPLOYMENT_TYPE, op="update"),
    )
    assert names == ["building", "pushing", "deploying", "awaiting-rollout", "running"]
    assert all(item.kind is EventKind.PHASE and item.tenant == "acme" for item in published)
    assert published[3].message == "[1/2] Waiting for app ReplicaSet"
    assert published[0].to_json()["phase"] == "building"


def test_an_unchanged_deployment_reports_no_rollout() -> None:
    names, _ = run(
        event(EventKind.RESOURCE_PRE, urn=URN, resource_type=DEPLOYMENT_TYPE, op="same"),
        event(EventKind.RESOURCE_OUTPUTS, urn=URN, resource_type=DEPLOYMENT_TYPE, op="same"),
    )
    assert names == []


def test_a_lambda_update_is_deploying() -> None:
    names, _ = run(
        event(EventKind.RESOURCE_PRE, urn="urn:f", resource_type=FUNCTION_TYPE, op="update")
    )
    assert names == ["deploying"]


def test_failed_repeats_but_other_phases_do_not() -> None:
    published: list[OperationEvent] = []
    phases = RolloutPhases("acme", "acme-dev", published.append)
    for phase in (
        RolloutPhase.RUNNING,
        RolloutPhase.RUNNING,
        RolloutPhase.FAILED,
        RolloutPhase.FAILED,
    ):
        phases.reach(phase, "x")
    assert [item.phase for item in published] == ["running", "failed", "failed"]
