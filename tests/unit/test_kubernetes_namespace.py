"""`KubernetesAgent`: the namespace, its guardrails, labels, names and the resource graph."""

from __future__ import annotations

import json

import pytest

from tests.unit.mocks import SECRET_VALUE, is_secret_value
from tests.unit.mocks.kubernetes import COMPONENT, Rendered, make_spec, render

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
COMMON_LABELS = {
    "app.kubernetes.io/name": "support-bot",
    "app.kubernetes.io/instance": "acme-prod",
    "app.kubernetes.io/version": "1.4.2",
    "app.kubernetes.io/component": "agent",
    "app.kubernetes.io/part-of": "jockey",
    "app.kubernetes.io/managed-by": "jockey",
    "jockey.dev/tenant": "acme",
    "jockey.dev/organization": "acme-corp",
    "team": "support",
}
EVERY_OPTION = {
    "replicas": 2,
    "service": {"type": "NodePort", "port": 80, "nodePort": 30080},
    "ingress": {"host": "agent.acme.example", "tlsSecretName": "agent-tls"},
    "networkPolicy": {"allowFromNamespaces": ["ingress-nginx"]},
}


def test_namespace_enforces_pod_security_restricted(dev_kubernetes: Rendered) -> None:
    namespace = dev_kubernetes.one(NAMESPACE_TYPE).metadata
    assert namespace["name"] == "acme-dev"
    for mode in ("enforce", "audit", "warn"):
        assert namespace["labels"][f"pod-security.kubernetes.io/{mode}"] == "restricted"
        assert namespace["labels"][f"pod-security.kubernetes.io/{mode}-version"] == "latest"


def test_every_object_carries_the_common_and_tenant_labels() -> None:
    rendered = render(make_spec("prod", kubernetes=EVERY_OPTION))
    objects = rendered.kubernetes()
    assert len(objects) == 14  # the optional ones included
    for registered in objects:
        labels = registered.metadata["labels"]
        assert COMMON_LABELS.items() <= labels.items(), registered.name
    pod_labels = rendered.deployment["spec"]["template"]["metadata"]["labels"]
    assert COMMON_LABELS.items() <= pod_labels.items()


def test_every_object_has_a_fixed_name_in_the_tenant_namespace() -> None:
    rendered = render(make_spec("prod", kubernetes=EVERY_OPTION))
    names = {r.type.split(":")[-1] + "/" + r.metadata["name"] for r in rendered.kubernetes()}
    assert names == {
        "Namespace/acme-prod",
        "ResourceQuota/support-bot-quota",
        "LimitRange/support-bot-limits",
        "NetworkPolicy/support-bot-default-deny",
        "NetworkPolicy/support-bot-allow-ingress",
        "NetworkPolicy/support-bot-allow-egress",
        "ServiceAccount/support-bot",
        "ConfigMap/support-bot-env",
        "Secret/support-bot-secrets",
        "Deployment/support-bot",
        "Service/support-bot",
        "HorizontalPodAutoscaler/support-bot",
        "PodDisruptionBudget/support-bot",
        "Ingress/support-bot",
    }
    for registered in rendered.kubernetes():
        if registered.type != NAMESPACE_TYPE:
            assert registered.metadata["namespace"] == "acme-prod", registered.name


def test_names_are_the_same_on_every_run() -> None:
    def manifest_names() -> list[str]:
        return sorted(r.metadata["name"] for r in render(make_spec()).kubernetes())

    assert manifest_names() == manifest_names()


def test_children_are_named_from_the_component_and_parented_to_it() -> None:
    rendered = render(make_spec("prod"))
    assert rendered.component.type == "jockey:kubernetes:Agent"
    for registered in rendered.kubernetes():
        assert registered.name.startswith(f"{COMPONENT}-")
        assert registered.parent == rendered.component.urn


def test_every_child_uses_the_provider_from_opts() -> None:
    rendered = render(make_spec("prod"))
    provider = rendered.provider
    for registered in rendered.kubernetes():
        assert registered.provider == f"{provider.urn}::{provider.name}-id", registered.name


def test_namespaced_objects_wait_for_the_namespace() -> None:
    rendered = render(make_spec("prod", kubernetes=EVERY_OPTION))
    namespace = rendered.one(NAMESPACE_TYPE)
    for registered in rendered.kubernetes():
        if registered is not namespace:
            assert namespace.urn in registered.dependencies, registered.name


def test_deployment_waits_for_the_guardrails(dev_kubernetes: Rendered) -> None:
    depends = dev_kubernetes.one("kubernetes:apps/v1:Deployment").dependencies
    for suffix in ("quota", "limits", "default-deny", "allow-ingress", "allow-egress"):
        assert dev_kubernetes.named(suffix).urn in depends, suffix


def test_outputs_are_registered_once(dev_kubernetes: Rendered) -> None:
    assert dev_kubernetes.component_outputs == [
        {
            "namespace": "acme-dev",
            "serviceName": "support-bot",
            "deploymentName": "support-bot",
            "serviceUrl": "http://support-bot.acme-dev.svc.cluster.local:80",
        }
    ]
    assert dev_kubernetes.outputs == {
        "namespace": "acme-dev",
        "service_name": "support-bot",
        "deployment_name": "support-bot",
        "service_url": "http://support-bot.acme-dev.svc.cluster.local:80",
    }


def test_quota_caps_compute_and_pods_and_forbids_external_services_and_storage() -> None:
    spec = make_spec(kubernetes={"quota": {"cpu": "6", "memory": "12Gi", "pods": 15}})
    hard = render(spec).one("kubernetes:core/v1:ResourceQuota").props["spec"]["hard"]
    assert hard == {
        "requests.cpu": "6",
        "limits.cpu": "6",
        "requests.memory": "12Gi",
        "limits.memory": "12Gi",
        "pods": "15",
        "services.loadbalancers": "0",
        "services.nodeports": "0",
        "persistentvolumeclaims": "0",
        "requests.storage": "0",
    }


@pytest.mark.parametrize(
    ("service", "load_balancers", "node_ports"),
    [
        ({"type": "LoadBalancer"}, "1", "1"),  # its node port counts as one
        ({"type": "NodePort", "nodePort": 30080}, "0", "1"),
    ],
)
def test_quota_allows_only_the_service_type_the_spec_asks_for(
    service: dict[str, object], load_balancers: str, node_ports: str
) -> None:
    spec = make_spec(kubernetes={"service": service})
    hard = render(spec).one("kubernetes:core/v1:ResourceQuota").props["spec"]["hard"]
    assert hard["services.loadbalancers"] == load_balancers
    assert hard["services.nodeports"] == node_ports


def test_limit_range_defaults_are_the_agent_requests_and_limits() -> None:
    spec = make_spec(kubernetes={"resources": {"cpuRequest": "200m", "memoryRequest": "192Mi"}})
    limits = render(spec).one("kubernetes:core/v1:LimitRange").props["spec"]["limits"]
    assert limits == [
        {
            "type": "Container",
            "default": {"cpu": "500m", "memory": "256Mi"},
            "defaultRequest": {"cpu": "200m", "memory": "192Mi"},
        }
    ]


def test_config_map_holds_the_plain_env_and_the_port(dev_kubernetes: Rendered) -> None:
    config_map = dev_kubernetes.one("kubernetes:core/v1:ConfigMap").props
    assert config_map["data"] == {"LOG_LEVEL": "info", "PORT": "8080"}


def test_secret_data_is_a_pulumi_secret(dev_kubernetes: Rendered) -> None:
    secret = dev_kubernetes.one("kubernetes:core/v1:Secret")
    assert secret.inputs["type"] == "Opaque"
    assert is_secret_value(secret.inputs["stringData"])
    assert secret.props["stringData"] == {"OPENAI_API_KEY": SECRET_VALUE}
    assert dev_kubernetes.secret_string_data_is_secret is True


def test_secret_values_appear_nowhere_but_in_the_secret(dev_kubernetes: Rendered) -> None:
    for registered in dev_kubernetes.resources.values():
        if registered.type != "kubernetes:core/v1:Secret":
            assert SECRET_VALUE not in json.dumps(registered.props), registered.name
    assert SECRET_VALUE not in json.dumps(dev_kubernetes.outputs)
