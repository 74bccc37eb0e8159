"""Tenant access on the live control plane, checked with `kubectl auth can-i --as`.

A tenant's editors edit in their namespace and nowhere else, viewers only read (no Secrets),
and nobody gets RBAC or cluster-wide rights.
"""

from __future__ import annotations

import automation
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import TenantFiles
from tests.engine.kubernetes_live import AGENT, live_tenant

OWNER = "alice@acme.example"
SUPPORT = "acme:support"


def test_owners_edit_in_their_namespace_and_nothing_in_another_tenants(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with (
        live_tenant(tenant_files, live_cluster, "acme") as acme,
        live_tenant(tenant_files, live_cluster, "globex") as globex,
    ):
        access = [
            {"kind": "User", "name": OWNER, "role": "edit"},
            {"kind": "Group", "name": SUPPORT, "role": "view"},
            {"kind": "ServiceAccount", "name": "deployer", "namespace": "ci", "role": "edit"},
        ]
        assert automation.up(acme.spec(access=access)).ok
        assert automation.up(globex.spec()).ok
        mine, theirs = acme.namespace, globex.namespace

        owner = ("--as", OWNER)
        assert acme.can_i("patch", "deployments", "-n", mine, *owner)
        assert acme.can_i("create", "pods", "-n", mine, *owner)
        assert acme.can_i("get", "secrets", "-n", mine, *owner)
        assert not acme.can_i("get", "pods", "-n", theirs, *owner), "another tenant's"
        assert not acme.can_i("patch", "deployments", "-n", theirs, *owner)
        assert not acme.can_i("create", "rolebindings", "-n", mine, *owner), "not admin"
        assert not acme.can_i("delete", "resourcequotas", "-n", mine, *owner)
        assert not acme.can_i("list", "namespaces", *owner), "nothing cluster-wide"
        assert not acme.can_i("list", "pods", "--all-namespaces", *owner)

        viewer = ("--as", "bob@acme.example", "--as-group", SUPPORT)
        assert acme.can_i("list", "pods", "-n", mine, *viewer)
        assert not acme.can_i("get", "secrets", "-n", mine, *viewer), "view excludes Secrets"
        assert not acme.can_i("patch", "deployments", "-n", mine, *viewer)
        assert not acme.can_i("list", "pods", "-n", theirs, *viewer)

        robot = ("--as", "system:serviceaccount:ci:deployer")
        assert acme.can_i("patch", "deployments", "-n", mine, *robot)
        assert not acme.can_i("patch", "deployments", "-n", theirs, *robot)

        bindings = acme.get("rolebindings")["items"]
        assert sorted(b["roleRef"]["name"] for b in bindings) == ["edit", "view"]
        assert {b["roleRef"]["kind"] for b in bindings} == {"ClusterRole"}
        assert sorted(b["metadata"]["name"] for b in bindings) == [
            f"{AGENT}-edit",
            f"{AGENT}-view",
        ]
        cluster_bindings = live_cluster.run_kubectl(
            "get", "clusterrolebindings", "-l", f"jockey.dev/tenant={acme.tenant}", "-o", "name"
        )
        assert cluster_bindings.stdout.strip() == ""

        # Taking the grants out of the spec takes the access away.
        assert automation.up(acme.spec(access=[])).ok
        assert not acme.can_i("patch", "deployments", "-n", mine, *owner)
        assert acme.get("rolebindings")["items"] == []
