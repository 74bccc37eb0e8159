"""The one program function: `pulumi up` (through `infra/__main__.py`) and the Automation
API (as an inline program) both build a tenant's resources with `deploy`."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from infra._providers import aws_provider, kubernetes_provider
from infra.spec import DeploymentSpec


def _image_ref(
    spec: DeploymentSpec, secret_env: Mapping[str, pulumi.Input[str]]
) -> tuple[pulumi.Input[str], dict[str, pulumi.Output[object]]]:
    """The digest-pinned image both targets run: the prebuilt ref, or one build and push."""
    if spec.agent.image.ref is not None:
        return spec.agent.image.ref, {}
    build = spec.agent.image.build
    assert build is not None  # the spec guarantees exactly one of ref and build
    from infra.components.aws import AgentRepository, AgentRepositoryArgs
    from infra.components.image import AgentImage, AgentImageArgs

    provider = aws_provider(spec, "aws-registry")
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
        opts=pulumi.ResourceOptions(providers=[provider], depends_on=[repository]),
    )
    return image.image_ref, {"repositoryUrl": repository.repository_url}


def deploy(spec: DeploymentSpec, secret_env: Mapping[str, pulumi.Input[str]]) -> None:
    """Build every resource of one tenant and export its outputs.

    Args:
        spec: the validated deployment spec.
        secret_env: the agent's secret environment values (Pulumi secrets).
    """
    secrets = {name: pulumi.Output.secret(value) for name, value in secret_env.items()}
    image_ref, image_outputs = _image_ref(spec, secrets)
    name = spec.stack_name
    pulumi.export("stack", name)
    pulumi.export("image", image_ref)
    for key, value in image_outputs.items():
        pulumi.export(key, value)

    if spec.lambda_.enabled:
        from infra.components.aws import LambdaAgent, LambdaAgentArgs

        provider = aws_provider(spec)
        function = LambdaAgent(
            f"{name}-lambda",
            LambdaAgentArgs(spec=spec, image_ref=image_ref, secret_env=secrets),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        pulumi.export("endpointUrl", function.endpoint_url)
        pulumi.export("functionName", function.function_name)

    if spec.kubernetes.enabled:
        from infra.components.kubernetes import KubernetesAgent, KubernetesAgentArgs

        provider = kubernetes_provider(spec.kubernetes.cluster)
        agent = KubernetesAgent(
            f"{name}-kubernetes",
            KubernetesAgentArgs(spec=spec, image=image_ref, secret_env=secrets),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        pulumi.export("namespace", agent.namespace)
        pulumi.export("serviceUrl", agent.service_url)
        if spec.kubernetes.cluster.render_dir is not None:
            pulumi.export("renderDir", str(spec.kubernetes.cluster.render_dir))
