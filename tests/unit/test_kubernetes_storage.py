"""`KubernetesAgent` with `kubernetes.storage`.

The claim, its mount, its quota, its await, and what `destroy` does with it.
"""

from __future__ import annotations

from typing import Any

from tests.unit.mocks.kubernetes import Rendered, make_spec, render


def _single_writer(environment: str = "dev", **storage: Any) -> Any:
    kubernetes: dict[str, Any] = {
        "storage": {"size": "2Gi", **storage},
        "strategy": "Recreate",
        "replicas": 1,
    }
    return make_spec(environment, kubernetes=kubernetes)


def test_no_storage_means_no_claim_and_no_volume(dev_kubernetes: Rendered) -> None:
    assert dev_kubernetes.of_type("kubernetes:core/v1:PersistentVolumeClaim") == []
    assert [v["name"] for v in dev_kubernetes.pod_spec["volumes"]] == ["tmp"]
    assert dev_kubernetes.component_outputs[-1].get("claimName") is None
    assert dev_kubernetes.component_outputs[-1].get("storageOnDestroy") is None


def test_the_claim_asks_for_the_size_mode_and_class() -> None:
    rendered = render(_single_writer(storageClass="fast-ssd"))
    claim = rendered.named("data")

    assert claim.type == "kubernetes:core/v1:PersistentVolumeClaim"
    assert claim.metadata["name"] == "support-bot-data"
    assert claim.metadata["namespace"] == "acme-dev"
    assert claim.props["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": "fast-ssd",
        "resources": {"requests": {"storage": "2Gi"}},
    }


def test_without_a_class_the_cluster_default_decides() -> None:
    claim = render(_single_writer()).named("data")
    assert "storageClassName" not in claim.props["spec"]


def test_the_claim_is_mounted_writable_at_its_path_and_the_root_stays_read_only() -> None:
    rendered = render(_single_writer(mountPath="/var/lib/agent"))

    assert {"name": "data", "persistentVolumeClaim": {"claimName": "support-bot-data"}} in (
        rendered.pod_spec["volumes"]
    )
    mounts = rendered.container["volumeMounts"]
    assert {"name": "data", "mountPath": "/var/lib/agent"} in mounts
    assert not any(mount.get("readOnly") for mount in mounts)
    assert rendered.container["securityContext"]["readOnlyRootFilesystem"] is True
    # fsGroup makes the volume writable by the non-root user.
    assert rendered.pod_spec["securityContext"]["fsGroup"] == 10001


def test_the_quota_allows_exactly_one_claim_of_the_spec_size() -> None:
    hard = render(_single_writer()).one("kubernetes:core/v1:ResourceQuota").props["spec"]["hard"]
    assert hard["persistentvolumeclaims"] == "1"
    assert hard["requests.storage"] == "2Gi"


def test_the_claim_comes_after_the_quota_and_before_the_deployment() -> None:
    rendered = render(_single_writer())
    claim = rendered.named("data")
    assert rendered.named("quota").urn in claim.dependencies
    assert claim.urn in rendered.named("deployment").dependencies
    assert claim.parent == rendered.component.urn


def test_a_single_writer_is_recreated_with_one_pod_and_no_autoscaler() -> None:
    rendered = render(_single_writer("prod"))
    assert rendered.deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert rendered.deployment["spec"]["replicas"] == 1
    assert rendered.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler") == []
    assert rendered.of_type("kubernetes:policy/v1:PodDisruptionBudget") == []


def test_the_claim_skips_the_provider_await_so_up_is_bounded_by_the_rollout() -> None:
    # The provider's own claim await is a fixed 5 minutes, and a WaitForFirstConsumer claim
    # only binds once a pod uses it: the Deployment's bounded await reports an unbound claim.
    claim = render(_single_writer()).named("data")
    assert claim.annotations["pulumi.com/skipAwait"] == "true"


def test_dev_deletes_the_claim_on_destroy_and_says_so() -> None:
    rendered = render(_single_writer())
    assert not rendered.named("data").retain_on_delete
    assert not rendered.named("namespace").retain_on_delete
    assert rendered.component_outputs[-1]["storageOnDestroy"] == "delete"


def test_prod_keeps_the_claim_and_its_namespace_on_destroy_and_says_so() -> None:
    rendered = render(_single_writer("prod"))
    assert rendered.named("data").retain_on_delete
    # Deleting a namespace deletes its claims: a kept claim needs its namespace kept.
    assert rendered.named("namespace").retain_on_delete
    assert not rendered.named("deployment").retain_on_delete
    assert rendered.component_outputs[-1]["storageOnDestroy"] == "keep"
    assert rendered.component_outputs[-1]["claimName"] == "support-bot-data"


def test_retain_on_destroy_overrides_the_environment_default() -> None:
    assert render(_single_writer(retainOnDestroy=True)).named("data").retain_on_delete
    kept = render(_single_writer("prod", retainOnDestroy=False))
    assert not kept.named("data").retain_on_delete
    assert not kept.named("namespace").retain_on_delete


def test_a_shared_volume_keeps_replicas_rolling_updates_and_the_autoscaler() -> None:
    spec = make_spec("prod", kubernetes={"storage": {"size": "5Gi", "accessMode": "ReadWriteMany"}})
    rendered = render(spec)
    assert rendered.named("data").props["spec"]["accessModes"] == ["ReadWriteMany"]
    assert rendered.deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert len(rendered.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) == 1
