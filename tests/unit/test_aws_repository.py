"""`AgentRepository` under Pulumi mocks: a hardened ECR repository per tenant and agent."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from infra._providers import tenant_tags
from infra.components.aws import AgentRepository, AgentRepositoryArgs
from infra.spec import DeploymentSpec
from tests.unit.mocks.aws import ACCOUNT, REGISTRY, Rendered, make_spec, render

COMPONENT = "acme-dev-repository"


def render_repository(spec: DeploymentSpec) -> Rendered:
    def program(provider: pulumi.ProviderResource) -> dict[str, Any]:
        repository = AgentRepository(
            COMPONENT,
            AgentRepositoryArgs(spec=spec),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        return {
            "repository_url": repository.repository_url,
            "repository_name": repository.repository_name,
            "repository_arn": repository.repository_arn,
            "registry_id": repository.registry_id,
        }

    return render(program)


def test_repository_scans_on_push_with_immutable_tags_and_is_never_force_deleted() -> None:
    rendered = render_repository(make_spec())
    repository = rendered.one("aws:ecr/repository:Repository").props
    assert repository["name"] == "acme-dev/support-bot"
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["forceDelete"] is False


def test_lifecycle_policy_keeps_the_newest_keep_images() -> None:
    rendered = render_repository(make_spec(lambda_={"keepImages": 25}))
    lifecycle = rendered.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").props
    assert lifecycle["repository"] == "acme-dev/support-bot"
    (rule,) = json.loads(lifecycle["policy"])["rules"]
    assert rule["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 25,
    }
    assert rule["action"] == {"type": "expire"}


def test_repository_carries_the_tenant_tags() -> None:
    spec = make_spec()
    tags = render_repository(spec).one("aws:ecr/repository:Repository").props["tags"]
    assert tags == tenant_tags(spec)
    assert tags["team"] == "support"
    assert tags["managed-by"] == "jockey"
    assert tags["jockey:tenant"] == "acme"
    assert tags["jockey:environment"] == "dev"
    assert tags["jockey:organization"] == "acme-corp"


def test_children_are_parented_named_and_use_the_provider_from_opts() -> None:
    rendered = render_repository(make_spec())
    component = rendered.resources[COMPONENT]
    assert component.type == "jockey:aws:AgentRepository"
    provider = rendered.resources["aws"]
    for resource in rendered.aws():
        assert resource.parent == component.urn
        assert resource.name.startswith(f"{COMPONENT}-")
        assert resource.provider.startswith(provider.urn)


def test_outputs_name_the_repository_and_its_registry() -> None:
    rendered = render_repository(make_spec())
    assert rendered.outputs["repository_url"] == f"{REGISTRY}/acme-dev/support-bot"
    assert rendered.outputs["repository_name"] == "acme-dev/support-bot"
    assert rendered.outputs["registry_id"] == ACCOUNT
    assert rendered.outputs["repository_arn"].endswith(":repository/acme-dev/support-bot")
    (outputs,) = rendered.registered_outputs[rendered.resources[COMPONENT].urn]
    assert outputs["repositoryUrl"] == rendered.outputs["repository_url"]
