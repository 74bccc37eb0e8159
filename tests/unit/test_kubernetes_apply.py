"""How `KubernetesAgent`'s objects are applied and awaited.

Force-applied (Jockey takes back the fields it declares), every await bounded, and the
Service's endpoint await replaced by the Deployment's own.
"""

from __future__ import annotations

from tests.unit.mocks.kubernetes import Rendered, make_spec, render

FORCE = "pulumi.com/patchForce"
SKIP_AWAIT = "pulumi.com/skipAwait"
INGRESS = {"host": "agent.acme.example", "className": "nginx"}


def test_every_object_is_force_applied() -> None:
    rendered = render(make_spec(kubernetes={"ingress": INGRESS, "access": []}))
    objects = rendered.kubernetes()
    assert len(objects) >= 12
    for resource in objects:
        assert resource.annotations.get(FORCE) == "true", resource.name


def test_the_deployment_await_is_bounded_by_the_rollout_timeout() -> None:
    deployment = render(make_spec(kubernetes={"rolloutTimeoutSeconds": 90})).named("deployment")
    assert deployment.custom_timeouts == {"create": "90s", "update": "90s"}
    assert SKIP_AWAIT not in deployment.annotations


def test_the_rollout_timeout_defaults_to_five_minutes(dev_kubernetes: Rendered) -> None:
    deployment = dev_kubernetes.named("deployment")
    assert deployment.custom_timeouts == {"create": "300s", "update": "300s"}


def test_the_service_skips_its_endpoint_await_and_comes_after_the_deployment(
    dev_kubernetes: Rendered,
) -> None:
    # The provider waits for endpoints and then 10 s after their last change; the
    # Deployment's await already proves the selected pods ready.
    service = dev_kubernetes.named("service")
    assert service.annotations[SKIP_AWAIT] == "true"
    assert dev_kubernetes.named("deployment").urn in service.dependencies


def test_a_load_balancer_service_does_not_wait_for_an_address() -> None:
    service = render(make_spec(kubernetes={"service": {"type": "LoadBalancer"}})).named("service")
    assert service.annotations[SKIP_AWAIT] == "true"


def test_an_ingress_does_not_wait_for_a_controller_to_set_its_status() -> None:
    ingress = render(make_spec(kubernetes={"ingress": INGRESS})).named("ingress")
    assert ingress.annotations[SKIP_AWAIT] == "true"


def test_only_objects_another_await_covers_skip_theirs() -> None:
    rendered = render(make_spec(kubernetes={"ingress": INGRESS}))
    skipped = {r.name.removeprefix("acme-dev-kubernetes-") for r in rendered.kubernetes()}
    skipped = {name for name in skipped if SKIP_AWAIT in rendered.named(name).annotations}
    assert skipped == {"service", "ingress"}


def test_replicas_are_left_to_the_autoscaler_once_it_owns_them(dev_kubernetes: Rendered) -> None:
    with_hpa = render(make_spec("prod")).named("deployment")
    without = dev_kubernetes.named("deployment")
    assert with_hpa.ignore_changes == ("spec.replicas",)
    assert without.ignore_changes == ()
