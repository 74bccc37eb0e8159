"""NetworkPolicies: deny everything, then allow the agent port in and DNS and HTTPS out."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from infra.components.kubernetes._labels import selector_labels
from infra.spec import DeploymentSpec

net = k8s.networking.v1
meta = k8s.meta.v1

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""Set by the API server on every namespace: a selector on it cannot be spoofed by tenants."""
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
HTTPS_PORT = 443


def _namespace_peer(namespace: str) -> net.NetworkPolicyPeerArgs:
    return net.NetworkPolicyPeerArgs(
        namespace_selector=meta.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: namespace})
    )


def default_deny() -> net.NetworkPolicySpecArgs:
    """Every pod in the namespace: no ingress, no egress."""
    return net.NetworkPolicySpecArgs(
        pod_selector=meta.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]
    )


def allow_agent_ingress(spec: DeploymentSpec) -> net.NetworkPolicySpecArgs:
    """The agent port, from the tenant's own namespace and the allowed namespaces."""
    namespaces = dict.fromkeys(
        [spec.namespace, *spec.kubernetes.network_policy.allow_from_namespaces]
    )
    return net.NetworkPolicySpecArgs(
        pod_selector=meta.LabelSelectorArgs(match_labels=selector_labels(spec)),
        policy_types=["Ingress"],
        ingress=[
            net.NetworkPolicyIngressRuleArgs(
                from_=[_namespace_peer(namespace) for namespace in namespaces],
                ports=[net.NetworkPolicyPortArgs(protocol="TCP", port=spec.agent.port)],
            )
        ],
    )


def allow_agent_egress(spec: DeploymentSpec) -> net.NetworkPolicySpecArgs:
    """DNS to the cluster's DNS pods, HTTPS to the allowed CIDRs."""
    dns = net.NetworkPolicyEgressRuleArgs(
        to=[
            net.NetworkPolicyPeerArgs(
                namespace_selector=meta.LabelSelectorArgs(
                    match_labels={NAMESPACE_NAME_LABEL: DNS_NAMESPACE}
                ),
                pod_selector=meta.LabelSelectorArgs(match_labels=DNS_POD_LABELS),
            )
        ],
        ports=[
            net.NetworkPolicyPortArgs(protocol="UDP", port=53),
            net.NetworkPolicyPortArgs(protocol="TCP", port=53),
        ],
    )
    rules = [dns]
    cidrs = spec.kubernetes.network_policy.allow_egress_cidrs
    # A rule with an empty `to` matches every destination: no CIDRs must mean no HTTPS rule.
    if cidrs:
        rules.append(
            net.NetworkPolicyEgressRuleArgs(
                to=[net.NetworkPolicyPeerArgs(ip_block=net.IPBlockArgs(cidr=c)) for c in cidrs],
                ports=[net.NetworkPolicyPortArgs(protocol="TCP", port=HTTPS_PORT)],
            )
        )
    return net.NetworkPolicySpecArgs(
        pod_selector=meta.LabelSelectorArgs(match_labels=selector_labels(spec)),
        policy_types=["Egress"],
        egress=rules,
    )
