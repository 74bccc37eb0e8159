"""`AgentRepository`: the tenant's ECR repository, created before any image is pushed."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra._providers import tenant_tags
from infra.components.aws._names import aws_names
from infra.components.aws._policies import lifecycle_policy
from infra.spec import DeploymentSpec

TYPE_TOKEN = "jockey:aws:AgentRepository"


@dataclass(frozen=True)
class AgentRepositoryArgs:
    """Inputs of `AgentRepository`.

    Attributes:
        spec: the validated deployment spec (tenant, agent name, `lambda.keepImages`).
    """

    spec: DeploymentSpec


class AgentRepository(pulumi.ComponentResource):
    """An ECR repository per tenant and agent: scan on push, immutable tags, lifecycle.

    Tags are immutable, so a pushed tag always names the same image; the lifecycle policy
    keeps the newest `lambda.keepImages` images. The repository is never force-deleted:
    destroying a stack whose repository still holds images fails instead of losing them.
    The AWS provider comes in through `opts`.

    Attributes:
        repository_url: `<account>.dkr.ecr.<region>.amazonaws.com/<name>`.
        repository_name: `<tenant>-<environment>/<agent>`.
        repository_arn: the repository's ARN.
        registry_id: the account that owns the registry.
    """

    repository_url: pulumi.Output[str]
    repository_name: pulumi.Output[str]
    repository_arn: pulumi.Output[str]
    registry_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: AgentRepositoryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the repository and its lifecycle policy.

        Args:
            name: the component's name; children are named `<name>-<suffix>`.
            args: the spec.
            opts: resource options, carrying the AWS provider.
        """
        super().__init__(TYPE_TOKEN, name, None, opts)
        spec = args.spec
        repository = aws.ecr.Repository(
            f"{name}-repository",
            name=aws_names(spec).repository,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=True
            ),
            force_delete=False,
            tags=tenant_tags(spec),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=repository.name,
            policy=lifecycle_policy(spec.lambda_.keep_images),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.repository_url = repository.repository_url
        self.repository_name = repository.name
        self.repository_arn = repository.arn
        self.registry_id = repository.registry_id
        self.register_outputs(
            {
                "repositoryUrl": self.repository_url,
                "repositoryName": self.repository_name,
                "repositoryArn": self.repository_arn,
                "registryId": self.registry_id,
            }
        )
