"""Bounded awaits on the live control plane: `up` returns when the agent serves.

The Deployment's pods are available, and `up` never waits for what nothing here will ever
provide (a LoadBalancer's address, an Ingress controller's status).
"""

from __future__ import annotations

import time

import automation
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import TenantFiles
from tests.engine.kubernetes_live import AGENT, live_tenant

QUICK = 90
"""Seconds an `up` may take here: far below the provider's 10-minute default awaits."""


def test_up_returns_with_the_agent_serving_and_the_service_routing_to_it(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "ready") as tenant:
        done = automation.up(tenant.spec(replicas=2))
        assert done.ok, done.error

        # Read right after `up` returned: the readiness guarantee, without the Service's await.
        status = tenant.get("deployment", AGENT)["status"]
        assert status.get("availableReplicas") == status.get("readyReplicas") == 2
        # The endpoints controller lists the ready pods behind the Service within moments.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            slices = tenant.get("endpointslices")["items"]
            ready = [
                endpoint
                for item in slices
                for endpoint in item.get("endpoints") or []
                if endpoint.get("conditions", {}).get("ready")
            ]
            if len(ready) == 2:
                break
            time.sleep(0.2)
        assert len(ready) == 2


def test_a_load_balancer_service_and_an_ingress_do_not_hang_up(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "edge") as tenant:
        spec = tenant.spec(
            service={"type": "LoadBalancer", "port": 80},
            ingress={"host": "agent.acme.example", "className": "nginx"},
            networkPolicy={"allowFromNamespaces": ["ingress-nginx"]},
        )
        started = time.monotonic()
        done = automation.up(spec)
        elapsed = time.monotonic() - started

        assert done.ok, done.error
        assert elapsed < QUICK, f"up took {elapsed:.0f} s"
        # Nothing on this cluster gives either an address: `up` did not wait for one.
        service = tenant.get("service", AGENT)
        assert service["spec"]["type"] == "LoadBalancer"
        assert not service.get("status", {}).get("loadBalancer", {}).get("ingress")
        ingress = tenant.get("ingress", AGENT)
        assert not ingress.get("status", {}).get("loadBalancer", {}).get("ingress")
        for live in (service, ingress):
            assert live["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"

        again = automation.up(spec)
        assert again.ok and again.changes.total_changes == 0
