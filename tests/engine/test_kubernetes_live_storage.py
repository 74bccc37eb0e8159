"""Storage on the live control plane.

A claim bound to a PersistentVolume the test provides (nothing provisions storage here),
mounted by the single writer, within the namespace quota; `destroy` keeps or deletes it as
the spec says; an unbound claim fails `up` within the rollout timeout instead of hanging it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import automation
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import TenantFiles
from tests.engine.kubernetes_live import AGENT, LiveTenant, live_tenant, unique_tenant

CLAIM = f"{AGENT}-data"


def _single_writer(storage_class: str, **storage: Any) -> dict[str, Any]:
    return {
        "storage": {"size": "1Gi", "storageClass": storage_class, "mountPath": "/data", **storage},
        "strategy": "Recreate",
        "replicas": 1,
    }


@pytest.fixture
def volume(live_cluster: LiveCluster) -> Any:
    """A 1Gi ReadWriteOnce PersistentVolume of a storage class of its own (deleted after)."""
    storage_class = unique_tenant("class")
    manifest = f"""
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {storage_class}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: {storage_class}
  hostPath: {{path: /tmp/{storage_class}}}
"""
    live_cluster.run_kubectl("apply", "-f", "-", stdin=manifest)
    yield storage_class
    live_cluster.run_kubectl("delete", "pv", storage_class, "--ignore-not-found", "--wait=false")


def _claim_phase(tenant: LiveTenant) -> str:
    phase: str = tenant.get("pvc", CLAIM)["status"]["phase"]
    return phase


def test_the_claim_binds_is_mounted_and_counts_against_the_quota(
    tenant_files: TenantFiles, live_cluster: LiveCluster, volume: str
) -> None:
    with live_tenant(tenant_files, live_cluster, "store") as tenant:
        done = automation.up(tenant.spec(**_single_writer(volume)))
        assert done.ok, done.error
        assert done.outputs["storage"] == {"claim": CLAIM, "onDestroy": "delete"}

        assert _claim_phase(tenant) == "Bound"
        assert tenant.get("pvc", CLAIM)["spec"]["volumeName"] == volume
        deployment = tenant.get("deployment", AGENT)
        assert deployment["spec"]["strategy"]["type"] == "Recreate"
        assert deployment["status"]["availableReplicas"] == 1
        pod = deployment["spec"]["template"]["spec"]
        assert {"name": "data", "persistentVolumeClaim": {"claimName": CLAIM}} in pod["volumes"]
        (container,) = pod["containers"]
        assert {"name": "data", "mountPath": "/data"} in container["volumeMounts"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True

        quota = tenant.get("resourcequota", f"{AGENT}-quota")["status"]
        assert quota["hard"]["requests.storage"] == "1Gi"
        assert quota["hard"]["persistentvolumeclaims"] == "1"
        assert quota["used"]["persistentvolumeclaims"] == "1"

        gone = automation.destroy(tenant.spec(**_single_writer(volume)))
        assert gone.ok, gone.error
        assert not [note for note in gone.diagnostics if note.startswith("kept: ")]
        deadline = time.monotonic() + 60
        while tenant.namespace_exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not tenant.namespace_exists(), "dev deletes the claim with its namespace"


def test_a_kept_claim_outlives_destroy_and_the_next_up_adopts_it(
    tenant_files: TenantFiles, live_cluster: LiveCluster, volume: str
) -> None:
    with live_tenant(tenant_files, live_cluster, "keep") as tenant:
        spec = tenant.spec(**_single_writer(volume, retainOnDestroy=True))
        created = automation.up(spec)
        assert created.ok, created.error
        assert created.outputs["storage"]["onDestroy"] == "keep"
        uid = tenant.get("pvc", CLAIM)["metadata"]["uid"]

        gone = automation.destroy(spec)
        assert gone.ok, gone.error
        kept = [note for note in gone.diagnostics if note.startswith("kept: ")]
        assert sorted(kept) == [
            f"kept: Namespace {tenant.namespace} (retained on destroy; delete it to drop its data)",
            f"kept: PersistentVolumeClaim {tenant.namespace}/{CLAIM} (retained on destroy; "
            "delete it to drop its data)",
        ], "destroy says what it kept"
        assert tenant.namespace_exists()
        assert tenant.get("pvc", CLAIM)["metadata"]["uid"] == uid
        assert _claim_phase(tenant) == "Bound"
        assert tenant.get("deployments")["items"] == [], "everything else is gone"

        again = automation.up(spec)
        assert again.ok, again.error
        assert tenant.get("pvc", CLAIM)["metadata"]["uid"] == uid, "the same claim, same data"
        assert tenant.get("deployment", AGENT)["status"]["availableReplicas"] == 1


def test_an_unbound_claim_fails_up_within_the_rollout_timeout(
    tenant_files: TenantFiles, live_cluster: LiveCluster
) -> None:
    with live_tenant(tenant_files, live_cluster, "unbound") as tenant:
        spec = tenant.spec(
            **_single_writer(unique_tenant("no-such-class")), rolloutTimeoutSeconds=30
        )
        started = time.monotonic()
        done = automation.up(spec, rollback=False)
        elapsed = time.monotonic() - started

        assert not done.ok
        assert elapsed < 120, f"up took {elapsed:.0f} s for a 30 s rollout timeout"
        assert done.error is not None and CLAIM in done.error, done.error
        assert _claim_phase(tenant) == "Pending"
