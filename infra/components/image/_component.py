"""`AgentImage`: build the unified image once and push it to the tenant's ECR repository."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

from infra.components.image._context import DockerIgnore, context_hash
from infra.components.image._dockerfile import render_dockerfile
from infra.spec import AgentSpec, BuildSpec

TYPE_TOKEN = "jockey:image:AgentImage"
HASH_IN_TAG = 12
"""Hex digits of the context hash in the tag: 48 bits, collisions are not a concern."""
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_TAG_MAX = 128


@dataclass(frozen=True)
class AgentImageArgs:
    """Inputs of `AgentImage`.

    Attributes:
        agent: the agent section of the spec (its version goes into the tag).
        build: the build settings; `context` is an absolute path (the loader resolves it).
        repository_url: the ECR repository to push to, `<registry>/<name>`.
        registry_id: the account of the registry; its authorization token is fetched
            through the AWS provider in `opts` (unset: the provider's own account).
    """

    agent: AgentSpec
    build: BuildSpec
    repository_url: pulumi.Input[str]
    registry_id: pulumi.Input[str] | None = None


def image_tag(version: str, content_hash: str) -> str:
    """The image's one tag: the agent version and the build's content hash.

    ECR tags are immutable, so a tag names exactly one build; Docker tags cannot hold the
    `+` of semantic-version build metadata, so it becomes `_`.

    Args:
        version: the agent's semantic version.
        content_hash: `context_hash` of the build.

    Returns:
        e.g. `1.4.2-3f9a1c0b7d2e`.
    """
    suffix = f"-{content_hash[:HASH_IN_TAG]}"
    return _TAG_UNSAFE.sub("_", version)[: _TAG_MAX - len(suffix)] + suffix


def write_dockerfile(text: str) -> Path:
    """Write a rendered Dockerfile where Docker can read it, named by its content.

    The same text always lands at the same path, so the build's inputs stay identical
    between runs; the file is replaced atomically, so concurrent runs never see half of it.

    Args:
        text: the Dockerfile.

    Returns:
        `<temp dir>/jockey-dockerfiles/<sha256>/Dockerfile`.
    """
    folder = (
        Path(tempfile.gettempdir())
        / "jockey-dockerfiles"
        / hashlib.sha256(text.encode()).hexdigest()
    )
    path = folder / "Dockerfile"
    if path.is_file() and path.read_text() == text:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, prefix=".Dockerfile.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(partial, 0o644)
    os.replace(partial, path)
    return path


def _check_context(build: BuildSpec) -> None:
    context = build.context
    where = "agent.image.build"
    if not context.is_absolute():
        raise pulumi.RunError(
            f"{where}.context: {context} is relative; resolve it against the spec file first"
        )
    if not context.is_dir():
        raise pulumi.RunError(f"{where}.context: {context} is not a folder; point it at one")
    if not (context / build.requirements).is_file():
        raise pulumi.RunError(
            f"{where}.requirements: {build.requirements} is not a file in {context}; "
            "create it (it may be empty)"
        )
    if DockerIgnore.of_context(context).excludes(build.requirements):
        raise pulumi.RunError(
            f"{where}.requirements: {build.requirements} is excluded by "
            f"{context / '.dockerignore'}; remove that pattern"
        )


class AgentImage(pulumi.ComponentResource):
    """The agent's image, built for one platform and pushed to ECR by digest.

    Renders the unified Dockerfile, hashes it with the build context (minus
    `.dockerignore`d files) and tags the image `<version>-<hash>`: when nothing changed,
    every input of the build is identical and nothing is built or pushed. The registry
    password comes from ECR's authorization token and is a secret. The AWS provider (for
    the token) comes in through `opts`; the build runs on the local Docker engine.

    The build's inputs also hold two machine paths: the context's absolute path and the
    rendered Dockerfile's under the system temp folder. Deploy a stack from one place (CI):
    from a checkout at another path the image is rebuilt, and ECR refuses to give the
    existing immutable tag a new digest, so that push fails until the context changes.

    Attributes:
        image_ref: the digest-pinned reference `<repository>@sha256:<digest>`.
        image_name: the pushed tag, `<repository>:<tag>`.
        tag: the image tag.
        context_hash: the SHA-256 of the Dockerfile and the build context.
    """

    image_ref: pulumi.Output[str]
    image_name: pulumi.Output[str]
    tag: pulumi.Output[str]
    context_hash: pulumi.Output[str]

    def __init__(
        self, name: str, args: AgentImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the build and push.

        Args:
            name: the component's name; children are named `<name>-<suffix>`.
            args: the agent, its build settings and the target repository.
            opts: resource options, carrying the AWS provider.

        Raises:
            pulumi.RunError: the context or its requirements file is missing.
        """
        super().__init__(TYPE_TOKEN, name, None, opts)
        build = args.build
        _check_context(build)
        dockerfile = render_dockerfile(args.agent, build)
        content_hash = context_hash(build.context, dockerfile)
        tag = image_tag(args.agent.version, content_hash)

        token = aws.ecr.get_authorization_token_output(
            registry_id=args.registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        repository_url = pulumi.Output.from_input(args.repository_url)
        image = docker.Image(
            f"{name}-image",
            image_name=pulumi.Output.concat(repository_url, ":", tag),
            build=docker.DockerBuildArgs(
                context=str(build.context),
                dockerfile=str(write_dockerfile(dockerfile)),
                platform=build.platform.value,
                builder_version=docker.BuilderVersion.BUILDER_BUILD_KIT,
            ),
            registry=docker.RegistryArgs(
                server=repository_url.apply(lambda url: url.split("/", 1)[0]),
                username=token.user_name,
                password=pulumi.Output.secret(token.password),
            ),
            skip_push=False,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.image_ref = image.repo_digest
        self.image_name = image.image_name
        self.tag = pulumi.Output.from_input(tag)
        self.context_hash = pulumi.Output.from_input(content_hash)
        self.register_outputs(
            {
                "imageRef": self.image_ref,
                "imageName": self.image_name,
                "tag": self.tag,
                "contextHash": self.context_hash,
            }
        )
