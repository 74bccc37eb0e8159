"""`AgentImage` under Pulumi mocks: one build, pushed to ECR, digest-pinned.

Inputs are identical (so no rebuild or push) when the build context has not changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pulumi
import pytest

from infra.components.aws import AgentRepository, AgentRepositoryArgs
from infra.components.image import (
    AgentImage,
    AgentImageArgs,
    context_hash,
    image_tag,
    render_dockerfile,
)
from infra.spec import AgentSpec, BuildSpec
from tests.unit.mocks import Registered, is_secret_value, plain
from tests.unit.mocks.aws import ACCOUNT, ECR_PASSWORD, REGISTRY, Rendered, make_spec, render

REPO = Path(__file__).resolve().parents[2]
ECHO_AGENT = REPO / "examples" / "echo-agent"
REPOSITORY_URL = f"{REGISTRY}/acme-dev/support-bot"
IMAGE_TYPE = "docker:index/image:Image"
TOKEN_CALL = "aws:ecr/getAuthorizationToken:getAuthorizationToken"


@pytest.fixture
def context(tmp_path: Path) -> Path:
    """A private copy of the echo agent, safe to edit."""
    target = tmp_path / "echo-agent"
    shutil.copytree(ECHO_AGENT, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def agent_with_build(context: Path, **build: Any) -> tuple[AgentSpec, BuildSpec]:
    spec = make_spec(
        agent={
            "image": {
                "ref": None,
                "build": {"context": str(context), "platform": "linux/arm64", **build},
            }
        }
    )
    assert spec.agent.image.build is not None
    return spec.agent, spec.agent.image.build


def render_image(context: Path, **build: Any) -> Rendered:
    agent, build_spec = agent_with_build(context, **build)

    def program(provider: pulumi.ProviderResource) -> dict[str, Any]:
        image = AgentImage(
            "acme-dev-image",
            AgentImageArgs(
                agent=agent, build=build_spec, repository_url=REPOSITORY_URL, registry_id=ACCOUNT
            ),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        return {
            "image_ref": image.image_ref,
            "image_name": image.image_name,
            "tag": image.tag,
            "context_hash": image.context_hash,
        }

    return render(program)


def build_inputs(rendered: Rendered) -> dict[str, Any]:
    return rendered.one(IMAGE_TYPE).props


def test_builds_the_rendered_dockerfile_for_the_spec_platform(context: Path) -> None:
    rendered = render_image(context)
    image = rendered.one(IMAGE_TYPE)
    build = image.props["build"]
    assert build["context"] == str(context)
    assert build["platform"] == "linux/arm64"
    assert build["builderVersion"] == "BuilderBuildKit"
    dockerfile = Path(build["dockerfile"])
    assert dockerfile.is_absolute() and dockerfile.name == "Dockerfile"
    agent, build_spec = agent_with_build(context)
    assert dockerfile.read_text() == render_dockerfile(agent, build_spec)
    assert image.props["skipPush"] is False
    assert image.parent == rendered.resources["acme-dev-image"].urn
    assert image.name == "acme-dev-image-image"


def test_pushes_to_the_tenant_repository_tagged_with_version_and_content_hash(
    context: Path,
) -> None:
    rendered = render_image(context)
    agent, build_spec = agent_with_build(context)
    content_hash = context_hash(context, render_dockerfile(agent, build_spec))
    tag = image_tag("1.4.2", content_hash)
    assert tag.startswith("1.4.2-")
    assert build_inputs(rendered)["imageName"] == f"{REPOSITORY_URL}:{tag}"
    assert rendered.outputs["tag"] == tag
    assert rendered.outputs["context_hash"] == content_hash


def test_image_ref_is_the_digest_pinned_reference(context: Path) -> None:
    rendered = render_image(context)
    ref = rendered.outputs["image_ref"]
    repository, _, digest = ref.partition("@")
    assert repository == REPOSITORY_URL
    assert digest.startswith("sha256:") and len(digest) == len("sha256:") + 64
    (outputs,) = rendered.registered_outputs[rendered.resources["acme-dev-image"].urn]
    assert outputs["imageRef"] == ref


def test_registry_credentials_come_from_the_ecr_token_and_the_password_is_secret(
    context: Path,
) -> None:
    rendered = render_image(context)
    registry = rendered.one(IMAGE_TYPE).inputs["registry"]
    # The SDK may wrap the whole registry object instead of the one field: both are secret.
    password = registry["value"]["password"] if is_secret_value(registry) else registry["password"]
    assert is_secret_value(registry) or is_secret_value(password)
    assert plain(registry) == {"server": REGISTRY, "username": "AWS", "password": ECR_PASSWORD}
    call = rendered.call(TOKEN_CALL)
    assert call.args["registryId"] == ACCOUNT
    provider = rendered.resources["aws"]
    assert call.provider == f"{provider.urn}::aws-id", "the token comes through opts' provider"


def test_unchanged_context_gives_identical_build_inputs(context: Path) -> None:
    first = build_inputs(render_image(context))
    second = build_inputs(render_image(context))
    assert first == second


def test_changed_file_gives_a_new_tag_and_dockerfile_change_too(context: Path) -> None:
    before = build_inputs(render_image(context))
    main = context / "app" / "__main__.py"
    main.write_text(main.read_text() + "\n# changed\n")
    after_code = build_inputs(render_image(context))
    assert after_code["imageName"] != before["imageName"]
    after_port = build_inputs(render_image(context, pythonVersion="3.13"))
    assert after_port["imageName"] != after_code["imageName"]
    assert after_port["build"]["dockerfile"] != after_code["build"]["dockerfile"]


def test_files_in_dockerignore_do_not_trigger_a_build(context: Path) -> None:
    before = build_inputs(render_image(context))
    (context / "app" / "__pycache__").mkdir()
    (context / "app" / "__pycache__" / "__main__.cpython-312.pyc").write_bytes(b"\0\1")
    (context / ".env").write_text("OPENAI_API_KEY=sk-local-only")
    (context / "agent.log").write_text("noise")
    assert build_inputs(render_image(context)) == before


def test_the_repository_comes_before_the_image(context: Path) -> None:
    spec = make_spec()
    agent, build_spec = agent_with_build(context)

    def program(provider: pulumi.ProviderResource) -> dict[str, Any]:
        repository = AgentRepository(
            "acme-dev-repository",
            AgentRepositoryArgs(spec=spec),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        image = AgentImage(
            "acme-dev-image",
            AgentImageArgs(
                agent=agent,
                build=build_spec,
                repository_url=repository.repository_url,
                registry_id=repository.registry_id,
            ),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        return {"image_ref": image.image_ref}

    rendered = render(program)
    ecr: Registered = rendered.one("aws:ecr/repository:Repository")
    image = rendered.one(IMAGE_TYPE)
    assert ecr.urn in image.dependencies
    assert image.props["imageName"].startswith(f"{REGISTRY}/acme-dev/support-bot:")
    assert rendered.outputs["image_ref"].startswith(f"{REGISTRY}/acme-dev/support-bot@sha256:")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: shutil.rmtree(c), "is not a folder"),
        (lambda c: (c / "requirements.txt").unlink(), "requirements.txt is not a file"),
        (
            lambda c: (c / ".dockerignore").write_text("requirements.txt\n"),
            "excluded by",
        ),
    ],
)
def test_a_broken_context_fails_before_anything_is_built(
    context: Path, change: Any, message: str
) -> None:
    agent, build_spec = agent_with_build(context)
    change(context)

    def program(provider: pulumi.ProviderResource) -> dict[str, Any]:
        AgentImage(
            "acme-dev-image",
            AgentImageArgs(agent=agent, build=build_spec, repository_url=REPOSITORY_URL),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        return {}

    with pytest.raises(Exception, match=message):
        render(program)
