"""Egress on the live control plane.

The API server admits the HTTPS policy with the private, link-local and carrier-grade NAT
ranges excluded, and a CIDR the spec names beside them. No CNI runs here (KWOK pods have no
network), so nothing enforces NetworkPolicies: these tests assert on the applied objects,
which is what an enforcing CNI would read.
"""

from __future__ import annotations

from typing import Any

import automation
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import TenantFiles
from tests.engine.kubernetes_live import AGENT, live_tenant

EXCLUDED = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]


def _https_peers(policy: dict[str, Any]) -> list[dict[str, Any]]:
    (https,) = [rule for rule in policy["spec"]["egress"] if rule["ports"][0]["port"] == 443]
    peers: list[dict[str, Any]] = https["to"]
    return peers


def test_internet_egress_excludes_cluster_and_private_ranges(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "egress") as tenant:
        assert automation.up(tenant.spec()).ok

        policy = tenant.get("networkpolicy", f"{AGENT}-allow-egress")
        assert _https_peers(policy) == [{"ipBlock": {"cidr": "0.0.0.0/0", "except": EXCLUDED}}]
        dns = [rule for rule in policy["spec"]["egress"] if rule["ports"][0]["port"] == 53]
        assert len(dns) == 1, "DNS to kube-system stays allowed"
        deny = tenant.get("networkpolicy", f"{AGENT}-default-deny")
        assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_a_private_cidr_the_spec_names_is_allowed_beside_the_internet(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "egress") as tenant:
        cidrs = ["0.0.0.0/0", "10.20.0.0/16", "::/0"]
        assert automation.up(tenant.spec(networkPolicy={"allowEgressCidrs": cidrs})).ok

        peers = _https_peers(tenant.get("networkpolicy", f"{AGENT}-allow-egress"))
        assert peers == [
            {"ipBlock": {"cidr": "0.0.0.0/0", "except": EXCLUDED}},
            {"ipBlock": {"cidr": "10.20.0.0/16"}},
            {"ipBlock": {"cidr": "::/0", "except": ["fc00::/7", "fe80::/10"]}},
        ]
