"""NetworkPolicies: deny everything, then allow the agent port in and DNS and HTTPS out.

HTTPS egress goes to the spec's CIDRs minus the addresses that are never "the internet":
private (RFC 1918), link-local (cloud metadata at 169.254.169.254) and carrier-grade NAT
ranges, and their IPv6 counterparts. Those hold the cluster's own API server, nodes, pods and
Services, and other tenants. A spec reaches one of them only by naming a CIDR inside it
(such as 10.20.0.0/16). A NetworkPolicy is only enforced by a CNI plugin that implements it
(Calico, Cilium, ...); without one the objects are there and change nothing.
"""

from __future__ import annotations

import ipaddress

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
NON_PUBLIC_RANGES = (
    "10.0.0.0/8",  # RFC 1918
    "172.16.0.0/12",  # RFC 1918
    "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # carrier-grade NAT (RFC 6598), also used for pod and Service ranges
    "169.254.0.0/16",  # link-local, the cloud instance metadata service
    "fc00::/7",  # IPv6 unique local
    "fe80::/10",  # IPv6 link-local
)
"""Ranges HTTPS egress excludes unless the spec names a CIDR inside one."""


def excluded_ranges(cidr: str) -> list[str]:
    """The non-public ranges strictly inside `cidr` (a NetworkPolicy's `except` list).

    A CIDR that is itself inside a non-public range (10.20.0.0/16) excludes nothing: the spec
    named it, so the agent may reach it.
    """
    network = ipaddress.ip_network(cidr)
    found = []
    for text in NON_PUBLIC_RANGES:
        excluded = ipaddress.ip_network(text)
        if (
            excluded.version == network.version
            and excluded.prefixlen > network.prefixlen
            and excluded.subnet_of(network)  # type: ignore[arg-type]
        ):
            found.append(text)
    return found


def _ip_block(cidr: str) -> net.NetworkPolicyPeerArgs:
    return net.NetworkPolicyPeerArgs(
        ip_block=net.IPBlockArgs(cidr=cidr, except_=excluded_ranges(cidr) or None)
    )


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
    """DNS to the cluster's DNS pods, HTTPS to the allowed CIDRs minus non-public ranges."""
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
                to=[_ip_block(cidr) for cidr in cidrs],
                ports=[net.NetworkPolicyPortArgs(protocol="TCP", port=HTTPS_PORT)],
            )
        )
    return net.NetworkPolicySpecArgs(
        pod_selector=meta.LabelSelectorArgs(match_labels=selector_labels(spec)),
        policy_types=["Egress"],
        egress=rules,
    )
