"""Namespace guardrails: the ResourceQuota and the LimitRange every tenant namespace gets."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from infra.spec import DeploymentSpec, ServiceType

core = k8s.core.v1


def quota_spec(spec: DeploymentSpec) -> core.ResourceQuotaSpecArgs:
    """Compute and pods from the spec; no external Service and no storage unless asked.

    No externally reachable Service and no storage unless the spec asks (then one claim of
    the spec's size).
    """
    quota = spec.kubernetes.quota
    service_type = spec.kubernetes.service.type
    storage = spec.kubernetes.storage
    return core.ResourceQuotaSpecArgs(
        hard={
            "requests.cpu": quota.cpu,
            "limits.cpu": quota.cpu,
            "requests.memory": quota.memory,
            "limits.memory": quota.memory,
            "pods": str(quota.pods),
            "services.loadbalancers": "1" if service_type is ServiceType.LOAD_BALANCER else "0",
            # A LoadBalancer Service allocates a node port too (the cloud balancer targets it).
            "services.nodeports": "1" if service_type is not ServiceType.CLUSTER_IP else "0",
            "persistentvolumeclaims": "1" if storage is not None else "0",
            "requests.storage": storage.size if storage is not None else "0",
        }
    )


def limit_range_spec(spec: DeploymentSpec) -> core.LimitRangeSpecArgs:
    """Container defaults equal to the agent's requests and limits.

    With a compute quota, a pod without requests and limits is rejected; the defaults let any
    helper pod (a debug container, a job) in the namespace still be admitted.
    """
    resources = spec.kubernetes.resources
    return core.LimitRangeSpecArgs(
        limits=[
            core.LimitRangeItemArgs(
                type="Container",
                default={"cpu": resources.cpu_limit, "memory": resources.memory_limit},
                default_request={"cpu": resources.cpu_request, "memory": resources.memory_request},
            )
        ]
    )
