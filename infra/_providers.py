"""Providers the program creates and hands to components through resource options."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi_kubernetes as k8s

from infra.spec import ClusterSpec, DeploymentSpec

if TYPE_CHECKING:
    import pulumi_aws as aws


# ConfigMaps and Secrets have fixed names and are updated in place: the Deployment's
# config checksum rolls the pods. (By default the provider replaces them on any data change,
# which with fixed names cascades into replacing the Deployment.)
def kubernetes_provider(cluster: ClusterSpec, name: str = "kubernetes") -> k8s.Provider:
    """The cluster the spec picks: render to a folder, a kubeconfig file, or a context."""
    if cluster.render_dir is not None:
        # Render mode writes manifests (Secrets included, base64) and never contacts a cluster.
        return k8s.Provider(
            name,
            render_yaml_to_directory=str(cluster.render_dir),
            enable_config_map_mutable=True,
            enable_secret_mutable=True,
        )
    if cluster.kubeconfig is not None:
        return k8s.Provider(
            name,
            kubeconfig=cluster.kubeconfig.read_text(),
            context=cluster.context,
            enable_config_map_mutable=True,
            enable_secret_mutable=True,
        )
    return k8s.Provider(
        name, context=cluster.context, enable_config_map_mutable=True, enable_secret_mutable=True
    )


def tenant_tags(spec: DeploymentSpec) -> dict[str, str]:
    """Tags on every AWS resource: the tenant's labels plus who and what it is."""
    return {
        **spec.tenant.labels,
        "jockey:tenant": spec.tenant.id,
        "jockey:organization": spec.tenant.organization,
        "jockey:environment": spec.tenant.environment.value,
        "jockey:agent": spec.agent.name,
        "managed-by": "jockey",
    }


def aws_provider(spec: DeploymentSpec, name: str = "aws") -> aws.Provider:
    """The AWS provider (region and credentials from the usual AWS settings).

    Imported here, not at the top: Kubernetes-only tenants never load the AWS SDK.
    """
    import pulumi_aws as aws

    return aws.Provider(
        name,
        default_tags=aws.ProviderDefaultTagsArgs(tags=tenant_tags(spec)),
    )
