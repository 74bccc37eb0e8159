"""`KubernetesAgent`: one tenant's hardened agent in its own namespace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from infra.components.kubernetes._access import role_ref, subjects
from infra.components.kubernetes._apply import apply_annotations, rollout_timeouts
from infra.components.kubernetes._checksum import config_checksum
from infra.components.kubernetes._exposure import ingress_spec, service_spec
from infra.components.kubernetes._guardrails import limit_range_spec, quota_spec
from infra.components.kubernetes._labels import common_labels, namespace_labels, selector_labels
from infra.components.kubernetes._network import (
    allow_agent_egress,
    allow_agent_ingress,
    default_deny,
)
from infra.components.kubernetes._pod import agent_container, pod_template
from infra.components.kubernetes._scaling import autoscaler_spec, disruption_budget_spec
from infra.components.kubernetes._storage import claim_spec
from infra.spec import (
    AccessRole,
    DeploymentSpec,
    RolloutStrategy,
    effective_autoscaling,
    effective_disruption_budget,
    effective_retain_on_destroy,
)

core = k8s.core.v1
meta = k8s.meta.v1

TYPE_TOKEN = "jockey:kubernetes:Agent"
REVISION_HISTORY = 5


@dataclass(frozen=True)
class KubernetesAgentArgs:
    """Inputs of `KubernetesAgent`.

    Attributes:
        spec: the validated deployment spec.
        image: the digest-pinned image reference the pods run (`<repo>@sha256:<digest>`).
        secret_env: the agent's secret environment values (made Pulumi secrets here too).
        pull_secret: the registry credentials, a Docker config JSON (`agent.image.pullSecret`;
            made a Pulumi secret here too).
    """

    spec: DeploymentSpec
    image: pulumi.Input[str]
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    pull_secret: pulumi.Input[str] | None = None


def _strategy(spec: DeploymentSpec) -> k8s.apps.v1.DeploymentStrategyArgs:
    if spec.kubernetes.strategy is RolloutStrategy.RECREATE:
        return k8s.apps.v1.DeploymentStrategyArgs(type="Recreate")
    # A new pod must be Ready before an old one goes: capacity never drops during a rollout.
    return k8s.apps.v1.DeploymentStrategyArgs(
        type="RollingUpdate",
        rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0),
    )


class KubernetesAgent(pulumi.ComponentResource):
    """One tenant's agent on Kubernetes, hardened to the Pod Security "restricted" profile.

    Creates the Namespace, ServiceAccount, ConfigMap, Secret (when there are secret values),
    ResourceQuota, LimitRange, default-deny NetworkPolicy with the allowed paths, Deployment
    and Service, plus an HPA and a PodDisruptionBudget when the spec asks (always in prod),
    an Ingress when the spec has one, a PersistentVolumeClaim (`storage`), RoleBindings to
    the built-in view and edit roles (`access`) and a registry Secret (`pullSecret`). Every
    object has a fixed `metadata.name`; every await is bounded (see `_apply`). The
    Kubernetes provider comes in through `opts`.

    Attributes:
        namespace: the tenant's namespace.
        service_name: the Service's name.
        deployment_name: the Deployment's name.
        service_url: the agent's cluster-internal URL,
            `http://<service>.<namespace>.svc.cluster.local:<port>`.
        claim_name: the PersistentVolumeClaim's name (None without `storage`).
        storage_on_destroy: what `destroy` does with the claim and its namespace, `keep` or
            `delete` (None without `storage`).
    """

    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    service_url: pulumi.Output[str]
    claim_name: pulumi.Output[str] | None
    storage_on_destroy: str | None

    def __init__(
        self, name: str, args: KubernetesAgentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the tenant's Kubernetes objects.

        Args:
            name: the component's name; children are named `<name>-<suffix>`.
            args: the spec, the image and the secret values.
            opts: resource options, carrying the Kubernetes provider.
        """
        super().__init__(TYPE_TOKEN, name, None, opts)
        spec = args.spec
        agent = spec.agent.name
        ns_name = spec.namespace
        labels = common_labels(spec)
        storage = spec.kubernetes.storage
        # A kept claim needs its namespace kept too: deleting a namespace deletes its claims.
        keep_storage = storage is not None and effective_retain_on_destroy(spec)

        namespace = core.Namespace(
            f"{name}-namespace",
            metadata=meta.ObjectMetaArgs(
                name=ns_name, labels=namespace_labels(spec), annotations=apply_annotations()
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=keep_storage),
        )
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[namespace])

        def metadata(object_name: str, *, skip_await: bool = False) -> meta.ObjectMetaArgs:
            return meta.ObjectMetaArgs(
                name=object_name,
                namespace=ns_name,
                labels=labels,
                annotations=apply_annotations(skip_await=skip_await),
            )

        # Guardrails first: pods created before the quota and LimitRange would escape them.
        quota = core.ResourceQuota(
            f"{name}-quota",
            metadata=metadata(f"{agent}-quota"),
            spec=quota_spec(spec),
            opts=in_namespace,
        )
        limit_range = core.LimitRange(
            f"{name}-limits",
            metadata=metadata(f"{agent}-limits"),
            spec=limit_range_spec(spec),
            opts=in_namespace,
        )
        policies = [
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{suffix}",
                metadata=metadata(f"{agent}-{suffix}"),
                spec=policy,
                opts=in_namespace,
            )
            for suffix, policy in (
                ("default-deny", default_deny()),
                ("allow-ingress", allow_agent_ingress(spec)),
                ("allow-egress", allow_agent_egress(spec)),
            )
        ]

        service_account = core.ServiceAccount(
            f"{name}-service-account",
            metadata=metadata(agent),
            automount_service_account_token=False,
            opts=in_namespace,
        )
        config = {**spec.agent.env, "PORT": str(spec.agent.port)}
        config_map = core.ConfigMap(
            f"{name}-config", metadata=metadata(f"{agent}-env"), data=config, opts=in_namespace
        )
        secrets = {key: pulumi.Output.secret(value) for key, value in args.secret_env.items()}
        secret = (
            core.Secret(
                f"{name}-secret",
                metadata=metadata(f"{agent}-secrets"),
                type="Opaque",
                string_data=pulumi.Output.secret(secrets),
                opts=in_namespace,
            )
            if secrets
            else None
        )

        claim = (
            core.PersistentVolumeClaim(
                f"{name}-data",
                metadata=metadata(f"{agent}-data", skip_await=True),
                spec=claim_spec(storage),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[namespace, quota],
                    retain_on_delete=keep_storage,
                ),
            )
            if storage is not None
            else None
        )
        registry = (
            core.Secret(
                f"{name}-registry",
                metadata=metadata(f"{agent}-registry"),
                type="kubernetes.io/dockerconfigjson",
                string_data=pulumi.Output.secret({".dockerconfigjson": args.pull_secret}),
                opts=in_namespace,
            )
            if args.pull_secret is not None
            else None
        )
        for role in AccessRole:
            granted = subjects(spec, role)
            if granted:
                k8s.rbac.v1.RoleBinding(
                    f"{name}-access-{role.value}",
                    metadata=metadata(f"{agent}-{role.value}"),
                    role_ref=role_ref(role),
                    subjects=granted,
                    opts=in_namespace,
                )

        autoscaling = effective_autoscaling(spec)
        container = agent_container(
            spec,
            image=args.image,
            config_map=config_map.metadata.name,
            secret=secret.metadata.name if secret is not None else None,
        )
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=metadata(agent),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=autoscaling.min_replicas if autoscaling else spec.kubernetes.replicas,
                revision_history_limit=REVISION_HISTORY,
                # Selectors are immutable: only labels that never change (no version).
                selector=meta.LabelSelectorArgs(match_labels=selector_labels(spec)),
                strategy=_strategy(spec),
                template=pod_template(
                    spec,
                    container=container,
                    service_account=service_account.metadata.name,
                    checksum=config_checksum(ns_name, config, secrets),
                    claim=claim.metadata.name if claim is not None else None,
                    pull_secret=registry.metadata.name if registry is not None else None,
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[namespace, quota, limit_range, *policies],
                custom_timeouts=rollout_timeouts(spec),
                # With an HPA the replica count is its to own: the initial count is its
                # minimum, and later `up`s leave the field alone (with server-side apply the
                # provider drops an ignored field the autoscaler manages from its patch).
                # kube-score prefers the field absent, but then the first rollout of a prod
                # tenant would start with one pod instead of its minimum.
                ignore_changes=["spec.replicas"] if autoscaling else None,
            ),
        )
        # After the Deployment: its await proves the pods ready, so the Service skips its own.
        service = core.Service(
            f"{name}-service",
            metadata=metadata(agent, skip_await=True),
            spec=service_spec(spec),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace, deployment]),
        )

        if autoscaling is not None:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(
                f"{name}-autoscaler",
                metadata=metadata(agent),
                spec=autoscaler_spec(autoscaling, deployment.metadata.name),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace, deployment]),
            )
        budget = effective_disruption_budget(spec)
        if budget is not None:
            k8s.policy.v1.PodDisruptionBudget(
                f"{name}-disruption-budget",
                metadata=metadata(agent),
                spec=disruption_budget_spec(spec, budget),
                opts=in_namespace,
            )
        ingress = spec.kubernetes.ingress
        if ingress is not None:
            if not spec.kubernetes.network_policy.allow_from_namespaces:
                pulumi.log.warn(
                    f"kubernetes.ingress is set for {ns_name} but "
                    "kubernetes.networkPolicy.allowFromNamespaces is empty: the default-deny "
                    "policy blocks the ingress controller; add its namespace there",
                    resource=self,
                )
            k8s.networking.v1.Ingress(
                f"{name}-ingress",
                metadata=metadata(agent, skip_await=True),
                spec=ingress_spec(ingress, service.metadata.name),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace, service]),
            )

        self.namespace = namespace.metadata.name
        self.service_name = service.metadata.name
        self.deployment_name = deployment.metadata.name
        self.service_url = pulumi.Output.concat(
            "http://",
            self.service_name,
            ".",
            self.namespace,
            ".svc.cluster.local:",
            str(spec.kubernetes.service.port),
        )
        self.claim_name = claim.metadata.name if claim is not None else None
        self.storage_on_destroy = None
        if storage is not None:
            self.storage_on_destroy = "keep" if keep_storage else "delete"
        self.register_outputs(
            {
                "namespace": self.namespace,
                "serviceName": self.service_name,
                "deploymentName": self.deployment_name,
                "serviceUrl": self.service_url,
                "claimName": self.claim_name,
                "storageOnDestroy": self.storage_on_destroy,
            }
        )
