"""How the agent is reached: the Service, and the optional Ingress in front of it."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from infra.components.kubernetes._labels import selector_labels
from infra.components.kubernetes._pod import PORT_NAME
from infra.spec import DeploymentSpec, IngressSpec, ServiceType

core = k8s.core.v1
net = k8s.networking.v1


def service_spec(spec: DeploymentSpec) -> core.ServiceSpecArgs:
    """The spec's type and port, to the agent port, as the named port `http`."""
    service = spec.kubernetes.service
    return core.ServiceSpecArgs(
        type=service.type.value,
        selector=selector_labels(spec),
        ports=[
            core.ServicePortArgs(
                name=PORT_NAME,
                protocol="TCP",
                port=service.port,
                target_port=spec.agent.port,
                node_port=service.node_port if service.type is ServiceType.NODE_PORT else None,
            )
        ],
    )


def ingress_spec(ingress: IngressSpec, service: pulumi.Input[str]) -> net.IngressSpecArgs:
    """Host and path prefix to the Service's `http` port, with TLS when a Secret is named."""
    tls = (
        [net.IngressTLSArgs(hosts=[ingress.host], secret_name=ingress.tls_secret_name)]
        if ingress.tls_secret_name
        else None
    )
    backend = net.IngressBackendArgs(
        service=net.IngressServiceBackendArgs(
            name=service, port=net.ServiceBackendPortArgs(name=PORT_NAME)
        )
    )
    return net.IngressSpecArgs(
        ingress_class_name=ingress.class_name,
        tls=tls,
        rules=[
            net.IngressRuleArgs(
                host=ingress.host,
                http=net.HTTPIngressRuleValueArgs(
                    paths=[
                        net.HTTPIngressPathArgs(
                            path=ingress.path, path_type="Prefix", backend=backend
                        )
                    ]
                ),
            )
        ],
    )
