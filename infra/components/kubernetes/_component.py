"""`KubernetesAgent`: one tenant's hardened agent in its own namespace."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.components.kubernetes._labels import common_labels, namespace_labels, selector_labels
from infra.components.kubernetes._network import (
    allow_agent_egress,
    allow_agent_ingress,
    default_deny,
)
from infra.components.kubernetes._pod import pod_template
from infra.spec import DeploymentSpec, effective_autoscaling, effective_disruption_budget


@dataclass(frozen=True)
class KubernetesAgentArgs:
    """Inputs of `KubernetesAgent`.

    Attributes:
        spec: the validated deployment spec.
        image: the digest-pinned image reference the pods run.
        secret_env: the agent's secret environment values (made Pulumi secrets here too).
    """

    spec: DeploymentSpec
    image: pulumi.Input[str]
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


def config_checksum(
    config: Mapping[str, str], secrets: Mapping[str, pulumi.Input[str]]
) -> pulumi.Output[str]:
    """sha256 over the ConfigMap data and the secret values, to roll pods on any change.

    The digest is unsecreted on purpose: it goes into the pod template where `kubectl` shows
    it, and a sha256 over the whole env reveals no secret; keeping it secret-tainted would
    hide every pod-template change in previews.
    """
    names = sorted(secrets)
    values = pulumi.Output.all(*(secrets[name] for name in names))

    def digest(resolved: list[Any]) -> str:
        payload = json.dumps(
            {
                "config": dict(sorted(config.items())),
                "secrets": dict(zip(names, resolved, strict=True)),
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    return pulumi.Output.unsecret(values.apply(digest))


class KubernetesAgent(pulumi.ComponentResource):
    """Namespace (Pod Security "restricted"), ServiceAccount, ConfigMap, Secret, Deployment,
    Service, ResourceQuota, LimitRange, NetworkPolicies, and HPA, PDB, Ingress when asked for
    (HPA and PDB always in prod). The Kubernetes provider comes in through `opts`.

    Attributes:
        namespace: the tenant's namespace.
        deployment_name: the Deployment's name.
        service_name: the Service's name.
        service_url: the in-cluster URL of the agent.
    """

    namespace: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    service_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: KubernetesAgentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("jockey:kubernetes:Agent", name, None, opts)
        spec = args.spec
        labels = common_labels(spec)
        ns_name = spec.namespace
        agent = spec.agent.name

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": ns_name, "labels": namespace_labels(spec)},
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, depends_on=[namespace])

        def meta(object_name: str) -> dict[str, Any]:
            return {"name": object_name, "namespace": ns_name, "labels": labels}

        service_account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=meta(agent),
            automount_service_account_token=False,
            opts=child,
        )
        config = {**spec.agent.env, "PORT": str(spec.agent.port)}
        config_map = k8s.core.v1.ConfigMap(
            f"{name}-config", metadata=meta(f"{agent}-env"), data=config, opts=child
        )
        secrets = {key: pulumi.Output.secret(value) for key, value in args.secret_env.items()}
        secret = (
            k8s.core.v1.Secret(
                f"{name}-secret",
                metadata=meta(f"{agent}-secrets"),
                type="Opaque",
                string_data=pulumi.Output.secret(secrets),
                opts=child,
            )
            if secrets
            else None
        )
        k8s.core.v1.ResourceQuota(
            f"{name}-quota", metadata=meta(f"{agent}-quota"), spec=self._quota(spec), opts=child
        )
        resources = spec.kubernetes.resources
        limit_range = k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=meta(f"{agent}-limits"),
            spec={
                "limits": [
                    {
                        "type": "Container",
                        "default": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
                        "default_request": {
                            "cpu": resources.cpu_request,
                            "memory": resources.memory_request,
                        },
                    }
                ]
            },
            opts=child,
        )
        policies = [
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{suffix}", metadata=meta(f"{agent}-{suffix}"), spec=body, opts=child
            )
            for suffix, body in (
                ("default-deny", default_deny()),
                ("allow-ingress", allow_agent_ingress(spec)),
                ("allow-egress", allow_agent_egress(spec)),
            )
        ]

        autoscaling = effective_autoscaling(spec)
        rolling = spec.kubernetes.strategy.value == "RollingUpdate"
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta(agent),
            spec={
                # With an HPA, replicas belong to it: omitting the field keeps `up` from
                # resetting what the autoscaler chose.
                "replicas": None if autoscaling else spec.kubernetes.replicas,
                "revision_history_limit": 5,
                "selector": {"match_labels": selector_labels(spec)},
                "strategy": (
                    {
                        "type": "RollingUpdate",
                        "rolling_update": {"max_surge": 1, "max_unavailable": 0},
                    }
                    if rolling
                    else {"type": "Recreate"}
                ),
                "template": pod_template(
                    spec,
                    image=args.image,
                    service_account=service_account.metadata.name,
                    config_map=config_map.metadata.name,
                    secret=secret.metadata.name if secret else None,
                    checksum=config_checksum(config, secrets),
                ),
            },
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[namespace, limit_range, *policies]
            ),
        )
        service_spec = spec.kubernetes.service
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=meta(agent),
            spec={
                "type": service_spec.type.value,
                "selector": selector_labels(spec),
                "ports": [
                    {
                        "name": "http",
                        "port": service_spec.port,
                        "target_port": "http",
                        "protocol": "TCP",
                        "node_port": service_spec.node_port,
                    }
                ],
            },
            opts=child,
        )
        if autoscaling is not None:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(
                f"{name}-autoscaler",
                metadata=meta(agent),
                spec={
                    "scale_target_ref": {
                        "api_version": "apps/v1",
                        "kind": "Deployment",
                        "name": agent,
                    },
                    "min_replicas": autoscaling.min_replicas,
                    "max_replicas": autoscaling.max_replicas,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {
                                    "type": "Utilization",
                                    "average_utilization": autoscaling.target_cpu_utilization,
                                },
                            },
                        }
                    ],
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[deployment]),
            )
        budget = effective_disruption_budget(spec)
        if budget is not None:
            k8s.policy.v1.PodDisruptionBudget(
                f"{name}-disruption-budget",
                metadata=meta(agent),
                spec={
                    "min_available": budget.min_available,
                    "selector": {"match_labels": selector_labels(spec)},
                },
                opts=child,
            )
        ingress = spec.kubernetes.ingress
        if ingress is not None:
            k8s.networking.v1.Ingress(
                f"{name}-ingress",
                metadata=meta(agent),
                spec={
                    "ingress_class_name": ingress.class_name,
                    "tls": (
                        [{"hosts": [ingress.host], "secret_name": ingress.tls_secret_name}]
                        if ingress.tls_secret_name
                        else None
                    ),
                    "rules": [
                        {
                            "host": ingress.host,
                            "http": {
                                "paths": [
                                    {
                                        "path": ingress.path,
                                        "path_type": "Prefix",
                                        "backend": {
                                            "service": {"name": agent, "port": {"name": "http"}}
                                        },
                                    }
                                ]
                            },
                        }
                    ],
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[service]),
            )

        self.namespace = namespace.metadata.name
        self.deployment_name = deployment.metadata.name
        self.service_name = service.metadata.name
        self.service_url = pulumi.Output.concat(
            "http://",
            service.metadata.name,
            ".",
            ns_name,
            ".svc.cluster.local:",
            str(service_spec.port),
        )
        self.register_outputs(
            {
                "namespace": self.namespace,
                "deploymentName": self.deployment_name,
                "serviceName": self.service_name,
                "serviceUrl": self.service_url,
            }
        )

    @staticmethod
    def _quota(spec: DeploymentSpec) -> dict[str, Any]:
        quota = spec.kubernetes.quota
        service_type = spec.kubernetes.service.type.value
        hard = {
            "requests.cpu": quota.cpu,
            "limits.cpu": quota.cpu,
            "requests.memory": quota.memory,
            "limits.memory": quota.memory,
            "pods": str(quota.pods),
            "services.loadbalancers": "1" if service_type == "LoadBalancer" else "0",
            "services.nodeports": "1" if service_type == "NodePort" else "0",
        }
        return {"hard": hard}
