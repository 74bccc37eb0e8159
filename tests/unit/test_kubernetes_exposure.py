"""`KubernetesAgent`: the Service and the optional Ingress."""

from __future__ import annotations

from tests.unit.mocks.kubernetes import Rendered, make_spec, render

SERVICE = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"


def test_cluster_ip_service_targets_the_agent_port() -> None:
    rendered = render(make_spec(agent={"port": 9000}))
    service = rendered.one(SERVICE).props["spec"]
    assert service["type"] == "ClusterIP"
    assert service["selector"] == rendered.deployment["spec"]["selector"]["matchLabels"]
    assert service["ports"] == [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 9000}]


def test_node_port_service_gets_the_spec_s_node_port() -> None:
    spec = make_spec(kubernetes={"service": {"type": "NodePort", "port": 8080, "nodePort": 30080}})
    service = render(spec).one(SERVICE).props["spec"]
    assert service["type"] == "NodePort"
    (port,) = service["ports"]
    assert (port["port"], port["nodePort"]) == (8080, 30080)


def test_load_balancer_service_type() -> None:
    spec = make_spec(kubernetes={"service": {"type": "LoadBalancer"}})
    service = render(spec).one(SERVICE).props["spec"]
    assert service["type"] == "LoadBalancer"
    assert "nodePort" not in service["ports"][0]


def test_no_ingress_unless_the_spec_has_one(dev_kubernetes: Rendered) -> None:
    assert dev_kubernetes.of_type(INGRESS) == []


def test_ingress_routes_host_and_path_to_the_service_with_tls() -> None:
    spec = make_spec(
        kubernetes={
            "ingress": {
                "host": "agent.acme.example",
                "path": "/v1",
                "className": "nginx",
                "tlsSecretName": "agent-acme-tls",
            },
            "networkPolicy": {"allowFromNamespaces": ["ingress-nginx"]},
        }
    )
    rendered = render(spec)
    ingress = rendered.one(INGRESS)
    body = ingress.props["spec"]
    assert body["ingressClassName"] == "nginx"
    assert body["tls"] == [{"hosts": ["agent.acme.example"], "secretName": "agent-acme-tls"}]
    (rule,) = body["rules"]
    assert rule["host"] == "agent.acme.example"
    assert rule["http"]["paths"] == [
        {
            "path": "/v1",
            "pathType": "Prefix",
            "backend": {"service": {"name": "support-bot", "port": {"name": "http"}}},
        }
    ]
    assert rendered.one(SERVICE).urn in ingress.dependencies


def test_ingress_without_tls_secret_has_no_tls() -> None:
    spec = make_spec(
        kubernetes={
            "ingress": {"host": "agent.acme.example"},
            "networkPolicy": {"allowFromNamespaces": ["ingress-nginx"]},
        }
    )
    body = render(spec).one(INGRESS).props["spec"]
    assert "tls" not in body
    assert "ingressClassName" not in body


def test_ingress_without_an_allowed_namespace_warns() -> None:
    spec = make_spec(kubernetes={"ingress": {"host": "agent.acme.example"}})
    assert any("allowFromNamespaces is empty" in warning for warning in render(spec).warnings)
