"""NetworkPolicies: deny everything, then allow the agent port in and DNS and HTTPS out."""

from __future__ import annotations

from typing import Any

from infra.components.kubernetes._labels import selector_labels
from infra.spec import DeploymentSpec

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def default_deny() -> dict[str, Any]:
    """Every pod in the namespace: no ingress, no egress."""
    return {"pod_selector": {}, "policy_types": ["Ingress", "Egress"]}


def allow_agent_ingress(spec: DeploymentSpec) -> dict[str, Any]:
    """The agent port, from the tenant's own namespace and the allowed namespaces."""
    namespaces = [spec.namespace, *spec.kubernetes.network_policy.allow_from_namespaces]
    return {
        "pod_selector": {"match_labels": selector_labels(spec)},
        "policy_types": ["Ingress"],
        "ingress": [
            {
                "from_": [
                    {"namespace_selector": {"match_labels": {NAMESPACE_NAME_LABEL: namespace}}}
                    for namespace in dict.fromkeys(namespaces)
                ],
                "ports": [{"protocol": "TCP", "port": spec.agent.port}],
            }
        ],
    }


def allow_agent_egress(spec: DeploymentSpec) -> dict[str, Any]:
    """DNS to the cluster's DNS pods, HTTPS to the allowed CIDRs."""
    return {
        "pod_selector": {"match_labels": selector_labels(spec)},
        "policy_types": ["Egress"],
        "egress": [
            {
                "to": [
                    {
                        "namespace_selector": {
                            "match_labels": {NAMESPACE_NAME_LABEL: "kube-system"}
                        },
                        "pod_selector": {"match_labels": {"k8s-app": "kube-dns"}},
                    }
                ],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            },
            {
                "to": [
                    {"ip_block": {"cidr": cidr}}
                    for cidr in spec.kubernetes.network_policy.allow_egress_cidrs
                ],
                "ports": [{"protocol": "TCP", "port": 443}],
            },
        ],
    }
