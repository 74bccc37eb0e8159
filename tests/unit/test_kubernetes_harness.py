"""Shared harness of the `KubernetesAgent` tests (no tests here): specs, and a run of the
component under Pulumi mocks that records every registration (inputs, parent, dependencies,
provider, ignoreChanges) and the component's resolved outputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi.runtime import mocks, rpc

from infra.components.kubernetes import KubernetesAgent, KubernetesAgentArgs
from infra.spec import DeploymentSpec
from tests.unit.spec_support import (
    build_spec,
    is_secret_value,
)

DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE = f"registry.example.com/acme/agent@{DIGEST}"
COMPONENT = "acme-dev-kubernetes"
SECRET_VALUE = "sk-canary-3f9a1c"


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


def plain(value: Any) -> Any:
    """A registered input value with the engine's secret wrappers removed."""
    if is_secret_value(value):
        return plain(value["value"])
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


@dataclass(frozen=True)
class Registered:
    """One resource registration as the engine received it."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    parent: str
    dependencies: tuple[str, ...]
    provider: str
    ignore_changes: tuple[str, ...]
    retain_on_delete: bool
    custom_timeouts: dict[str, str]

    @property
    def props(self) -> dict[str, Any]:
        """The inputs with secret wrappers removed."""
        return plain(self.inputs)  # type: ignore[no-any-return]

    @property
    def metadata(self) -> dict[str, Any]:
        """`metadata` of a Kubernetes object."""
        return self.props.get("metadata", {})  # type: ignore[no-any-return]

    @property
    def annotations(self) -> dict[str, str]:
        """`metadata.annotations` of a Kubernetes object."""
        return self.metadata.get("annotations", {})  # type: ignore[no-any-return]


class _EchoMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class _RecordingMonitor(mocks.MockMonitor):
    def __init__(self) -> None:
        super().__init__(_EchoMocks())
        self.registered: dict[str, Registered] = {}
        self.outputs_by_urn: dict[str, list[dict[str, Any]]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.registered[request.name] = Registered(
                type=request.type,
                name=request.name,
                urn=response.urn,
                inputs=rpc.deserialize_properties(request.object),
                parent=request.parent,
                dependencies=tuple(request.dependencies),
                provider=request.provider,
                ignore_changes=tuple(request.ignoreChanges),
                retain_on_delete=bool(request.retainOnDelete),
                custom_timeouts={
                    kind: getattr(request.customTimeouts, kind)
                    for kind in ("create", "update", "delete")
                    if getattr(request.customTimeouts, kind)
                },
            )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = dict(rpc.deserialize_properties(request.outputs))
        self.outputs_by_urn.setdefault(request.urn, []).append(outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Rendered:
    """What one run of the component registered, and its resolved outputs."""

    resources: dict[str, Registered]
    outputs: dict[str, Any]
    registered_outputs: dict[str, list[dict[str, Any]]]
    secret_string_data_is_secret: bool | None
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

    def of_type(self, type_: str) -> list[Registered]:
        """Registrations of one type token, e.g. `kubernetes:apps/v1:Deployment`."""
        return [r for r in self.resources.values() if r.type == type_]

    def one(self, type_: str) -> Registered:
        """The only registration of a type token."""
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, got {[r.name for r in found]}"
        return found[0]

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
        return self.deployment["spec"]["template"]["spec"]  # type: ignore[no-any-return]

    @property
    def container(self) -> dict[str, Any]:
        """The agent container."""
        (container,) = self.pod_spec["containers"]
        return container  # type: ignore[no-any-return]

    @property
    def checksum(self) -> str:
        """The pod template's config checksum annotation."""
        annotations = self.deployment["spec"]["template"]["metadata"]["annotations"]
        return annotations["jockey.dev/config-checksum"]  # type: ignore[no-any-return]


def install_mocks() -> _RecordingMonitor:
    """Point the Pulumi runtime at fresh recording mocks (not a preview: values resolve)."""
    monitor = _RecordingMonitor()
    pulumi.runtime.set_mocks(monitor.mocks, preview=False, monitor=monitor)
    return monitor


def render(
    spec: DeploymentSpec,
    secret_env: Mapping[str, pulumi.Input[str]] | None = None,
    image: str = IMAGE,
    pull_secret: pulumi.Input[str] | None = None,
) -> Rendered:
    """Run `KubernetesAgent` under fresh mocks and collect what it registered."""
    monitor = install_mocks()
    values = {"OPENAI_API_KEY": SECRET_VALUE} if secret_env is None else secret_env
    children: dict[str, pulumi.Resource] = {}
    resolved: dict[str, Any] = {}

    def remember(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        children[args.name] = args.resource
        return None

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        provider = k8s.Provider("k8s", render_yaml_to_directory="rendered")
        agent = KubernetesAgent(
            COMPONENT,
            KubernetesAgentArgs(spec=spec, image=image, secret_env=values, pull_secret=pull_secret),
            opts=pulumi.ResourceOptions(providers=[provider], transformations=[remember]),
        )
        outputs: dict[str, Any] = {
            "namespace": agent.namespace,
            "service_name": agent.service_name,
            "deployment_name": agent.deployment_name,
            "service_url": agent.service_url,
        }
        for suffix in ("secret", "registry"):
            secret = children.get(f"{COMPONENT}-{suffix}")
            if isinstance(secret, k8s.core.v1.Secret):
                outputs[f"{suffix}_string_data_is_secret"] = pulumi.Output.from_input(
                    secret.string_data.is_secret()
                )
        return pulumi.Output.all(**outputs).apply(resolved.update)

    run()
    return Rendered(
        resources=dict(monitor.registered),
        outputs={k: v for k, v in resolved.items() if not k.endswith("string_data_is_secret")},
        registered_outputs=dict(monitor.outputs_by_urn),
        secret_string_data_is_secret=resolved.get("secret_string_data_is_secret"),
        registry_string_data_is_secret=resolved.get("registry_string_data_is_secret"),
    )
