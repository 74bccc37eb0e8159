"""`KubernetesAgent` mocks: a Kubernetes tenant's spec, and a recorded run of the component.

The mocks echo their inputs; every registration and the component's resolved outputs are
recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.components.kubernetes import KubernetesAgent, KubernetesAgentArgs
from infra.spec import DeploymentSpec
from tests.unit.mocks import DIGEST, SECRET_VALUE, Recording, Registered, build_spec, record

__all__ = [
    "COMPONENT",
    "IMAGE",
    "EchoMocks",
    "Rendered",
    "make_spec",
    "render",
    "spec_dict",
]

IMAGE = f"registry.example.com/acme/agent@{DIGEST}"
COMPONENT = "acme-dev-kubernetes"
"""The `KubernetesAgent` name `render` uses (children are `acme-dev-kubernetes-<suffix>`)."""

_SECRET_FLAGS = ("secret", "registry")


def spec_dict(environment: str = "dev") -> dict[str, Any]:
    """The smallest valid spec of a Kubernetes tenant (with plain and secret env)."""
    return {
        "tenant": {
            "id": "acme",
            "organization": "acme-corp",
            "environment": environment,
            "labels": {"team": "support"},
        },
        "agent": {
            "name": "support-bot",
            "version": "1.4.2",
            "env": {"LOG_LEVEL": "info"},
            "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "ACME_OPENAI_API_KEY"}},
            "image": {"ref": IMAGE},
        },
        "kubernetes": {"enabled": True},
    }


def make_spec(environment: str = "dev", **sections: Mapping[str, Any]) -> DeploymentSpec:
    """A validated spec: `spec_dict` with `sections` (e.g. kubernetes={...}) deep-merged in."""
    return build_spec(spec_dict(environment), sections)


class EchoMocks(pulumi.runtime.Mocks):
    """Every resource's outputs are its inputs; no provider function is expected."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@dataclass(frozen=True)
class Rendered(Recording):
    """A recording of one `KubernetesAgent`, with views of its component and workload."""

    secret_string_data_is_secret: bool | None = None
    registry_string_data_is_secret: bool | None = None

    @property
    def component(self) -> Registered:
        """The `KubernetesAgent` registration itself."""
        return self.resources[COMPONENT]

    @property
    def component_outputs(self) -> list[dict[str, Any]]:
        """Every `register_outputs` call of the component, in order."""
        return self.registered_outputs.get(self.component.urn, [])

    @property
    def provider(self) -> Registered:
        """The Kubernetes provider handed in through `opts`."""
        return self.one("pulumi:providers:kubernetes")

    def kubernetes(self) -> list[Registered]:
        """Every Kubernetes object the component declared."""
        return [r for r in self.resources.values() if r.type.startswith("kubernetes:")]

    def named(self, suffix: str) -> Registered:
        """The child `<component>-<suffix>`."""
        return self.resources[f"{COMPONENT}-{suffix}"]

    @property
    def deployment(self) -> dict[str, Any]:
        """The Deployment's inputs."""
        return self.one("kubernetes:apps/v1:Deployment").props

    @property
    def pod_spec(self) -> dict[str, Any]:
        """The Deployment's pod template spec."""
        pod_spec: dict[str, Any] = self.deployment["spec"]["template"]["spec"]
        return pod_spec

    @property
    def container(self) -> dict[str, Any]:
        """The agent container."""
        container: dict[str, Any]
        (container,) = self.pod_spec["containers"]
        return container

    @property
    def checksum(self) -> str:
        """The pod template's config checksum annotation."""
        annotations = self.deployment["spec"]["template"]["metadata"]["annotations"]
        checksum: str = annotations["jockey.dev/config-checksum"]
        return checksum


def render(
    spec: DeploymentSpec,
    secret_env: Mapping[str, pulumi.Input[str]] | None = None,
    image: str = IMAGE,
    pull_secret: pulumi.Input[str] | None = None,
) -> Rendered:
    """Run `KubernetesAgent` under fresh mocks and collect what it registered.

    Args:
        spec: the tenant to render.
        secret_env: the resolved secret env (default: `OPENAI_API_KEY` = `SECRET_VALUE`).
        image: the digest-pinned image reference.
        pull_secret: the registry credentials, if any.
    """
    values = {"OPENAI_API_KEY": SECRET_VALUE} if secret_env is None else secret_env
    children: dict[str, pulumi.Resource] = {}

    def remember(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        children[args.name] = args.resource
        return None

    def program() -> dict[str, pulumi.Input[Any]]:
        provider = k8s.Provider("k8s", render_yaml_to_directory="rendered")
        agent = KubernetesAgent(
            COMPONENT,
            KubernetesAgentArgs(spec=spec, image=image, secret_env=values, pull_secret=pull_secret),
            opts=pulumi.ResourceOptions(providers=[provider], transformations=[remember]),
        )
        outputs: dict[str, pulumi.Input[Any]] = {
            "namespace": agent.namespace,
            "service_name": agent.service_name,
            "deployment_name": agent.deployment_name,
            "service_url": agent.service_url,
        }
        for suffix in _SECRET_FLAGS:
            secret = children.get(f"{COMPONENT}-{suffix}")
            if isinstance(secret, k8s.core.v1.Secret):
                outputs[f"{suffix}_string_data_is_secret"] = secret.string_data.is_secret()
        return outputs

    recording = record(EchoMocks(), program)
    flags = {f"{suffix}_string_data_is_secret" for suffix in _SECRET_FLAGS}
    fields = vars(recording) | {
        "outputs": {k: v for k, v in recording.outputs.items() if k not in flags},
        "secret_outputs": recording.secret_outputs - flags,
    }
    return Rendered(
        **fields,
        secret_string_data_is_secret=recording.outputs.get("secret_string_data_is_secret"),
        registry_string_data_is_secret=recording.outputs.get("registry_string_data_is_secret"),
    )
