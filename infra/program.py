"""The one program function, `deploy`, that builds a tenant's resources.

`pulumi up` (through `infra/__main__.py`) and the Automation API (as an inline program) both
run it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi

from infra._providers import aws_provider, kubernetes_provider
from infra.spec import BuildSpec, DeploymentSpec

if TYPE_CHECKING:
    import pulumi_aws as aws


def _build_and_push(
    spec: DeploymentSpec, build: BuildSpec, provider: aws.Provider
) -> pulumi.Output[str]:
    """One build for both targets: the tenant's ECR repository first, then the image."""
    from infra.components.aws import AgentRepository, AgentRepositoryArgs
    from infra.components.image import AgentImage, AgentImageArgs

    name = spec.stack_name
    repository = AgentRepository(
        f"{name}-repository",
        AgentRepositoryArgs(spec=spec),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    image = AgentImage(
        f"{name}-image",
        AgentImageArgs(
            agent=spec.agent,
            build=build,
            repository_url=repository.repository_url,
            registry_id=repository.registry_id,
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    pulumi.export("repositoryUrl", repository.repository_url)
    return image.image_ref


def deploy(
    spec: DeploymentSpec,
    secret_env: Mapping[str, pulumi.Input[str]],
    pull_secret: pulumi.Input[str] | None = None,
) -> None:
    """Build every resource of one tenant and export its outputs.

    Args:
        spec: the validated deployment spec.
        secret_env: the agent's secret environment values (made Pulumi secrets here).
        pull_secret: the registry credentials of `agent.image.pullSecret`, a Docker config
            JSON (made a Pulumi secret here).
    """
    secrets = {name: pulumi.Output.secret(value) for name, value in secret_env.items()}
    build = spec.agent.image.build
    needs_aws = spec.lambda_.enabled or build is not None
    provider = aws_provider(spec) if needs_aws else None

    image_ref: pulumi.Input[str]
    if build is not None:
        assert provider is not None
        image_ref = _build_and_push(spec, build, provider)
    else:
        assert spec.agent.image.ref is not None  # the spec holds exactly one of ref and build
        image_ref = spec.agent.image.ref
    pulumi.export("stack", spec.stack_name)
    pulumi.export("image", image_ref)

    if spec.lambda_.enabled:
        from infra.components.aws import LambdaAgent, LambdaAgentArgs

        assert provider is not None
        function = LambdaAgent(
            f"{spec.stack_name}-lambda",
            LambdaAgentArgs(spec=spec, image_ref=image_ref, secret_env=secrets),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        pulumi.export("endpointUrl", function.endpoint_url)
        pulumi.export("functionName", function.function_name)
        optional = {
            "domainTarget": function.domain_target,
            "alertsTopicArn": function.alerts_topic_arn,
            "deploymentGroup": function.deployment_group,
            "lastRelease": function.last_release,
        }
        for key, value in optional.items():
            if value is not None:
                pulumi.export(key, value)

    if spec.kubernetes.enabled:
        from infra.components.kubernetes import KubernetesAgent, KubernetesAgentArgs

        cluster = spec.kubernetes.cluster
        agent = KubernetesAgent(
            f"{spec.stack_name}-kubernetes",
            KubernetesAgentArgs(
                spec=spec,
                image=image_ref,
                secret_env=secrets,
                pull_secret=pulumi.Output.secret(pull_secret) if pull_secret is not None else None,
            ),
            opts=pulumi.ResourceOptions(providers=[kubernetes_provider(cluster)]),
        )
        pulumi.export("namespace", agent.namespace)
        pulumi.export("serviceUrl", agent.service_url)
        if agent.claim_name is not None:
            pulumi.export(
                "storage", {"claim": agent.claim_name, "onDestroy": agent.storage_on_destroy}
            )
        if cluster.render_dir is not None:
            pulumi.export("renderDir", str(cluster.render_dir))
