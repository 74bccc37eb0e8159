"""Replica management: the HorizontalPodAutoscaler and the PodDisruptionBudget."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from infra.components.kubernetes._labels import selector_labels
from infra.spec import AutoscalingSpec, DeploymentSpec, DisruptionBudgetSpec

hpa = k8s.autoscaling.v2
meta = k8s.meta.v1


def autoscaler_spec(
    autoscaling: AutoscalingSpec, deployment: pulumi.Input[str]
) -> hpa.HorizontalPodAutoscalerSpecArgs:
    """Scale the Deployment between min and max on average CPU utilization."""
    return hpa.HorizontalPodAutoscalerSpecArgs(
        scale_target_ref=hpa.CrossVersionObjectReferenceArgs(
            api_version="apps/v1", kind="Deployment", name=deployment
        ),
        min_replicas=autoscaling.min_replicas,
        max_replicas=autoscaling.max_replicas,
        metrics=[
            hpa.MetricSpecArgs(
                type="Resource",
                resource=hpa.ResourceMetricSourceArgs(
                    name="cpu",
                    target=hpa.MetricTargetArgs(
                        type="Utilization",
                        average_utilization=autoscaling.target_cpu_utilization,
                    ),
                ),
            )
        ],
    )


def disruption_budget_spec(
    spec: DeploymentSpec, budget: DisruptionBudgetSpec
) -> k8s.policy.v1.PodDisruptionBudgetSpecArgs:
    """Keep `minAvailable` agent pods through voluntary disruptions (node drains)."""
    return k8s.policy.v1.PodDisruptionBudgetSpecArgs(
        min_available=budget.min_available,
        selector=meta.LabelSelectorArgs(match_labels=selector_labels(spec)),
        # Pods that are not Ready protect nothing; letting them go keeps drains from hanging.
        unhealthy_pod_eviction_policy="AlwaysAllow",
    )
