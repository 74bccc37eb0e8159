"""Server-Side Apply on the live control plane.

Jockey takes back the fields it declares from another field manager (`kubectl scale`), and
leaves `spec.replicas` to an autoscaler that owns it.
"""

from __future__ import annotations

import automation
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import TenantFiles
from tests.engine.kubernetes_live import AGENT, FIELD_MANAGER_PREFIX, field_owners, live_tenant


def _replicas_owners(owners: set[str]) -> set[str]:
    return {"pulumi" if owner.startswith(FIELD_MANAGER_PREFIX) else owner for owner in owners}


def test_up_takes_back_replicas_after_kubectl_scale(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "ssa") as tenant:
        spec = tenant.spec(replicas=2)
        assert automation.up(spec).ok

        tenant.kubectl("scale", "deployment", AGENT, "--replicas=5")
        scaled = tenant.get("deployment", AGENT)
        assert scaled["spec"]["replicas"] == 5
        assert "kubectl" in _replicas_owners(field_owners(scaled, "replicas"))

        # `up` reads the live object first (refresh), sees the drift and applies with force.
        fixed = automation.up(spec)
        assert fixed.ok, fixed.error
        (change,) = fixed.resources
        assert change.type == "kubernetes:apps/v1:Deployment" and change.op == "update"
        (replicas,) = [p for p in change.properties if p.path == "spec.replicas"]
        assert (replicas.old, replicas.new) == (5, 2), "the result says what it took back"

        live = tenant.get("deployment", AGENT)
        assert live["spec"]["replicas"] == 2
        assert _replicas_owners(field_owners(live, "replicas")) == {"pulumi"}

        again = automation.up(spec)
        assert again.ok and again.changes.total_changes == 0


def test_up_leaves_replicas_to_the_autoscaler_that_owns_them(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "hpa") as tenant:
        spec = tenant.spec(replicas=2, autoscaling={"minReplicas": 2, "maxReplicas": 4})
        assert automation.up(spec).ok
        assert tenant.get("horizontalpodautoscaler", AGENT)["spec"]["maxReplicas"] == 4

        # What the HPA controller does: write the scale subresource as kube-controller-manager
        # (KWOK has no metrics, so the real HPA never scales here).
        tenant.kubectl(
            "patch",
            "deployment",
            AGENT,
            "--subresource=scale",
            "--type=merge",
            "-p",
            '{"spec": {"replicas": 3}}',
            "--field-manager=kube-controller-manager",
        )
        again = automation.up(spec)
        assert again.ok, again.error
        assert again.changes.total_changes == 0, "an autoscaler's replica count is not drift"

        # A real change to the Deployment still leaves the autoscaler's count and ownership.
        changed = tenant.spec(
            replicas=2,
            autoscaling={"minReplicas": 2, "maxReplicas": 4},
            resources={
                "cpuRequest": "100m",
                "cpuLimit": "250m",
                "memoryRequest": "64Mi",
                "memoryLimit": "128Mi",
            },
        )
        updated = automation.up(changed)
        assert updated.ok, updated.error
        live = tenant.get("deployment", AGENT)
        assert live["spec"]["replicas"] == 3
        owners = _replicas_owners(field_owners(live, "replicas"))
        assert "pulumi" not in owners and "kube-controller-manager" in owners
        limits = live["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        assert limits["cpu"] == "250m"
