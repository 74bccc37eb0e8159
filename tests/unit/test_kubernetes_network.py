"""`KubernetesAgent`: default-deny NetworkPolicy and the paths allowed on top of it."""

from __future__ import annotations

from typing import Any

from tests.unit.mocks.kubernetes import Rendered, make_spec, render

AGENT_PODS = {"app.kubernetes.io/name": "support-bot", "app.kubernetes.io/instance": "acme-dev"}


def policy(rendered: Rendered, suffix: str) -> dict[str, Any]:
    """The spec of the NetworkPolicy `<component>-<suffix>`."""
    registered = rendered.named(suffix)
    assert registered.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
    return registered.props["spec"]  # type: ignore[no-any-return]


def namespace_peer(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def test_every_pod_in_the_namespace_is_denied_all_traffic_by_default(
    dev_kubernetes: Rendered,
) -> None:
    deny = policy(dev_kubernetes, "default-deny")
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_agent_port_is_open_to_its_own_and_the_allowed_namespaces_only() -> None:
    spec = make_spec(
        agent={"port": 9000},
        kubernetes={"networkPolicy": {"allowFromNamespaces": ["ingress-nginx", "monitoring"]}},
    )
    allow = policy(render(spec), "allow-ingress")
    assert allow["podSelector"] == {"matchLabels": AGENT_PODS}
    assert allow["policyTypes"] == ["Ingress"]
    (rule,) = allow["ingress"]
    assert rule["from"] == [
        namespace_peer("acme-dev"),
        namespace_peer("ingress-nginx"),
        namespace_peer("monitoring"),
    ]
    assert rule["ports"] == [{"protocol": "TCP", "port": 9000}]


def test_without_allowed_namespaces_only_the_tenant_namespace_gets_in(
    dev_kubernetes: Rendered,
) -> None:
    (rule,) = policy(dev_kubernetes, "allow-ingress")["ingress"]
    assert rule["from"] == [namespace_peer("acme-dev")]


def test_egress_is_dns_to_kube_dns_and_https_to_the_allowed_cidrs() -> None:
    spec = make_spec(
        kubernetes={"networkPolicy": {"allowEgressCidrs": ["10.0.0.0/8", "203.0.113.0/24"]}}
    )
    allow = policy(render(spec), "allow-egress")
    assert allow["podSelector"] == {"matchLabels": AGENT_PODS}
    assert allow["policyTypes"] == ["Egress"]
    dns, https = allow["egress"]
    assert dns["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert https["to"] == [
        {"ipBlock": {"cidr": "10.0.0.0/8"}},
        {"ipBlock": {"cidr": "203.0.113.0/24"}},
    ]
    assert https["ports"] == [{"protocol": "TCP", "port": 443}]


def test_https_goes_to_the_internet_but_not_to_private_link_local_or_cgnat_ranges(
    dev_kubernetes: Rendered,
) -> None:
    _, https = policy(dev_kubernetes, "allow-egress")["egress"]
    assert https["to"] == [
        {
            "ipBlock": {
                "cidr": "0.0.0.0/0",
                "except": [
                    "10.0.0.0/8",
                    "172.16.0.0/12",
                    "192.168.0.0/16",
                    "100.64.0.0/10",
                    "169.254.0.0/16",
                ],
            }
        }
    ]


def test_no_egress_cidrs_means_no_https_rule_at_all() -> None:
    # An egress rule with an empty `to` would allow port 443 to every destination.
    spec = make_spec(kubernetes={"networkPolicy": {"allowEgressCidrs": []}})
    egress = policy(render(spec), "allow-egress")["egress"]
    assert len(egress) == 1
    assert all(port["port"] == 53 for port in egress[0]["ports"])


def test_a_private_cidr_the_spec_names_is_reachable_beside_the_internet() -> None:
    spec = make_spec(
        kubernetes={"networkPolicy": {"allowEgressCidrs": ["0.0.0.0/0", "10.20.0.0/16"]}}
    )
    _, https = policy(render(spec), "allow-egress")["egress"]
    internet, named = https["to"]
    assert "10.0.0.0/8" in internet["ipBlock"]["except"]
    assert named == {"ipBlock": {"cidr": "10.20.0.0/16"}}, "named: nothing excluded from it"


def test_ipv6_internet_excludes_unique_local_and_link_local_addresses() -> None:
    spec = make_spec(kubernetes={"networkPolicy": {"allowEgressCidrs": ["::/0"]}})
    _, https = policy(render(spec), "allow-egress")["egress"]
    assert https["to"] == [{"ipBlock": {"cidr": "::/0", "except": ["fc00::/7", "fe80::/10"]}}]


def test_a_public_cidr_excludes_only_the_ranges_inside_it() -> None:
    spec = make_spec(
        kubernetes={"networkPolicy": {"allowEgressCidrs": ["0.0.0.0/1", "203.0.113.0/24"]}}
    )
    _, https = policy(render(spec), "allow-egress")["egress"]
    assert https["to"] == [
        {"ipBlock": {"cidr": "0.0.0.0/1", "except": ["10.0.0.0/8", "100.64.0.0/10"]}},
        {"ipBlock": {"cidr": "203.0.113.0/24"}},
    ]
